/* Generated from diff.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * This interface was referenced by `DnsconformFirmwareRegressionDiff`'s JSON-Schema
 * via the `definition` "overall".
 */
export type OverallVerdict = "CONFORMANT" | "NOT_CONFORMANT" | "INCOMPLETE";
/**
 * Null when the run has no result for the check.
 *
 * This interface was referenced by `DnsconformFirmwareRegressionDiff`'s JSON-Schema
 * via the `definition` "verdictOrNone".
 */
export type VerdictOrNone = "PASS" | "FAIL" | "INCONCLUSIVE" | "NOT_APPLICABLE" | "ERROR" | "INFO" | null;
/**
 * How a check's verdict moved from A to B.
 *
 * This interface was referenced by `DnsconformFirmwareRegressionDiff`'s JSON-Schema
 * via the `definition` "verdictChangeKind".
 */
export type VerdictChangeKind =
  "regressed" | "improved" | "no-longer-assessed" | "newly-assessed" | "changed" | "added" | "removed";
/**
 * This interface was referenced by `DnsconformFirmwareRegressionDiff`'s JSON-Schema
 * via the `definition` "cell".
 */
export type Cell = "pass" | "fail" | "not-assessed";
/**
 * This interface was referenced by `DnsconformFirmwareRegressionDiff`'s JSON-Schema
 * via the `definition` "strings".
 */
export type Strings = string[];
/**
 * This interface was referenced by `DnsconformFirmwareRegressionDiff`'s JSON-Schema
 * via the `definition` "resolverUses".
 */
export type ResolverUses = ResolverUse[];

/**
 * diff.json as written by `dnsconform diff A B`: what changed between two verified runs of a device (verdicts, Table I row, metric deltas with their significance, names, resolvers, experiments newly failed), and why B regresses.
 */
export interface DnsconformFirmwareRegressionDiff {
  /**
   * The diff format version.
   */
  diffVersion: "1.0.0";
  a: DiffRun;
  b: DiffRun;
  /**
   * Whether A and B are the same device (DUT id); a diff of two devices is allowed, and says so.
   */
  sameDevice: boolean;
  /**
   * The overall verdicts of A and B, and whether it changed.
   */
  overall: {
    a: OverallVerdict;
    b: OverallVerdict;
    changed: boolean;
  };
  /**
   * Every check whose verdict differs, in check order.
   */
  verdictChanges: VerdictChange[];
  /**
   * Checks judged in both with the same verdict.
   */
  unchangedChecks: number;
  /**
   * Table I columns whose cell differs.
   */
  tableI: TableIChange[];
  metrics: MetricDelta[];
  names: {
    added: Strings;
    removed: Strings;
    common: number;
  };
  resolvers: {
    a: ResolverUses;
    b: ResolverUses;
    /**
     * Resolvers B used without being assigned them that A did not use.
     */
    added: Strings;
    removed: Strings;
  };
  newlyFailedExperiments: NewlyFailedExperiment[];
  /**
   * Why B regresses, one line each; empty when it does not (exit code 0, else 1).
   */
  regressions: Strings;
  /**
   * The rule `regressions` follows.
   */
  rule: string;
}
/**
 * One run as the diff read it.
 *
 * This interface was referenced by `DnsconformFirmwareRegressionDiff`'s JSON-Schema
 * via the `definition` "run".
 */
export interface DiffRun {
  /**
   * What was given on the command line (run directory or bundle).
   */
  input: string;
  runId: string;
  dut: {
    id: string;
    vendor: string;
    model: string;
    firmware: string | null;
  };
  overall: OverallVerdict;
  startedAt: string;
  /**
   * Files whose digests and signatures were verified before anything was read.
   */
  verifiedFiles: number;
  /**
   * SHA-256 of the public key the signatures were checked with.
   */
  signer: string | null;
}
/**
 * One check whose verdict differs.
 */
export interface VerdictChange {
  check: string;
  title: string;
  a: VerdictOrNone;
  b: VerdictOrNone;
  kind: VerdictChangeKind;
  /**
   * B's observation (A's when B has no result).
   */
  observed: string;
}
/**
 * One Table I column that differs.
 */
export interface TableIChange {
  column:
    | "secureDns"
    | "randomSourcePort"
    | "randomTxid"
    | "queryConsistency"
    | "modifiedRrResilience"
    | "forgedTtlResilience"
    | "dosResilience"
    | "dhcpResolverOnly"
    | "backoff";
  heading: string;
  a: Cell;
  b: Cell;
  regressed: boolean;
}
/**
 * One measured quantity in both runs, its change and whether the change exceeds the noise.
 */
export interface MetricDelta {
  id: "sourcePortStdev" | "txidStdev" | "queryRatePerMinute" | "prematureRequeryShare" | "ednsUdpSize";
  label: string;
  unit: string;
  /**
   * Which part of each run the metric was measured on.
   */
  scope: string;
  a: number | null;
  b: number | null;
  /**
   * b − a, null when either is.
   */
  delta: number | null;
  /**
   * Sample sizes the values rest on.
   */
  nA: number;
  nB: number;
  significance: TestOutcome;
}
/**
 * A test's outcome: statistic, two-sided p-value, and whether p < α (significance.ts ALPHA); nulls when it could not be computed.
 */
export interface TestOutcome {
  /**
   * What was computed, in words (test, approximation, α).
   */
  test: string;
  /**
   * z statistic, B against A.
   */
  statistic: number | null;
  pValue: number | null;
  /**
   * null when no significance could be claimed (see note).
   */
  significant: boolean | null;
  /**
   * Why no significance was claimed, when it was not.
   */
  note: string | null;
}
/**
 * A resolver the device sent DNS to (clear-text queries or encrypted contacts).
 */
export interface ResolverUse {
  address: string;
  /**
   * True when the harness (or the network, for an imported capture) assigned it.
   */
  assigned: boolean;
  queries: number;
}
/**
 * An experiment whose phase holds evidence of a FAIL in B and none in A.
 */
export interface NewlyFailedExperiment {
  experiment: string;
  checks: Strings;
}
