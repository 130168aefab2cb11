import { expect } from 'chai';
import { Evidence } from '../evidence/evidence.ts';
import { FIXTURE_DUT } from '../../suites/fixture-events.ts';
import type { FixtureAnswer } from '../../suites/fixture-events.ts';
import { queryTimelineData, queryTimelineFigure } from './query-timeline.ts';
import { assertWellFormedSvg, expectNoQueriesNotice, fixtureEvidence, markItems, svgTexts } from './svg-test-kit.ts';

const NXDOMAIN: FixtureAnswer = { latency: 2_000, rcode: 'NXDOMAIN', records: [] };

describe('figures/query-timeline', () => {
  it('draws a mark per query, one row per name in the order first asked, coloured by the reply', async () => {
    const evidence = fixtureEvidence(100, [
      { at: 10, name: 'time.example' },
      { at: 20, name: 'api.example' },
      { at: 30, name: 'time.example' },
      { at: 40, name: 'gone.example', answer: NXDOMAIN },
      { at: 50, name: 'api.example', answer: null },
    ]);
    const data = queryTimelineData(evidence, FIXTURE_DUT);
    expect(data.rows).to.deep.equal(['time.example', 'api.example', 'gone.example']);
    expect(data.unit.name).to.equal('s');
    // 400 slots of 0.25 s over the 100 s run.
    expect(data.segments.map((s) => [s.row, s.from, s.to, s.outcome, s.queries])).to.deep.equal([
      ['time.example', 10, 10.25, 'answered', 1],
      ['time.example', 30, 30.25, 'answered', 1],
      ['api.example', 20, 20.25, 'answered', 1],
      ['api.example', 50, 50.25, 'no answer', 1],
      ['gone.example', 40, 40.25, 'error rcode', 1],
    ]);
    const figure = await queryTimelineFigure(evidence, FIXTURE_DUT);
    assertWellFormedSvg(figure.svg);
    expect(figure.id).to.equal('query-timeline');
    expect(markItems(figure.svg, 'queries')).to.equal(5);
    expect(markItems(figure.svg, 'phases')).to.equal(1);
    expect(figure.caption).to.equal(
      '5 queries for 3 names over 100.0 s, 3.0 per minute: 3 answered, 1 with an error code, 1 not answered',
    );
    const texts = svgTexts(figure.svg);
    expect(texts).to.include.members([
      'time.example',
      'api.example',
      'gone.example',
      'baseline',
      'Time since the start of observation (s)',
    ]);
  });

  it('joins queries of one slot, and of back-to-back slots, into one mark per reply kind that counts them', () => {
    const evidence = fixtureEvidence(100, [
      { at: 10 },
      { at: 10.01 },
      { at: 10.02 }, // one slot
      { at: 60 },
      { at: 60.3 },
      { at: 60.6 }, // three slots in a row
      { at: 60.8, answer: null },
      { at: 61.1, answer: null }, // two slots in a row, in the lane of unanswered queries
      { at: 80 },
      { at: 80.1, answer: null }, // one slot, one mark in each lane
    ]);
    const data = queryTimelineData(evidence, FIXTURE_DUT);
    expect(data.segments.map((s) => [s.from, s.to, s.outcome, s.queries])).to.deep.equal([
      [10, 10.25, 'answered', 3],
      [60, 60.75, 'answered', 3],
      [80, 80.25, 'answered', 1],
      [60.75, 61.25, 'no answer', 2],
      [80, 80.25, 'no answer', 1],
    ]);
    expect(data.caption).to.equal(
      '10 queries for 1 name over 100.0 s, 6.0 per minute: 7 answered, 0 with an error code, 3 not answered',
    );
  });

  it('pools the names beyond the row limit into one row, and says so', async () => {
    const evidence = fixtureEvidence(100, [
      { at: 1, name: 'rare.example' },
      { at: 2, name: 'a.example' },
      { at: 3, name: 'a.example' },
      { at: 4, name: 'b.example' },
      { at: 5, name: 'b.example' },
      { at: 6, name: 'c.example' },
    ]);
    const figure = await queryTimelineFigure(evidence, FIXTURE_DUT, { names: 2 });
    expect(svgTexts(figure.svg)).to.include.members(['a.example', 'b.example', '2 other names']);
    expect(svgTexts(figure.svg)).not.to.include('rare.example');
    expect(figure.caption).to.match(/; the 2 most asked names have a row each, the other 2 share the last$/);
  });

  it('shortens long names from the front, keeping the registered domain', () => {
    const name = 'a-very-long-device-telemetry-endpoint.eu-west.iot.example';
    const data = queryTimelineData(fixtureEvidence(100, [{ at: 1, name }]), FIXTURE_DUT);
    expect(data.rows).to.deep.equal([`…${name.slice(-23)}`]);
  });

  it('switches the time axis to minutes for long runs', () => {
    const data = queryTimelineData(fixtureEvidence(3600, [{ at: 1 }, { at: 1800 }]), FIXTURE_DUT);
    expect(data.unit.name).to.equal('min');
    expect(data.end).to.equal(60);
    expect(data.segments[1]!.from).to.be.closeTo(30, 1e-9);
  });

  it('says there are no queries, in the SVG', async () => {
    expectNoQueriesNotice(await queryTimelineFigure(new Evidence([]), FIXTURE_DUT), FIXTURE_DUT, 'queries');
  });
});
