/**
 * The decision rule shared by the randomisation checks (paper Recommendations #3 and #4):
 * one sample of a 16-bit field of the DUT's UDP queries, judged on spread (σ), a favourite
 * value, too few distinct values for the sample size, and counters. The rule's text is
 * written from its parameters, and the verdict reads the same parameters.
 *
 * A field drawn once per socket (the source port) is sampled once per lookup: a stub that
 * sends A and AAAA from one socket (glibc, musl) draws one port for both (lookup-draws.ts).
 */
import { randomnessStats, SEQUENTIAL_MAX_STEP } from '../../lib/analysis/randomness.ts';
import type { RandomnessStats } from '../../lib/analysis/randomness.ts';
import { lookupStarts } from '../../lib/analysis/lookup-draws.ts';
import {
  samplesForFailBelow,
  UNIFORM_FAIL_METHOD,
  uniformFailProbability,
} from '../../lib/analysis/randomness-uncertainty.ts';
import type { DrawQuery } from '../../lib/analysis/lookup-draws.ts';
import { defineCheck } from '../../lib/checks/check-types.ts';
import type {
  CheckContext,
  CheckDefinition,
  CheckMeta,
  CheckOutcome,
  DecisionRule,
  EvidenceRef,
  TableIColumn,
} from '../../lib/checks/check-types.ts';
import type { Evidence } from '../../lib/evidence/evidence.ts';
import type { QueryEvent } from '../../lib/evidence/events.ts';
import { percent, sampledRef, SeqSample } from '../evidence-ref.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';

/** The thresholds of the rule, by the names the metadata carries. */
export type RandomnessParameters = {
  minSamples: number;
  minStdev: number;
  maxTopShare: number;
  minDistinctFraction: number;
  uniformSpace: number;
  maxSequentialShare: number;
  /** A field drawn per lookup: how long after a lookup's first query its other types may come. */
  lookupWindowSeconds?: number;
};

/** The query field a check judges, and how to speak of it. */
export interface RandomisedField {
  /** Plural noun for prose: `source ports`. */
  plural: string;
  /** One value for prose: `port 4096`. */
  describe(value: number): string;
  /** Reads the field from a query. */
  valueOf(query: QueryEvent): number;
  /** Why `uniformSpace` has the size it has, for the rule text. */
  spaceRationale: string;
  /**
   * `query`: every query draws a value (TXIDs: RFC 5452 §9.1 asks one per query).
   * `lookup`: one value per lookup (source ports: one socket per lookup, whose A and AAAA
   * queries share its port), grouped by {@link lookupStarts}.
   */
  drawnPer: 'query' | 'lookup';
}

/** What the rule's sample is made of, in words. */
function sampleUnit(field: RandomisedField): { one: string; many: string } {
  return field.drawnPer === 'lookup' ? { one: 'lookup', many: 'lookups' } : { one: 'UDP query', many: 'UDP queries' };
}

/** The rule in words, from its parameters. */
export function randomnessDecisionRule(
  field: RandomisedField,
  parameters: RandomnessParameters,
): DecisionRule<RandomnessParameters> {
  return decisionRule(parameters, (p) => randomnessRuleText(field, p));
}

function randomnessRuleText(field: RandomisedField, p: RandomnessParameters): string {
  const unit = sampleUnit(field);
  const sample =
    field.drawnPer === 'lookup'
      ? `Sample: the ${field.plural} of the DUT's UDP queries, one per lookup, in arrival order: a query continues a lookup when it comes from the same source port, asks the same name (case-insensitively) with a type that lookup has not asked yet, within ${p.lookupWindowSeconds} s of the lookup's first query (a stub sending A and AAAA from one socket, as glibc and musl do, draws one port for both); a repeated type (a retry) or a later query is a new lookup, so a fixed or narrow pool repeats across lookups. INCONCLUSIVE when there are fewer than ${p.minSamples} lookups. `
      : `Sample: the ${field.plural} of the DUT's UDP queries, in arrival order. INCONCLUSIVE when there are fewer than ${p.minSamples} queries. `;
  return (
    sample +
    `PASS when all hold: (1) population standard deviation σ ≥ ${p.minStdev} (DNS-OARC "GREAT"); ` +
    `(2) the most used value carries at most ${percent(p.maxTopShare)} of the ${unit.many}; ` +
    `(3) the number of distinct values is at least ${p.minDistinctFraction} × the number expected of as many uniform draws over ${p.uniformSpace} values (${field.spaceRationale}); ` +
    `(4) at most ${percent(p.maxSequentialShare)} of consecutive ${unit.many} differ by 1 to ${SEQUENTIAL_MAX_STEP} (modulo 65536, either direction: sequential allocation). ` +
    'Otherwise FAIL.'
  );
}

