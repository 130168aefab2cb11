/**
 * One Chromium per process: reports printed at once share it, a page each (a fleet of 100
 * devices once started 100 Chromiums together and they timed out). Needs the system's
 * Chromium, as every PDF spec does; waits on the prints themselves.
 */
import { expect } from 'chai';
import { browserLaunches, holdBrowser, renderPdf } from './render-pdf.ts';

const FURNITURE = { headerTemplate: '<span></span>', footerTemplate: '<span class="pageNumber"></span>' };

describe('report/pdf/render-pdf (one shared browser)', function () {
  // Chromium's start and six small pages on a loaded machine.
  this.timeout(180_000);

  it('prints six reports at once in one Chromium, each its own PDF', async () => {
    const before = browserLaunches();
    const pdfs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        renderPdf(`<!doctype html><html><body><h1>report ${i}</h1></body></html>`, FURNITURE),
      ),
    );
    expect(browserLaunches() - before).to.equal(1);
    for (const pdf of pdfs) expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).to.equal('%PDF-');
    expect(new Set(pdfs.map((pdf) => Buffer.from(pdf).toString('base64'))).size).to.equal(6);
  });

  it('starts the browser a command holds before printing, prints in it, and closes it when the hold is released', async () => {
    const hold = holdBrowser();
    const held = browserLaunches();
    const pdf = await renderPdf('<!doctype html><html><body><h1>held</h1></body></html>', FURNITURE);
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).to.equal('%PDF-');
    expect(browserLaunches(), 'the print used the browser the hold started').to.equal(held);
    await hold.release();
    await renderPdf('<!doctype html><html><body><h1>after</h1></body></html>', FURNITURE);
    expect(browserLaunches(), 'released, the browser was closed: the next print starts one').to.equal(held + 1);
  });
});
