/**
 * Firmware-to-firmware regression (`dnsconform diff A B`): what changed between two
 * verified runs of a device. Verdicts and the Table I row come from the two signed reports;
 * metrics, names and resolvers are measured again from each run's `events.ndjson`, so every
 * number of the diff comes from signed evidence. Nothing here reads the clock or opens a socket.
 */
import { TABLE_I_COLUMNS } from '../checks/check-types.ts';
import type { CheckResult, Verdict } from '../checks/check-types.ts';
import { ttlCompliance } from '../analysis/ttl-compliance.ts';
import type { Evidence } from '../evidence/evidence.ts';
import type { QueryEvent } from '../evidence/events.ts';
import { TABLE_I_HEADINGS } from '../report/table-i.ts';
import type { Report } from '../report/report-types.ts';
import { proportionTest, rateTest, spreadTest } from './significance.ts';
import { normaliseName } from '../dns/names.ts';
import type {
  DiffRun,
  DnsconformFirmwareRegressionDiff,
  MetricDelta,
  ResolverUse,
  TableIChange,
  VerdictChange,
  VerdictChangeKind,
} from './diff.generated.ts';

/** The diff format version this code writes (diff.schema.json). */
export const DIFF_SCHEMA_VERSION = '1.0.0';

export type {
  DiffRun,
  MetricDelta,
  NewlyFailedExperiment,
  ResolverUse,
  TableIChange,
  VerdictChange,
  VerdictChangeKind,
} from './diff.generated.ts';

/** The diff of two runs (diff.json): the type generated from lib/diff/diff.schema.json. */
export type RunDiff = DnsconformFirmwareRegressionDiff;

/** One run's inputs: its verified report and evidence, and the addresses it assigned the DUT as resolver. */
export interface DiffSide {
  run: DiffRun;
  report: Report;
  evidence: Evidence;
  assignedResolvers: readonly string[];
}

/** The regression rule, printed with every diff. */
export const REGRESSION_RULE =
  'B regresses when a check that did not FAIL in A FAILs in B (a Table I column that turns to fail follows from one), ' +
  'or when B sends DNS to a resolver it was not assigned that A did not use. Metric deltas, names and verdicts that merely lose or gain an assessment are reported, not counted.';

const GOOD: ReadonlySet<Verdict> = new Set(['PASS', 'INFO', 'NOT_APPLICABLE']);

function changeKind(a: Verdict | null, b: Verdict | null): VerdictChangeKind {
  if (a === null) return 'added';
  if (b === null) return 'removed';
  if (b === 'FAIL') return 'regressed';
  if (a === 'FAIL') return 'improved';
  if (GOOD.has(a) && b === 'INCONCLUSIVE') return 'no-longer-assessed';
  if (a === 'INCONCLUSIVE' && GOOD.has(b)) return 'newly-assessed';
  return 'changed';
}

/** Every check whose verdict differs, A's order first, then checks only B has. */
export function verdictChanges(
  a: readonly CheckResult[],
  b: readonly CheckResult[],
): { changes: VerdictChange[]; unchanged: number } {
  const inB = new Map(b.map((r) => [r.check, r]));
  const inA = new Map(a.map((r) => [r.check, r]));
  const order = [...a.map((r) => r.check), ...b.map((r) => r.check).filter((c) => !inA.has(c))];
  const changes: VerdictChange[] = [];
  let unchanged = 0;
  for (const check of order) {
    const ra = inA.get(check);
    const rb = inB.get(check);
    const va = ra?.verdict ?? null;
    const vb = rb?.verdict ?? null;
    if (va === vb) {
      unchanged++;
      continue;
    }
    changes.push({
      check,
      title: (rb ?? ra)!.title,
      a: va,
      b: vb,
      kind: changeKind(va, vb),
      observed: (rb ?? ra)!.observed,
    });
  }
  return { changes, unchanged };
}

