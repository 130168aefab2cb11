/* Generated from recommendations.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * This interface was referenced by `DnsconformCatalogueThePaperSRecommendations`'s JSON-Schema
 * via the `definition` "text".
 */
export type Text = string;

export interface DnsconformCatalogueThePaperSRecommendations {
  catalogue: "recommendations";
  /**
   * The paper, citable.
   */
  source: string;
  /**
   * @minItems 1
   */
  recommendations: {
    /**
     * The recommendation's number.
     */
    id: string;
    title: Text;
    /**
     * The recommendation as the paper words it.
     */
    text: string;
    /**
     * Where in the paper it stands.
     */
    section: string;
    /**
     * From the paper's Table I column.
     */
    severity: "critical" | "high" | "medium" | "low";
    /**
     * The summary-row column the recommendation's checks feed.
     */
    tableIColumn:
      | "secureDns"
      | "randomSourcePort"
      | "randomTxid"
      | "queryConsistency"
      | "modifiedRrResilience"
      | "forgedTtlResilience"
      | "dosResilience"
      | "dhcpResolverOnly"
      | "backoff";
  }[];
}
