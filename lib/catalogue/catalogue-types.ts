/**
 * The clause catalogues a check's `covers` cites: the paper's recommendations, the IETF
 * draft's clauses and the EN 303 645 provisions. They are data (`suites/catalogues/*.yaml`,
 * schema-checked; their types are generated from the schemas, *.generated.ts), so confirming the draft's text or a new ETSI numbering changes data only.
 */
import type { DnsconformCatalogueTheIETFDraftSClauses } from './draft-clauses.generated.ts';
import type { DnsconformCatalogueEN303645Provisions } from './en-303-645.generated.ts';
import type { DnsconformCatalogueThePaperSRecommendations } from './recommendations.generated.ts';

/** Which catalogue a clause belongs to, as `list --coverage --json` names it. */
export type CatalogueSource = 'paper' | 'draft' | 'etsi';

/** `suites/catalogues/recommendations.yaml`, as its schema (recommendations.schema.json) states it. */
export type RecommendationCatalogue = DnsconformCatalogueThePaperSRecommendations;
/** One of the paper's recommendations. */
export type Recommendation = RecommendationCatalogue['recommendations'][number];

/** `suites/catalogues/draft-clauses.yaml`, as its schema (draft-clauses.schema.json) states it. */
export type DraftCatalogue = DnsconformCatalogueTheIETFDraftSClauses;
/** One clause of the IETF draft, as proposed until its text is read. */
export type DraftClause = DraftCatalogue['clauses'][number];
/** How a clause can be tested (draft-clauses.md §3.2). */
export type Testability = DraftClause['testability'][number];

/** `suites/catalogues/en-303-645.yaml`, as its schema (en-303-645.schema.json) states it. */
export type EtsiCatalogue = DnsconformCatalogueEN303645Provisions;
/** One EN 303 645 provision. */
export type EtsiProvision = EtsiCatalogue['provisions'][number];
/** One TS 103 701 test case of a provision's test group. */
export type EtsiTestCase = EtsiProvision['testCases'][number];

/** The three catalogues, with the files they came from. */
export interface Catalogues {
  paper: RecommendationCatalogue;
  draft: DraftCatalogue;
  etsi: EtsiCatalogue;
  files: Record<CatalogueSource, string>;
  /** SHA-256 (hex) of each file's text: a report names the mapping it was built with. */
  sha256: Record<CatalogueSource, string>;
}

/** The ids of a provision's TS 103 701 test cases of one kind, in catalogue order. */
export function testCaseIds(provision: EtsiProvision, kind: EtsiTestCase['kind']): string[] {
  return provision.testCases.filter((t) => t.kind === kind).map((t) => t.id);
}

/** A provision's ICS status as the pro forma labels it: `M`, `R`, `M C`, `R C` (C: conditional). */
export type IcsStatusLabel = EtsiProvision['status'] | `${EtsiProvision['status']} C`;

/** The label a provision's ICS status has in the pro forma: `M`, `R`, `M C`, `R C`. */
export function icsStatusLabel(provision: EtsiProvision): IcsStatusLabel {
  return provision.conditions === undefined ? provision.status : `${provision.status} C`;
}
