/* Generated from draft-clauses.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * This interface was referenced by `DnsconformCatalogueTheIETFDraftSClauses`'s JSON-Schema
 * via the `definition` "revision".
 */
export type Revision = string;
/**
 * This interface was referenced by `DnsconformCatalogueTheIETFDraftSClauses`'s JSON-Schema
 * via the `definition` "text".
 */
export type Text = string;

export interface DnsconformCatalogueTheIETFDraftSClauses {
  catalogue: "draft-clauses";
  document: string;
  targetRevision: Revision;
  revisionAliases: Revision[];
  basisCodes: {
    [k: string]: Text;
  };
  testabilityCodes: {
    A: Text;
    P: Text;
    D: Text;
    N: Text;
  };
  /**
   * @minItems 1
   */
  clauses: {
    id: string;
    actor: "device" | "management-zone" | "operator";
    /**
     * Our paraphrase until the draft's text is read.
     */
    requirement: string;
    /**
     * The draft's BCP 14 keyword once verified; until then the harness default.
     */
    keyword: "MUST" | "SHOULD" | "MAY";
    /**
     * Why the clause is thought to be in the draft (basisCodes).
     *
     * @minItems 1
     */
    basis: string[];
    /**
     * The draft may not have this clause at all.
     */
    maybeAbsent?: boolean;
    /**
     * @minItems 1
     */
    testability: ("A" | "P" | "D" | "N")[];
    recommendations: string[];
    /**
     * True once checked against the draft's text.
     */
    verified: boolean;
    /**
     * The draft section, null until verified.
     */
    section: string | null;
    /**
     * The revision the clause was written (or verified) against.
     */
    revision: string;
    /**
     * Why no check covers it.
     */
    notTestedReason?: string;
    /**
     * The lab can judge it from the supplier's documents (the profile's labAssessments).
     */
    labAssessment?: boolean;
  }[];
}