/** Below this chance a uniformly random DUT's FAIL is taken as negligible: the sample size for it is reported. */
const NEGLIGIBLE_FAIL = 1e-6;

/**
 * The figures a randomisation outcome reports: the statistics of the sample, the UDP queries
 * it was drawn from, and, once the sample is large enough to judge, the rule's uncertainty:
 * how likely a DUT drawing uniformly would FAIL it at this size, and the size at which that
 * falls below one in a million (lib/analysis/randomness-uncertainty.ts says how each is computed).
 */
function figuresOf(stats: RandomnessStats, queries: number, p?: RandomnessParameters): CheckOutcome['figures'] {
  if (p === undefined) return { ...stats, queries };
  const chance = uniformFailProbability(stats.n, p);
  return {
    ...stats,
    queries,
    uniformDut: {
      samples: stats.n,
      failProbability: Number(chance.total.toPrecision(3)),
      samplesForFailBelowOneInAMillion: samplesForFailBelow(NEGLIGIBLE_FAIL, p, p.minSamples),
      method: UNIFORM_FAIL_METHOD,
    },
  };
}

/** Each criterion of the rule the statistics miss, in words with the figures. */
function failedCriteria(field: RandomisedField, stats: RandomnessStats, p: RandomnessParameters): string[] {
  const failures: string[] = [];
  if (stats.stdev < p.minStdev) failures.push(`σ = ${stats.stdev.toFixed(1)} (${stats.class}) is below ${p.minStdev}`);
  if (stats.topShare > p.maxTopShare && stats.top !== null) {
    failures.push(
      `${field.describe(stats.top)} carries ${percent(stats.topShare)} of the ${sampleUnit(field).many} (${stats.topCount} of ${stats.n}), above ${percent(p.maxTopShare)}`,
    );
  }
  const neededDistinct = p.minDistinctFraction * stats.expectedDistinct;
  if (stats.distinct < neededDistinct) {
    failures.push(
      `${stats.distinct} distinct ${field.plural}, fewer than ${neededDistinct.toFixed(1)} (${p.minDistinctFraction} × ${stats.expectedDistinct.toFixed(1)} expected of uniform draws over ${p.uniformSpace} values)`,
    );
  }
  if (stats.sequentialShare > p.maxSequentialShare) {
    failures.push(
      `${percent(stats.sequentialShare)} of consecutive ${sampleUnit(field).many} are 1–${SEQUENTIAL_MAX_STEP} apart (sequential allocation), above ${percent(p.maxSequentialShare)}`,
    );
  }
  return failures;
}

/** One sentence of what the sample looks like. */
function summary(field: RandomisedField, stats: RandomnessStats, queries: number): string {
  const sample =
    field.drawnPer === 'lookup' ? `${queries} UDP queries in ${stats.n} lookups` : `${stats.n} UDP queries`;
  const head = `${sample}, σ = ${stats.stdev.toFixed(1)} (${stats.class}, ${stats.bits.toFixed(1)} bits)`;
  if (stats.top === null) return head;
  if (stats.distinct === 1) return `${head}, all from ${field.describe(stats.top)} (top share 100%)`;
  return (
    `${head}, ${stats.distinct} distinct ${field.plural} between ${stats.min} and ${stats.max}, ` +
    `most used ${field.describe(stats.top)} (top share ${percent(stats.topShare)}), sequential share ${percent(stats.sequentialShare)}`
  );
}

