/* Generated from check-meta.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * This interface was referenced by `DnsconformCheckMetadata`'s JSON-Schema
 * via the `definition` "text".
 */
export type Text = string;

/**
 * The `meta` every suites/** /*.check.ts exports (CheckMeta in check-types.ts).
 */
export interface DnsconformCheckMetadata {
  /**
   * One line, what is checked.
   */
  title: string;
  /**
   * The requirement as its source states it, source named.
   */
  requirement: string;
  keyword: "MUST" | "SHOULD" | "MAY" | "RECOMMENDATION";
  severity: "critical" | "high" | "medium" | "low";
  covers: {
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
  };
  decisionRule: {
    /**
     * The rule, so a reader can apply it by hand.
     */
    text: string;
    /**
     * Every threshold the rule uses; the verdict function reads them from here.
     */
    parameters: {
      [k: string]: number;
    };
  };
  /**
   * Experiments whose phases provide the evidence; "*" for passive checks that may use every phase.
   *
   * @minItems 1
   */
  experiments: string[];
  /**
   * Evidence beyond the event log the verdict needs (capture: the run's packet capture); without it the check is INCONCLUSIVE.
   */
  requires?: "capture"[];
  /**
   * The rule holds each answer against what the DUT did next, whatever caused the answer: an imported capture of everyday traffic can decide it (analyze judges it over the whole capture).
   */
  passive?: true;
  /**
   * The column of the paper's Table I (or Recommendation #2 dhcpResolverOnly, #6 backoff) the verdict feeds in the report's summary row.
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
