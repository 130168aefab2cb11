/* Generated from diff.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * This interface was referenced by `DnsconformFirmwareRegressionDiff`'s JSON-Schema
 * via the `definition` "overall".
 */
export type Overall = "CONFORMANT" | "NOT_CONFORMANT" | "INCOMPLETE";
/**
 * This interface was referenced by `DnsconformFirmwareRegressionDiff`'s JSON-Schema
 * via the `definition` "verdictOrNone".
 */
export type VerdictOrNone = "PASS" | "FAIL" | "INCONCLUSIVE" | "NOT_APPLICABLE" | "ERROR" | "INFO" | null;
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
export type ResolverUses = {
  address: string;
  assigned: boolean;
  queries: number;
}[];
/**
 * Resolvers B used without being assigned them that A did not use.
 */
export type Strings1 = string[];
/**
 * Why B regresses, one line each; empty when it does not (exit code 0).
 */
export type Strings2 = string[];

/**
 * diff.json as written by `dnsconform diff A B`: what changed between two verified runs of a device (verdicts, Table I row, metric deltas with their significance, names, resolvers, experiments newly failed), and why B regresses.
 */
export interface DnsconformFirmwareRegressionDiff {
  diffVersion: "1.0.0";
  a: Run;
  b: Run;
  /**
   * A and B have the same DUT id.
   */
  sameDevice: boolean;
  overall: {
    a: Overall;
    b: Overall;
    changed: boolean;
  };
  /**
   * Every check whose verdict differs.
   */
  verdictChanges: {
    check: string;
    title: string;
    a: VerdictOrNone;
    b: VerdictOrNone;
    kind: "regressed" | "improved" | "no-longer-assessed" | "newly-assessed" | "changed" | "added" | "removed";
    /**
     * B's observation (A's when B has no result).
     */
    observed: string;
  }[];
  unchangedChecks: number;
  /**
   * Table I columns whose cell differs.
   */
  tableI: {
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
  }[];
  metrics: {
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
     * b − a.
     */
    delta: number | null;
    nA: number;
    nB: number;
    significance: {
      test: string;
      statistic: number | null;
      pValue: number | null;
      /**
       * null when no significance could be claimed (see note).
       */
      significant: boolean | null;
      note: string | null;
    };
  }[];
  names: {
    added: Strings;
    removed: Strings;
    common: number;
  };
  resolvers: {
    a: ResolverUses;
    b: ResolverUses;
    added: Strings1;
    removed: Strings;
  };
  newlyFailedExperiments: {
    experiment: string;
    checks: Strings;
  }[];
  regressions: Strings2;
  rule: string;
}
/**
 * This interface was referenced by `DnsconformFirmwareRegressionDiff`'s JSON-Schema
 * via the `definition` "run".
 */
export interface Run {
  input: string;
  runId: string;
  dut: {
    id: string;
    vendor: string;
    model: string;
    firmware: string | null;
  };
  overall: Overall;
  startedAt: string;
  verifiedFiles: number;
  signer: string | null;
}