/** Table I columns whose cell differs. */
export function tableIChanges(a: Report['tableI'], b: Report['tableI']): TableIChange[] {
  return TABLE_I_COLUMNS.filter((column) => a[column] !== b[column]).map((column) => ({
    column,
    heading: TABLE_I_HEADINGS[column],
    a: a[column],
    b: b[column],
    regressed: b[column] === 'fail',
  }));
}

function dutQueries(side: DiffSide): QueryEvent[] {
  return side.evidence.queries(side.report.dut.id);
}

/** The names the DUT asked for, sorted. */
export function namesAsked(evidence: Evidence, dutId: string): string[] {
  const names = new Set<string>();
  for (const query of evidence.queries(dutId)) for (const q of query.questions) names.add(normaliseName(q.name));
  return [...names].sort();
}

/** The resolvers the DUT sent DNS to, with whether each was assigned, by address. */
export function resolversUsed(evidence: Evidence, dutId: string, assigned: readonly string[]): ResolverUse[] {
  const counts = new Map<string, number>();
  for (const query of evidence.queries(dutId))
    counts.set(query.server.address, (counts.get(query.server.address) ?? 0) + 1);
  for (const contact of evidence.ofType('dns.encrypted-contact')) {
    if (contact.dut !== dutId) continue;
    counts.set(contact.server.address, (counts.get(contact.server.address) ?? 0) + contact.contacts);
  }
  const given = new Set(assigned);
  return [...counts.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([address, queries]) => ({ address, assigned: given.has(address), queries }));
}

/** The phase names of one experiment in a run's evidence. */
function phasesOfExperiment(evidence: Evidence, experiment: string): Set<string> {
  return new Set(
    evidence
      .ofType('phase.start')
      .filter((e) => (e.experiment ?? e.name) === experiment)
      .map((e) => e.name),
  );
}

/** The experiment each phase ran, by phase name. */
function experimentOfPhase(evidence: Evidence): Map<string, string> {
  return new Map(evidence.ofType('phase.start').map((e) => [e.name, e.experiment ?? e.name]));
}

/** The experiments whose phases hold events a FAIL of the run cites, with the checks citing them. */
export function failedExperiments(report: Report, evidence: Evidence): Map<string, Set<string>> {
  const phaseOf = new Map<number, string | null>();
  for (const event of evidence.events) phaseOf.set(event.seq, event.phase);
  const experimentOf = experimentOfPhase(evidence);
  const failed = new Map<string, Set<string>>();
  for (const result of report.results) {
    if (result.verdict !== 'FAIL') continue;
    for (const ref of result.evidence) {
      const phases =
        ref.kind === 'events'
          ? ref.seqs.map((seq) => phaseOf.get(seq) ?? null)
          : evidence
              .phases()
              .filter((p) => p.start < ref.to && p.end > ref.from)
              .map((p) => p.name);
      for (const phase of phases) {
        if (phase === null) continue;
        const experiment = experimentOf.get(phase) ?? phase;
        if (!failed.has(experiment)) failed.set(experiment, new Set());
        failed.get(experiment)!.add(result.check);
      }
    }
  }
  return failed;
}

/** Seconds of a run's phases of one experiment, or of the whole evidence when it has none. */
function scopeOf(evidence: Evidence, experiment: string): { phases: Set<string> | null; seconds: number } {
  const phases = phasesOfExperiment(evidence, experiment);
  if (phases.size === 0) {
    const span = evidence.span();
    return { phases: null, seconds: (span.end - span.start) / 1e6 };
  }
  const seconds = evidence
    .phases()
    .filter((p) => phases.has(p.name))
    .reduce((sum, p) => sum + (p.end - p.start) / 1e6, 0);
  return { phases, seconds };
}

function delta(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : b - a;
}

/** Population σ, null for an empty sample. */
function stdev(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const m = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length);
}

