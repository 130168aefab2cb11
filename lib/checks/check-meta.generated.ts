/* Generated from check-meta.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * BCP 14 keyword of the requirement, or RECOMMENDATION for a paper recommendation.
 *
 * This interface was referenced by `DnsconformCheckMetadata`'s JSON-Schema
 * via the `definition` "keyword".
 */
export type Keyword = "MUST" | "SHOULD" | "MAY" | "RECOMMENDATION";
/**
 * A kind of evidence beyond the event log a check may require. capture: the run's packet capture.
 *
 * This interface was referenced by `DnsconformCheckMetadata`'s JSON-Schema
 * via the `definition` "requiredEvidence".
 */
export type RequiredEvidence = "capture";
/**
 * This interface was referenced by `DnsconformCheckMetadata`'s JSON-Schema
 * via the `definition` "text".
 */
export type Text = string;

/**
 * Typed metadata every check carries: the `meta` every suites/** /*.check.ts exports (CheckMeta in check-types.ts).
 */
export interface DnsconformCheckMetadata {
  /**
   * One line, what is checked.
   */
  title: string;
  /**
   * The requirement as its source states it (quoted or closely paraphrased, source named).
   */
  requirement: string;
  keyword: Keyword;
  /**
   * Severity after the paper's Table I (Critical / High / Medium), plus Low.
   */
  severity: "critical" | "high" | "medium" | "low";
  covers: ClauseCoverage;
  decisionRule: DecisionRule;
  /**
   * Experiments whose phases provide this check's evidence; the check sees only events of those phases. `'*'` marks a passive check that may use every phase.
   *
   * @minItems 1
   */
  experiments: string[];
  /**
   * Evidence beyond the event log that the verdict needs; without it the check is INCONCLUSIVE with the reason, never judged.
   */
  requires?: RequiredEvidence[];
  /**
   * True when the rule holds each answer the DUT got against what it did next, whatever the answer's cause: everyday traffic (an imported capture) can then decide it, and `analyze` judges it over the whole capture. Its experiments only make such answers happen on cue in a live run.
   */
  passive?: true;
  /**
   * The column of the paper's Table I (or Recommendation #2 dhcpResolverOnly, #6 backoff) this check's verdict feeds in the report's summary row; left out when it feeds none.
   */
  tableI?:
    | "secureDns"
    | "randomSourcePort"
    | "randomTxid"
    | "queryConsistency"
    | "modifiedRrResilience"
    | "forgedTtlResilience"
    | "dosResilience"
    | "dhcpResolverOnly"
    | "backoff";
}
/**
 * Which clauses of which catalogue a check covers: paper recommendation numbers, draft clause ids, EN 303 645 provisions.
 */
export interface ClauseCoverage {
  /**
   * Paper recommendation numbers.
   */
  paper: string[];
  /**
   * Provisional draft clause ids (reference/draft-clauses.md).
   */
  draft: string[];
  /**
   * EN 303 645 V2.1.1 provision numbers, e.g. 5.5-2 or 6-1.
   */
  etsi: string[];
}
/**
 * The decision rule, in words for the report and as numbers the verdict function reads.
 */
export interface DecisionRule {
  /**
   * The rule, stated so a reader can apply it by hand.
   */
  text: string;
  /**
   * Every threshold the rule uses. The verdict function reads them from here.
   */
  parameters: {
    [k: string]: number;
  };
}
