/**
 * The check contract. A check is one file `suites/<path>.check.ts` whose default export
 * is a {@link CheckDefinition}; its id is its path (`paper/rec-3/source-port-randomisation`).
 * A check reads evidence only: it never opens a socket, reads the clock or looks at live
 * state, so a verdict can be recomputed from a stored run.
 */
import type { FrameCitation } from '../capture/frame-citations.ts';
import type { Evidence } from '../evidence/evidence.ts';
import type {
  ClauseCoverage,
  DnsconformCheckMetadata,
  Keyword,
  DecisionRule as RuleOfSchema,
} from './check-meta.generated.ts';
import type { Profile } from '../profile/profile-types.ts';
import type { Severity, TableIColumn } from '../catalogue/table-i-columns.ts';

export { TABLE_I_COLUMNS } from '../catalogue/table-i-columns.ts';
export type { Severity, TableIColumn } from '../catalogue/table-i-columns.ts';

/** Graded verdicts. A check never turns missing evidence into PASS. */
export type Verdict =
  /** The requirement holds, by the stated decision rule. */
  | 'PASS'
  /** The requirement does not hold. */
  | 'FAIL'
  /** Not enough evidence to decide; the outcome says what was missing. */
  | 'INCONCLUSIVE'
  /** The conformance statement (ICS) justifies leaving it out. */
  | 'NOT_APPLICABLE'
  /** A harness fault, never the DUT's. */
  | 'ERROR'
  /** An observation that requires nothing. */
  | 'INFO';

export const VERDICTS: readonly Verdict[] = ['PASS', 'FAIL', 'INCONCLUSIVE', 'NOT_APPLICABLE', 'ERROR', 'INFO'];

/**
 * Why the evidence could not speak to a check at all (no phase of its experiment, an imported
 * capture, a resolver change that never happened), as opposed to one judged on too little
 * evidence. Such an outcome is INCONCLUSIVE with this set; NOT_APPLICABLE is never used for it:
 * only the ICS makes a check inapplicable.
 */
export interface NotAssessed {
  /** Why, in words; the outcome's `observed` says it after "Not assessed: ". */
  reason: string;
}

/**
 * An INCONCLUSIVE outcome for evidence that could not assess the check: `notAssessed` carries
 * the reason, and `observed` says it for readers, as reports have always printed it.
 */
export function notAssessedOutcome(
  reason: string,
  outcome: Omit<CheckOutcome, 'verdict' | 'observed' | 'notAssessed'>,
): CheckOutcome {
  const { expected, ...rest } = outcome;
  return { verdict: 'INCONCLUSIVE', expected, observed: `Not assessed: ${reason}`, ...rest, notAssessed: { reason } };
}

/** Whether an outcome is INCONCLUSIVE because the evidence could not assess the check at all. */
export function isNotAssessed(outcome: { notAssessed?: NotAssessed | undefined }): boolean {
  return outcome.notAssessed !== undefined;
}

export type { ClauseCoverage, Keyword, RequiredEvidence } from './check-meta.generated.ts';

/**
 * The decision rule (check-meta.schema.json), with the type of its parameters: a check's
 * verdict function reads its thresholds by name.
 */
export interface DecisionRule<P extends Record<string, number> = Record<string, number>> extends RuleOfSchema {
  /** Every threshold the rule uses. The verdict function reads them from here. */
  parameters: P;
}

/** Typed metadata every check carries: the type generated from `check-meta.schema.json`. */
export type CheckMeta = DnsconformCheckMetadata;

/** A pointer into the evidence a verdict rests on. */
export type EvidenceRef =
  /**
   * Events of `events.ndjson` by `seq`; `seqs` may be a sample, `count` says how many in all.
   * `capture`: where the listed events are in the run's pcapng, added by the report from the
   * capture (a check never sets it).
   */
  | { kind: 'events'; file: string; seqs: number[]; count: number; note: string; capture?: FrameCitation }
  /** A time range (µs since the epoch). */
  | { kind: 'time-range'; from: number; to: number; note: string };

/** A figure in an outcome: a number, a short text, or a small table of them. */
export type Figure = number | string | boolean | null | Figure[] | { [key: string]: Figure };

/** What a verdict function returns. */
export interface CheckOutcome {
  verdict: Verdict;
  /** What a conforming device does, in protocol terms. */
  expected: string;
  /** What this device did, with the numbers. */
  observed: string;
  /** The measurements the verdict was computed from, by name. */
  figures: Record<string, Figure>;
  evidence: EvidenceRef[];
  /** Set, with the verdict INCONCLUSIVE, when the evidence could not assess the check at all. */
  notAssessed?: NotAssessed;
  /**
   * True when more of the phase in progress cannot change the verdict, or can only with a
   * probability below the error rates the rule states: a forged address already contacted
   * is a FAIL whatever follows; a PASS is settled once the DUT showed what the rule waits
   * for (an SPRT decision, a TTL that ran out and was asked again, a forged name looked up
   * again with no canary contact). Lets a plan end a phase early (sequential decision);
   * absent means the check wants the whole window.
   */
  settled?: boolean;
  /**
   * For a rule that judges a sample (randomness of ports and IDs): how large the sample is and
   * how large it must be to decide. A run-wide check (`experiments: ['*']`) short of its
   * sample and not settled keeps the last phase of an early-stopping run open (up to its
   * window), so the run gives it what the whole windows would have.
   */
  samples?: SampleSize;
}

/** The size of a rule's sample: what it has and what it needs to decide. */
export interface SampleSize {
  observed: number;
  needed: number;
}

/** What a verdict function gets besides the evidence. */
export interface CheckContext {
  /** The DUT being judged (evidence may hold other DUTs' events). */
  dutId: string;
  profile: Profile;
  /** The name of the evidence file the refs point into. */
  eventsFile: string;
}

/** A check as a file exports it. */
export interface CheckDefinition {
  meta: CheckMeta;
  judge(evidence: Evidence, context: CheckContext): CheckOutcome;
}

/** A discovered check: its definition plus the identity its path gives it. */
export interface LoadedCheck extends CheckDefinition {
  /** Path under `suites/` without `.check.ts`. */
  id: string;
  /** Absolute path of the check file. */
  file: string;
}

/** One check's result as the report records it. */
export interface CheckResult extends CheckOutcome {
  check: string;
  title: string;
  keyword: Keyword;
  severity: Severity;
  covers: ClauseCoverage;
  requirement: string;
  decisionRule: DecisionRule;
  /** The Table I column the verdict feeds (from the check's metadata). */
  tableI?: TableIColumn;
  /** Set when the verdict is ERROR: the harness fault. */
  error?: string;
}

/**
 * Declares a check. Identity comes from the file path, so there is nothing to register.
 *
 * @example
 * export default defineCheck({
 *   meta: { title: 'Transaction IDs are random', ... },
 *   judge(evidence, { dutId }) { ... return { verdict: 'PASS', ... } },
 * });
 */
export function defineCheck(definition: CheckDefinition): CheckDefinition {
  return definition;
}