/** The most frequent value (smallest on a tie), null for none. */
function mode(values: readonly number[]): number | null {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: number | null = null;
  for (const [v, n] of counts)
    if (best === null || n > counts.get(best)! || (n === counts.get(best)! && v < best)) best = v;
  return best;
}

/** The TTL rule of caching/ttl-honoured, which the re-query metric repeats so both say the same. */
const TTL_RULE = { graceSeconds: 1, graceFraction: 0.1, minTtlSeconds: 2, followSeconds: 60 };

/** The metric deltas: σ of ports and IDs, query rate and re-query against TTL in the baseline, the EDNS size advertised. */
export function metricDeltas(a: DiffSide, b: DiffSide): MetricDelta[] {
  const udp = (side: DiffSide) => dutQueries(side).filter((q) => q.transport === 'udp');
  const portsA = udp(a).map((q) => q.client.port);
  const portsB = udp(b).map((q) => q.client.port);
  const idsA = udp(a).map((q) => q.txid);
  const idsB = udp(b).map((q) => q.txid);
  const whole = 'every UDP query of the run (as the randomness checks)';

  const baseline = (side: DiffSide) => {
    const scope = scopeOf(side.evidence, 'baseline');
    const queries = dutQueries(side).filter(
      (q) => scope.phases === null || (q.phase !== null && scope.phases.has(q.phase)),
    );
    return { queries: queries.length, seconds: scope.seconds, scoped: scope.phases !== null };
  };
  const baseA = baseline(a);
  const baseB = baseline(b);
  const rate = (base: { queries: number; seconds: number }) =>
    base.seconds > 0 ? (base.queries / base.seconds) * 60 : null;
  const baselineScope =
    baseA.scoped && baseB.scoped
      ? 'the baseline phases'
      : 'the baseline phases, or the whole evidence of a run without one';

  const ttl = (side: DiffSide) => {
    const scoped =
      phasesOfExperiment(side.evidence, 'baseline').size > 0
        ? side.evidence.forExperiments(['baseline'])
        : side.evidence;
    return ttlCompliance(scoped, side.report.dut.id, TTL_RULE).totals;
  };
  const ttlA = ttl(a);
  const ttlB = ttl(b);
  const share = (t: { judged: number; premature: number }) => (t.judged === 0 ? null : t.premature / t.judged);

  const ednsSizes = (side: DiffSide) =>
    dutQueries(side).flatMap((q) => (q.transport === 'udp' && q.edns ? [q.edns.udpSize] : []));
  const ednsA = ednsSizes(a);
  const ednsB = ednsSizes(b);
  const ednsModeA = mode(ednsA);
  const ednsModeB = mode(ednsB);
  const ednsTest = 'a configured constant, not a sample: any change of the most advertised size is a change';

  return [
    {
      id: 'sourcePortStdev',
      label: 'σ of UDP source ports',
      unit: '',
      scope: whole,
      a: stdev(portsA),
      b: stdev(portsB),
      delta: delta(stdev(portsA), stdev(portsB)),
      nA: portsA.length,
      nB: portsB.length,
      significance: spreadTest(portsA, portsB),
    },
    {
      id: 'txidStdev',
      label: 'σ of transaction IDs',
      unit: '',
      scope: whole,
      a: stdev(idsA),
      b: stdev(idsB),
      delta: delta(stdev(idsA), stdev(idsB)),
      nA: idsA.length,
      nB: idsB.length,
      significance: spreadTest(idsA, idsB),
    },
    {
      id: 'queryRatePerMinute',
      label: 'query rate',
      unit: 'queries/min',
      scope: baselineScope,
      a: rate(baseA),
      b: rate(baseB),
      delta: delta(rate(baseA), rate(baseB)),
      nA: baseA.queries,
      nB: baseB.queries,
      significance: rateTest(baseA.queries, baseA.seconds, baseB.queries, baseB.seconds),
    },
    {
      id: 'prematureRequeryShare',
      label: 're-queries before the TTL ran out',
      unit: 'share of judged answers',
      scope: `${baselineScope}; the TTL rule of caching/ttl-honoured`,
      a: share(ttlA),
      b: share(ttlB),
      delta: delta(share(ttlA), share(ttlB)),
      nA: ttlA.judged,
      nB: ttlB.judged,
      significance: proportionTest(ttlA.premature, ttlA.judged, ttlB.premature, ttlB.judged),
    },
    {
      id: 'ednsUdpSize',
      label: 'EDNS(0) UDP size advertised (most frequent)',
      unit: 'octets',
      scope: whole,
      a: ednsModeA,
      b: ednsModeB,
      delta: delta(ednsModeA, ednsModeB),
      nA: ednsA.length,
      nB: ednsB.length,
      significance:
        ednsModeA === null || ednsModeB === null
          ? {
              test: ednsTest,
              statistic: null,
              pValue: null,
              significant: ednsModeA !== ednsModeB,
              note: ednsModeA === ednsModeB ? 'no EDNS(0) in either run' : 'EDNS(0) in one run only',
            }
          : { test: ednsTest, statistic: null, pValue: null, significant: ednsModeA !== ednsModeB, note: null },
    },
  ];
}

