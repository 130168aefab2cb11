/* Generated from en-303-645.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * This interface was referenced by `DnsconformCatalogueEN303645Provisions`'s JSON-Schema
 * via the `definition` "text".
 */
export type Text = string;

export interface DnsconformCatalogueEN303645Provisions {
  catalogue: "en-303-645";
  standard: Text;
  version: string;
  testSpecification: Text;
  /**
   * Printed in every report that cites a provision.
   */
  numberingNote: string;
  /**
   * The ICS pro forma's numbered conditions.
   */
  conditions: {
    [k: string]: Text;
  };
  /**
   * @minItems 1
   */
  provisions: {
    id: string;
    /**
     * ICS status: mandatory or recommended; conditional when conditions are given.
     */
    status: "M" | "R";
    /**
     * @minItems 1
     */
    conditions?: string[];
    text: Text;
    dnsRelevance: Text;
    /**
     * The TS 103 701 test cases of the provision's test group.
     *
     * @minItems 1
     */
    testCases: {
      id: string;
      kind: "conceptual" | "functional";
    }[];
    ixit: string[];
    notTestedReason?: Text;
    labAssessment?: boolean;
  }[];
}
