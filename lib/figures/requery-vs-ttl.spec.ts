import { expect } from 'chai';
import { ttlCompliance } from '../analysis/ttl-compliance.ts';
import { Evidence } from '../evidence/evidence.ts';
import type { EvidenceEvent } from '../evidence/events.ts';
import { FIXTURE_DUT } from '../../suites/fixture-events.ts';
import ttlHonoured from '../../suites/caching/ttl-honoured.check.ts';
import {
  DEFAULT_TTL_EXPERIMENTS,
  DEFAULT_TTL_OPTIONS,
  requeryVsTtlData,
  requeryVsTtlFigure,
} from './requery-vs-ttl.ts';
import {
  answerA,
  assertWellFormedSvg,
  expectNoQueriesNotice,
  fixtureEvidence,
  markItems,
  svgTexts,
} from './svg-test-kit.ts';

/** A poller: asks every second although each answer grants 30 s. */
const poller = () =>
  fixtureEvidence(
    20,
    Array.from({ length: 10 }, (_, i) => ({ at: 1 + i, answer: answerA(30) })),
  );
/** A cacher: asks again 31 s after each 30 s answer, and 10 s after each 5 s one for a second name. */
const cacher = () =>
  fixtureEvidence(200, [
    ...[1, 32, 63, 94].map((at) => ({ at, answer: answerA(30) })),
    ...[2, 12, 22].map((at) => ({ at, name: 'short.example', answer: answerA(5, 'short.example') })),
  ]);

describe('figures/requery-vs-ttl', () => {
  it('uses the thresholds and experiments of the TTL check', () => {
    const { parameters } = ttlHonoured.meta.decisionRule;
    expect(DEFAULT_TTL_OPTIONS).to.deep.equal({
      graceSeconds: parameters['graceSeconds'],
      graceFraction: parameters['graceFraction'],
      minTtlSeconds: parameters['minTtlSeconds'],
      followSeconds: parameters['followSeconds'],
    });
    expect(DEFAULT_TTL_EXPERIMENTS).to.deep.equal(ttlHonoured.meta.experiments);
  });

  it('plots a poller below the line, with the counts of ttlCompliance', async () => {
    const evidence = poller();
    const totals = ttlCompliance(evidence, FIXTURE_DUT, DEFAULT_TTL_OPTIONS).totals;
    const data = requeryVsTtlData(evidence, FIXTURE_DUT);
    expect(data.counts).to.deep.equal({
      premature: totals.premature,
      'on time': totals.requeries - totals.premature,
      'not re-queried': 1,
    });
    // Nine re-queries 0.998 s after a 30 s answer: one point standing for nine.
    expect(data.points).to.have.length(1);
    expect(data.points[0]).to.deep.include({ ttl: 30, kind: 'premature', requeries: 9 });
    expect(data.domain).to.deep.equal([0.1, 100]);
    const figure = await requeryVsTtlFigure(evidence, FIXTURE_DUT);
    assertWellFormedSvg(figure.svg);
    expect(figure.id).to.equal('requery-vs-ttl');
    expect(figure.caption).to.equal(
      '9 re-queries for 1 (name, type) pair in the baseline experiment, 9 premature; ' +
        '1 of 10 answers with a TTL of at least 2 s not asked about again before the evidence ended (not drawn)',
    );
    expect(markItems(figure.svg, 'points')).to.equal(1);
    expect(markItems(figure.svg, 'ttl_expiry')).to.equal(1);
    expect(svgTexts(figure.svg)).to.include.members([
      'TTL granted by the answer (s)',
      'Time until asked again (s)',
      'Re-queries per point',
    ]);
  });

  it('plots a cacher on or above the line, one point per TTL and interval', async () => {
    const data = requeryVsTtlData(cacher(), FIXTURE_DUT);
    expect(data.counts).to.deep.equal({ premature: 0, 'on time': 5, 'not re-queried': 2 });
    expect(data.points.map((p) => [p.ttl, Number(p.seconds.toFixed(3)), p.kind, p.requeries])).to.deep.equal([
      [30, 30.998, 'on time', 3],
      [5, 9.998, 'on time', 2],
    ]);
    // The dashed line is TTL − max(1 s, 10% of the TTL): re-queries below it are premature.
    expect(data.graceLine.every((p) => Math.abs(p.seconds - (p.ttl - Math.max(1, 0.1 * p.ttl))) < 1e-9)).to.equal(true);
    const figure = await requeryVsTtlFigure(cacher(), FIXTURE_DUT);
    expect(markItems(figure.svg, 'points')).to.equal(2);
    expect(figure.caption).to.match(
      /^5 re-queries for 2 \(name, type\) pairs in the baseline experiment, 0 premature; /,
    );
  });

  it('leaves out the phases of other experiments, unless asked for all', async () => {
    const evidence = poller();
    const moved = new Evidence(
      evidence.events.map((e): EvidenceEvent => {
        const phase = e.phase === 'baseline' ? 'ttl-zero' : e.phase;
        return e.type === 'phase.start' || e.type === 'phase.end'
          ? { ...e, phase, name: 'ttl-zero', experiment: 'ttl-zero' }
          : { ...e, phase };
      }),
    );
    expect((await requeryVsTtlFigure(moved, FIXTURE_DUT)).caption).to.equal(
      'No queries to plot: the evidence holds no query from fixture-dut in the baseline experiment.',
    );
    expect(requeryVsTtlData(moved, FIXTURE_DUT, { experiments: ['*'] }).counts.premature).to.equal(9);
  });

  it('says why there is nothing to plot: no queries, no long enough TTL, no re-query yet', async () => {
    expectNoQueriesNotice(await requeryVsTtlFigure(new Evidence([]), FIXTURE_DUT), FIXTURE_DUT, 'points');
    const ttlOne = requeryVsTtlData(
      fixtureEvidence(20, [
        { at: 1, answer: answerA(1) },
        { at: 2, answer: answerA(1) },
      ]),
      FIXTURE_DUT,
    );
    expect(ttlOne.noData).to.equal(
      'No re-queries to plot: no answer to fixture-dut in the baseline experiment granted a TTL of at least 2 s (2 positive answers in all).',
    );
    const once = requeryVsTtlData(fixtureEvidence(20, [{ at: 1, answer: answerA(300) }]), FIXTURE_DUT);
    expect(once.noData).to.equal(
      'No re-queries to plot: 1 answer with a TTL of at least 2 s to fixture-dut in the baseline experiment, none followed by a query for the same name and type before the evidence ended.',
    );
  });
});