/** Compares two verified runs. */
export function diffRuns(a: DiffSide, b: DiffSide): RunDiff {
  const { changes, unchanged } = verdictChanges(a.report.results, b.report.results);
  const tableI = tableIChanges(a.report.tableI, b.report.tableI);
  const namesA = namesAsked(a.evidence, a.report.dut.id);
  const namesB = namesAsked(b.evidence, b.report.dut.id);
  const setA = new Set(namesA);
  const setB = new Set(namesB);
  const resolversA = resolversUsed(a.evidence, a.report.dut.id, a.assignedResolvers);
  const resolversB = resolversUsed(b.evidence, b.report.dut.id, b.assignedResolvers);
  const others = (list: ResolverUse[]) => new Set(list.filter((r) => !r.assigned).map((r) => r.address));
  const otherA = others(resolversA);
  const otherB = others(resolversB);
  const failedA = failedExperiments(a.report, a.evidence);
  const failedB = failedExperiments(b.report, b.evidence);
  const newlyFailed = [...failedB.entries()]
    .filter(([experiment]) => !failedA.has(experiment))
    .map(([experiment, checks]) => ({ experiment, checks: [...checks].sort() }))
    .sort((x, y) => (x.experiment < y.experiment ? -1 : 1));
  const addedResolvers = [...otherB].filter((r) => !otherA.has(r)).sort();

  const regressions = [
    ...changes.filter((c) => c.kind === 'regressed').map((c) => `${c.check}: ${c.a ?? 'no result'} in A, FAIL in B`),
    ...addedResolvers.map((r) => `sends DNS to ${r}, a resolver it was not assigned and A did not use`),
  ];
  return {
    diffVersion: DIFF_SCHEMA_VERSION,
    a: a.run,
    b: b.run,
    sameDevice: a.report.dut.id === b.report.dut.id,
    overall: {
      a: a.report.overall.verdict,
      b: b.report.overall.verdict,
      changed: a.report.overall.verdict !== b.report.overall.verdict,
    },
    verdictChanges: changes,
    unchangedChecks: unchanged,
    tableI,
    metrics: metricDeltas(a, b),
    names: {
      added: namesB.filter((n) => !setA.has(n)),
      removed: namesA.filter((n) => !setB.has(n)),
      common: namesA.filter((n) => setB.has(n)).length,
    },
    resolvers: {
      a: resolversA,
      b: resolversB,
      added: addedResolvers,
      removed: [...otherA].filter((r) => !otherB.has(r)).sort(),
    },
    newlyFailedExperiments: newlyFailed,
    regressions,
    rule: REGRESSION_RULE,
  };
}
