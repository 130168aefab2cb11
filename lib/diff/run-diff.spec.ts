import { expect } from 'chai';
import { Evidence } from '../evidence/evidence.ts';
import type { CheckResult } from '../checks/check-types.ts';
import { FIXTURE_DUT, FIXTURE_SERVER, FixtureRun } from '../../suites/fixture-events.ts';
import type { Report } from '../report/report-types.ts';
import { tableIRow } from '../report/table-i.ts';
import { validateDiff, renderDiffTerminal, renderDiffHtml } from './diff-documents.ts';
import { diffRuns, verdictChanges } from './run-diff.ts';
import type { DiffSide } from './run-diff.ts';
import { proportionTest, rateTest, spreadTest } from './significance.ts';

const T0 = 1_770_000_000_000_000;
const SECOND = 1_000_000;

function result(
  check: string,
  verdict: CheckResult['verdict'],
  evidence: CheckResult['evidence'] = [],
  tableI?: CheckResult['tableI'],
): CheckResult {
  return {
    check,
    title: check,
    keyword: 'SHOULD',
    severity: 'medium',
    covers: { paper: [], draft: [], etsi: [] },
    requirement: '',
    decisionRule: { text: '', parameters: {} },
    verdict,
    expected: '',
    observed: `${check} ${verdict}`,
    figures: {},
    evidence,
    ...(tableI ? { tableI } : {}),
  };
}

/** A run of 60 s of baseline: `queries` A queries for `names`, ports and IDs from `port`/`txid`, one canary query to `other` when given. */
function side(options: {
  names: string[];
  queries: number;
  port: (i: number) => number;
  txid: (i: number) => number;
  edns: number;
  other?: string;
  results: CheckResult[];
}): DiffSide {
  const fixture = new FixtureRun('run', T0 - SECOND, T0 + 61 * SECOND, [
    { name: 'baseline', experiment: 'baseline', start: T0, end: T0 + 60 * SECOND, scenario: 'pass-through' },
  ]);
  for (let i = 0; i < options.queries; i++) {
    fixture.exchange(
      {
        t: T0 + SECOND + Math.floor((i * 58 * SECOND) / options.queries),
        name: options.names[i % options.names.length]!,
        type: 'A',
        sourcePort: options.port(i),
        txid: options.txid(i),
        ednsUdpSize: options.edns,
      },
      {
        latency: 1000,
        rcode: 'NOERROR',
        records: [{ name: options.names[i % options.names.length]!, type: 'A', ttl: 300, data: '127.0.10.201' }],
      },
    );
  }
  if (options.other) {
    fixture.exchange(
      {
        t: T0 + 30 * SECOND,
        name: options.names[0]!,
        type: 'A',
        sourcePort: 4096,
        txid: 7,
        ednsUdpSize: options.edns,
        server: { address: options.other, port: 53 },
      },
      null,
    );
  }
  const evidence = new Evidence(fixture.events());
  const report = {
    runId: `run-${options.edns}`,
    startedAt: new Date(T0 / 1000).toISOString(),
    dut: { id: FIXTURE_DUT, vendor: 'v', model: 'm', firmware: String(options.edns), addresses: [] },
    overall: {
      verdict: options.results.some((r) => r.verdict === 'FAIL') ? 'NOT_CONFORMANT' : 'CONFORMANT',
      decisionRule: '',
    },
    results: options.results,
    tableI: { ...tableIRow(options.results), rule: '' },
    resolver: { endpoints: [{ transport: 'udp', ...FIXTURE_SERVER }] },
  } as unknown as Report;
  return {
    run: {
      input: 'x',
      runId: report.runId,
      dut: { id: FIXTURE_DUT, vendor: 'v', model: 'm', firmware: String(options.edns) },
      overall: report.overall.verdict,
      startedAt: report.startedAt,
      verifiedFiles: 9,
      signer: null,
    },
    report,
    evidence,
    assignedResolvers: [FIXTURE_SERVER.address],
  };
}

/** A deterministic spread over the port range (a multiplicative walk), standing in for random ports. */
const spread = (i: number) => 1024 + ((i * 40503) % 64000);