/** Judges one randomised field of the DUT's UDP queries by the rule's parameters. */
export function judgeRandomness(
  field: RandomisedField,
  rule: DecisionRule<RandomnessParameters>,
  evidence: Evidence,
  context: CheckContext,
): CheckOutcome {
  const p = ruleParameters(rule);
  if (field.drawnPer === 'lookup' && p.lookupWindowSeconds === undefined)
    throw new Error('decision rule parameter lookupWindowSeconds is missing or not a finite number');
  // One visit of the queries, keeping only what the sample needs and a sample of seqs: a capture can hold millions.
  const values: number[] = [];
  const draws: DrawQuery[] = [];
  const measuredSeqs = new SeqSample();
  evidence.eachQuery(context.dutId, (q) => {
    if (q.transport !== 'udp') return;
    values.push(field.valueOf(q));
    if (field.drawnPer === 'lookup')
      draws.push({ t: q.t, port: q.client.port, name: q.questions[0]?.name ?? '', type: q.questions[0]?.type ?? '' });
    measuredSeqs.add(q.seq);
  });
  const queries = values.length;
  const sample =
    field.drawnPer === 'lookup'
      ? lookupStarts(draws, p.lookupWindowSeconds! * 1_000_000).map((i) => values[i]!)
      : values;
  const stats = randomnessStats(sample, { space: p.uniformSpace });
  const unit = sampleUnit(field);
  const expected =
    `Each ${unit.one} carries unpredictable ${field.plural}: σ ≥ ${p.minStdev}, no value on more than ${percent(p.maxTopShare)} of ${unit.many}, ` +
    `at least ${p.minDistinctFraction} × the distinct values of uniform draws over ${p.uniformSpace}, at most ${percent(p.maxSequentialShare)} sequential steps.`;
  const samples = { observed: stats.n, needed: p.minSamples };
  const measured: EvidenceRef = sampledRef(
    context.eventsFile,
    measuredSeqs,
    `UDP queries of ${context.dutId} whose ${field.plural} were measured`,
  );

  if (stats.n < p.minSamples) {
    return {
      verdict: 'INCONCLUSIVE',
      expected,
      observed: `Only ${stats.n} ${unit.many} from ${context.dutId}${field.drawnPer === 'lookup' ? ` (${queries} UDP queries)` : ''}; the rule needs at least ${p.minSamples} to judge ${field.plural}.`,
      figures: figuresOf(stats, queries),
      evidence: [measured],
      samples,
    };
  }
  const failures = failedCriteria(field, stats, p);
  if (failures.length === 0) {
    return {
      verdict: 'PASS',
      expected,
      observed: `${summary(field, stats, queries)}.`,
      figures: figuresOf(stats, queries, p),
      evidence: [measured],
      samples,
    };
  }
  const evidenceRefs = [measured];
  if (stats.topShare > p.maxTopShare && stats.top !== null) {
    const top = stats.top;
    const withTop = new SeqSample();
    evidence.eachQuery(context.dutId, (q) => {
      if (q.transport === 'udp' && field.valueOf(q) === top) withTop.add(q.seq);
    });
    evidenceRefs.push(sampledRef(context.eventsFile, withTop, `queries with ${field.describe(top)}`));
  }
  return {
    verdict: 'FAIL',
    expected,
    observed: `${summary(field, stats, queries)}. Not met: ${failures.join('; ')}.`,
    figures: figuresOf(stats, queries, p),
    evidence: evidenceRefs,
    samples,
  };
}

/** What distinguishes one randomisation check from another. */
export interface RandomnessCheckSpec {
  field: RandomisedField;
  title: string;
  /** The paper's recommendation by number; its words come from the catalogue. */
  recommendation: string;
  /** What the RFC asks, in a sentence naming it. */
  rfcRequirement: string;
  draftClause: string;
  /** How many values a conforming generator draws from. */
  uniformSpace: number;
  /** For a field drawn per lookup: how long after a lookup's first query its other types may come (seconds). */
  lookupWindowSeconds?: number;
  /** The paper's Table I column the verdict feeds. */
  tableI: TableIColumn;
}

/** Thresholds both randomisation checks share (all but the size of the space). */
const SHARED_THRESHOLDS = {
  minSamples: 50,
  minStdev: 3980,
  maxTopShare: 0.05,
  minDistinctFraction: 0.9,
  maxSequentialShare: 0.1,
};

/**
 * A randomisation check: severity High after the paper's Table I, EN 303 645 provision
 * 5.5-2 (network functions use reviewed implementations: the stub resolver is one).
 */
export function defineRandomnessCheck(spec: RandomnessCheckSpec): CheckDefinition {
  const rule = randomnessDecisionRule(spec.field, {
    ...SHARED_THRESHOLDS,
    uniformSpace: spec.uniformSpace,
    ...(spec.lookupWindowSeconds === undefined ? {} : { lookupWindowSeconds: spec.lookupWindowSeconds }),
  });
  const meta: CheckMeta = {
    title: spec.title,
    requirement: requirementText(
      recommendation(spec.recommendation),
      spec.rfcRequirement,
      draftClause(spec.draftClause),
    ),
    keyword: 'RECOMMENDATION',
    severity: 'high',
    covers: { paper: [spec.recommendation], draft: [spec.draftClause], etsi: ['5.5-2'] },
    decisionRule: rule,
    // Ports and IDs are the device's own choice whatever the resolver does: every phase is a sample.
    experiments: ['*'],
    tableI: spec.tableI,
  };
  return defineCheck({
    meta,
    judge: (evidence, context) => judgeRandomness(spec.field, rule, evidence, context),
  });
}
