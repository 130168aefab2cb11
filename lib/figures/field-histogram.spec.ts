import { expect } from 'chai';
import { Evidence } from '../evidence/evidence.ts';
import { FIXTURE_DUT } from '../../suites/fixture-events.ts';
import { fieldBins } from './field-histogram.ts';
import { sourcePortFigure } from './source-ports.ts';
import {
  assertWellFormedSvg,
  expectNoQueriesNotice,
  fixtureEvidence,
  markItems,
  overTcp,
  svgTexts,
} from './svg-test-kit.ts';
import { txidFigure } from './txids.ts';

describe('figures/field-histogram', () => {
  it('bins 16-bit values by 1024, keeping only the bins that hold any', () => {
    expect(fieldBins([0, 1023, 1024, 4096, 4100, 65535])).to.deep.equal([
      { start: 0, end: 1024, count: 2 },
      { start: 1024, end: 2048, count: 1 },
      { start: 4096, end: 5120, count: 2 },
      { start: 64512, end: 65536, count: 1 },
    ]);
  });

  it('draws a fixed source port as one bar, and says so in the caption', async () => {
    const evidence = fixtureEvidence(
      60,
      Array.from({ length: 12 }, (_, i) => ({ at: 1 + i, port: 4096 })),
    );
    const figure = await sourcePortFigure(evidence, FIXTURE_DUT);
    assertWellFormedSvg(figure.svg);
    expect(figure.id).to.equal('source-ports');
    expect(markItems(figure.svg, 'bars')).to.equal(1);
    expect(figure.caption).to.equal(
      '12 UDP queries, σ 0.0 (POOR), 1 distinct source port, most used port 4096 on 100%, 0% sequential steps',
    );
    const texts = svgTexts(figure.svg);
    expect(texts).to.include('UDP source port');
    expect(texts).to.include('UDP queries per bar');
    expect(texts).to.include('65535');
  });

  it('draws one bar per occupied bin, with σ and distinct values of the same sample', async () => {
    // σ of {1000, 2000, 3000, 30000}: mean 9000, population σ = √((8000²+7000²+6000²+21000²)/4) = √147500000 = 12145.0
    const evidence = fixtureEvidence(
      60,
      [1000, 2000, 3000, 30000].map((port, i) => ({ at: 1 + i, port })),
    );
    const figure = await sourcePortFigure(evidence, FIXTURE_DUT);
    expect(markItems(figure.svg, 'bars')).to.equal(4);
    expect(figure.caption).to.equal('4 UDP queries, σ 12145.0 (GREAT), 4 distinct source ports, 0% sequential steps');
    expect(figure.svg).to.include('aria-label="source ports 29696–30719: 1 query"');
  });

  it('shows a TXID counter as sequential steps at the low end of the field', async () => {
    const evidence = fixtureEvidence(
      60,
      Array.from({ length: 20 }, (_, i) => ({ at: 1 + i, txid: 1 + i })),
    );
    const figure = await txidFigure(evidence, FIXTURE_DUT);
    assertWellFormedSvg(figure.svg);
    expect(figure.id).to.equal('txids');
    expect(markItems(figure.svg, 'bars')).to.equal(1);
    expect(figure.caption).to.equal('20 UDP queries, σ 5.8 (POOR), 20 distinct transaction IDs, 100% sequential steps');
    expect(svgTexts(figure.svg)).to.include('Transaction ID');
  });

  it('restricts to one phase when asked, and says which', async () => {
    const evidence = fixtureEvidence(60, [
      { at: 1, port: 4096 },
      { at: 2, port: 4096 },
    ]);
    expect((await sourcePortFigure(evidence, FIXTURE_DUT, 'baseline')).caption).to.match(
      /^2 UDP queries in phase baseline, /,
    );
    expect((await sourcePortFigure(evidence, FIXTURE_DUT, 'ttl-zero')).caption).to.equal(
      'No queries to plot: the evidence holds no query from fixture-dut in phase ttl-zero.',
    );
  });

  it('says there is nothing to plot, in the SVG, for no queries and for TCP-only queries', async () => {
    expectNoQueriesNotice(await sourcePortFigure(new Evidence([]), FIXTURE_DUT), FIXTURE_DUT, 'bars');
    expectNoQueriesNotice(await txidFigure(new Evidence([]), FIXTURE_DUT), FIXTURE_DUT, 'bars');
    const tcp = await sourcePortFigure(overTcp(fixtureEvidence(60, [{ at: 1 }, { at: 2 }])), FIXTURE_DUT);
    expect(tcp.caption).to.match(/^No UDP queries to plot: the 2 queries from fixture-dut went over TCP/);
    expect(tcp.svg).to.include('No UDP queries to plot');
  });
});