describe('significance tests', () => {
  it('finds a fixed port against spread ports significant, and two equal spreads not', () => {
    const fixed = Array.from({ length: 60 }, () => 4096);
    const wide = Array.from({ length: 60 }, (_, i) => spread(i));
    expect(spreadTest(wide, fixed).significant).to.equal(true);
    expect(
      spreadTest(
        wide,
        wide.map((v) => v + 7),
      ).significant,
    ).to.equal(false);
  });
  it('claims nothing below the minimum sample', () => {
    expect(spreadTest([1, 2, 3], [4, 5, 6]).significant).to.equal(null);
    expect(proportionTest(1, 5, 4, 5).significant).to.equal(null);
  });
  it('tells a doubled query rate from noise', () => {
    expect(rateTest(60, 60, 240, 60).significant).to.equal(true);
    expect(rateTest(60, 60, 62, 60).significant).to.equal(false);
  });
});

describe('diffRuns', () => {
  const good = side({
    names: ['a.example', 'b.example'],
    queries: 60,
    port: spread,
    txid: (i) => spread(i * 3) % 65536,
    edns: 1232,
    results: [
      result('x/one', 'PASS', [], 'randomSourcePort'),
      result('x/two', 'PASS'),
      result('x/three', 'INCONCLUSIVE'),
    ],
  });

  it('lists nothing and finds no regression when a run is compared with itself', () => {
    const diff = validateDiff(diffRuns(good, good));
    expect(diff.verdictChanges).to.deep.equal([]);
    expect(diff.tableI).to.deep.equal([]);
    expect(diff.names).to.deep.equal({ added: [], removed: [], common: 2 });
    expect(diff.resolvers.added).to.deep.equal([]);
    expect(diff.regressions).to.deep.equal([]);
    expect(diff.metrics.every((m) => m.delta === 0 || m.delta === null)).to.equal(true);
    expect(renderDiffTerminal(diff)).to.match(/B does not regress$/);
  });

  it('names every changed verdict, the Table I change, new names and resolvers, and regresses', () => {
    const bad = side({
      names: ['a.example', 'c.example'],
      queries: 240,
      port: () => 4096,
      txid: (i) => i + 1,
      edns: 4096,
      other: '127.0.10.53',
      results: [
        result(
          'x/one',
          'FAIL',
          [{ kind: 'time-range', from: T0 + SECOND, to: T0 + 2 * SECOND, note: '' }],
          'randomSourcePort',
        ),
        result('x/two', 'PASS'),
        result('x/three', 'PASS'),
        result('x/four', 'INFO'),
      ],
    });
    const diff = validateDiff(diffRuns(good, bad));
    expect(diff.verdictChanges.map((c) => [c.check, c.a, c.b, c.kind])).to.deep.equal([
      ['x/one', 'PASS', 'FAIL', 'regressed'],
      ['x/three', 'INCONCLUSIVE', 'PASS', 'newly-assessed'],
      ['x/four', null, 'INFO', 'added'],
    ]);
    expect(diff.unchangedChecks).to.equal(1);
    expect(diff.tableI.map((t) => [t.column, t.a, t.b, t.regressed])).to.deep.equal([
      ['randomSourcePort', 'pass', 'fail', true],
    ]);
    expect(diff.names).to.deep.equal({ added: ['c.example'], removed: ['b.example'], common: 1 });
    expect(diff.resolvers.added).to.deep.equal(['127.0.10.53']);
    expect(diff.newlyFailedExperiments).to.deep.equal([{ experiment: 'baseline', checks: ['x/one'] }]);
    const byId = new Map(diff.metrics.map((m) => [m.id, m]));
    expect(byId.get('sourcePortStdev')!.b).to.equal(0);
    expect(byId.get('sourcePortStdev')!.significance.significant).to.equal(true);
    expect(byId.get('queryRatePerMinute')!.significance.significant).to.equal(true);
    expect(byId.get('ednsUdpSize')).to.include({ a: 1232, b: 4096, delta: 2864 });
    expect(diff.regressions).to.have.length(2);
    expect(renderDiffTerminal(diff)).to.match(/B REGRESSES/);
    expect(renderDiffHtml(diff, '2026-01-01T00:00:00Z')).to.include('x/one').and.include('B regresses (2)');
  });

  it('does not count a lost assessment or a fixed FAIL as a regression', () => {
    const changes = verdictChanges(
      [result('a', 'PASS'), result('b', 'FAIL')],
      [result('a', 'INCONCLUSIVE'), result('b', 'PASS')],
    ).changes;
    expect(changes.map((c) => c.kind)).to.deep.equal(['no-longer-assessed', 'improved']);
  });
});
