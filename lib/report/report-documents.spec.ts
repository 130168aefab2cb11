import { expect } from 'chai';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { TABLE_I_COLUMNS } from '../checks/check-types.ts';
import { finishedSampleRun } from './fixtures/finished-run.ts';
import type { FinishedRun } from './fixtures/finished-run.ts';
import { flipByteInSignedRange, pdfInfo, poppler, VALID_SIGNATURE } from './fixtures/poppler.ts';
import { removeTempDirs, tempDir } from './fixtures/sample-run.ts';
import { FigureMismatchError, loadFigures, renderReportHtml } from './html/render-html.ts';
import {
  REPORT_HTML_FILE,
  REPORT_PDF_FILE,
  ReportDocumentExistsError,
  writeReportDocuments,
} from './report-documents.ts';
import { TABLE_I_HEADINGS } from './table-i.ts';

const escape = (text: string) => Handlebars.Utils.escapeExpression(text);

describe('report/writeReportDocuments (Chromium, pdfsig)', () => {
  let run: FinishedRun;
  let written: { html: string; pdf: string };
  let html: string;

  before(async () => {
    run = await finishedSampleRun();
    // finaliseRun wrote them (no skip when Chromium is missing: findChromium fails this hook with the apt-get hint).
    written = { html: join(run.runDir, REPORT_HTML_FILE), pdf: join(run.runDir, REPORT_PDF_FILE) };
    html = readFileSync(written.html, 'utf8');
  });
  after(removeTempDirs);

  it('writes report.html and report.pdf into the run directory', () => {
    expect(written).to.deep.equal({ html: join(run.runDir, REPORT_HTML_FILE), pdf: join(run.runDir, REPORT_PDF_FILE) });
    expect(readFileSync(written.pdf).subarray(0, 5).toString()).to.equal('%PDF-');
  });

  it('HTML carries the report id, every check id, the Table I row with its rule, and the verdict counts', () => {
    expect(html).to.contain(run.report.runId);
    for (const result of run.report.results) expect(html).to.contain(result.check);
    // The fixture's first result (PASS) feeds randomTxid and the second (FAIL) randomSourcePort.
    expect(run.report.tableI).to.include({ randomTxid: 'pass', randomSourcePort: 'fail', secureDns: 'not-assessed' });
    const headings = [...html.matchAll(/<table class="table-i">[\s\S]*?<\/table>/g)][0]![0];
    const cells = [...headings.matchAll(/<td class="([a-z-]+)" title="[a-z-]+">(.)<\/td>/g)].map((m) => [m[1], m[2]]);
    const mark = { pass: '✓', fail: '✗', 'not-assessed': '–' } as const;
    expect(cells).to.deep.equal(TABLE_I_COLUMNS.map((c) => [run.report.tableI[c], mark[run.report.tableI[c]]]));
    for (const column of TABLE_I_COLUMNS) expect(headings).to.contain(escape(TABLE_I_HEADINGS[column]));
    expect(html).to.contain(run.report.tableI.rule);
    expect(html).to.contain(run.report.overall.decisionRule);
    expect(html).to.contain('NOT CONFORMANT');
  });

  it('HTML inlines every figure as the exact bytes of its file, and loads nothing from elsewhere', () => {
    expect(run.report.figures).to.have.length(4);
    for (const figure of run.report.figures ?? []) {
      const bytes = readFileSync(join(run.runDir, figure.file));
      expect(html).to.contain(`src="data:image/svg+xml;base64,${bytes.toString('base64')}"`);
      expect(html).to.contain(escape(figure.caption));
    }
    expect(html).to.not.match(/\s(?:src|href)="(?!data:|#)/);
  });

  it('PDF is A4, and every page carries the report id and "Page n of N"', () => {
    const info = pdfInfo(written.pdf);
    expect(info['Page size']).to.match(/^595\.\d+ x 841\.\d+ pts \(A4\)$/);
    const pages = Number(info.Pages);
    expect(pages).to.be.at.least(5);
    expect(info.Title).to.contain(run.report.runId);
    const text = poppler('pdftotext', ['-layout', written.pdf, '-'])
      .split('\f')
      .filter((page) => page.trim() !== '');
    expect(text).to.have.length(pages);
    text.forEach((page, i) => {
      expect(page, `page ${i + 1}`).to.contain(`Report ${run.report.runId}`);
      expect(page, `page ${i + 1}`).to.contain(`Page ${i + 1} of ${pages}`);
    });
    expect(text[0]).to.contain('Summary').and.contain('Table I of the paper').and.contain('NOT CONFORMANT');
  });

  it('pdfsig finds a valid signature over the whole file, and a broken one after one byte changes', () => {
    const out = poppler('pdfsig', [written.pdf]);
    expect(out).to.contain(VALID_SIGNATURE);
    expect(out).to.contain('Total document signed');
    expect(out).to.contain('Signer Certificate Common Name: dnsconform test lab');
    expect(out).to.contain('Signing Hash Algorithm: SHA-256');

    const tampered = join(tempDir('tampered'), 'report.pdf');
    copyFileSync(written.pdf, tampered);
    flipByteInSignedRange(tampered);
    const broken = poppler('pdfsig', [tampered]);
    expect(broken).to.match(/Signature #1/);
    expect(broken).to.not.contain(VALID_SIGNATURE);
    expect(broken).to.contain('Digest Mismatch.');
  });

  it('page 1 renders to a PNG', () => {
    const prefix = join(tempDir('png'), 'page');
    poppler('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', written.pdf, prefix]);
    const png = [`${prefix}-1.png`, `${prefix}-01.png`].find((file) => existsSync(file));
    expect(png, 'pdftoppm wrote page 1').to.be.a('string');
    expect(readFileSync(png!).subarray(1, 4).toString()).to.equal('PNG');
    expect(statSync(png!).size).to.be.greaterThan(10_000);
  });

  it('never replaces a document already there', async () => {
    const before = readFileSync(written.pdf);
    let thrown: unknown;
    try {
      await writeReportDocuments(run.runDir, run.report, run.keyDir);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(ReportDocumentExistsError);
    expect(readFileSync(written.pdf).equals(before)).to.equal(true);
  });

  it('refuses a figure that is not the one report.json digested', () => {
    const figure = run.report.figures![0]!;
    const copy = tempDir('figures');
    const changed = {
      ...run.report,
      evidenceFiles: run.report.evidenceFiles.map((f) =>
        f.file === figure.file ? { ...f, sha256: '0'.repeat(64) } : f,
      ),
    };
    expect(() => loadFigures(run.runDir, changed)).to.throw(FigureMismatchError, /does not match the SHA-256/);
    expect(() => loadFigures(copy, run.report)).to.throw(FigureMismatchError, /cannot be read/);
    expect(renderReportHtml(run.report, [])).to.contain('The run has no figures.');
  });
});
