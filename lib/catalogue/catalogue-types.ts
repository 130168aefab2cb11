/**
 * The clause catalogues a check's `covers` cites: the paper's recommendations, the IETF
 * draft's clauses and the EN 303 645 provisions. They are data (`suites/catalogues/*.yaml`,
 * schema-checked), so confirming the draft's text or a new ETSI numbering changes data only.
 */
import type { Severity, TableIColumn } from './table-i-columns.ts';

/** Which catalogue a clause belongs to, as `list --coverage --json` names it. */
export type CatalogueSource = 'paper' | 'draft' | 'etsi';

/** One of the paper's recommendations. */
export interface Recommendation {
  /** Its number, `'1'`–`'9'`. */
  id: string;
  title: string;
  /** The recommendation as the paper words it. */
  text: string;
  section: string;
  /** The paper's Table I grade for it. */
  severity: Severity;
  /** The summary-row column its checks feed. */
  tableIColumn: TableIColumn;
}

/** How a clause can be tested (draft-clauses.md §3.2). */
export type Testability = 'A' | 'P' | 'D' | 'N';

/** One clause of the IETF draft, as proposed until its text is read. */
export interface DraftClause {
  /** `IOTDNS-<actor>-<TOPIC>-<n>`. */
  id: string;
  actor: 'device' | 'management-zone' | 'operator';
  requirement: string;
  /** The draft's keyword once verified; until then the harness default. */
  keyword: 'MUST' | 'SHOULD' | 'MAY';
  /** Why we think the draft has it (`P1`, `B`, `R`, `A`, `E`). */
  basis: string[];
  /** The draft may not have this clause at all. */
  maybeAbsent?: boolean;
  testability: Testability[];
  recommendations: string[];
  /** True once checked against the draft's text; a report citing an unverified clause says "provisional clause mapping". */
  verified: boolean;
  /** The draft section, null until verified. */
  section: string | null;
  /** The revision the clause was written or verified against (`'04'`). */
  revision: string;
  /** Why no check covers it. */
  notTestedReason?: string;
  /** The lab can judge it from documents; the profile's `labAssessments` hold its verdict. */
  labAssessment?: boolean;
}

/** One TS 103 701 test case of a provision's test group. */
export interface EtsiTestCase {
  /** `5.13-1-2`. */
  id: string;
  kind: 'conceptual' | 'functional';
}

/** One EN 303 645 provision. */
export interface EtsiProvision {
  /** V2.1.1 number, `5.13-1`. */
  id: string;
  /** ICS status; conditional when `conditions` is given. */
  status: 'M' | 'R';
  /** ICS pro-forma condition numbers; the provision may be N/A when none holds. */
  conditions?: string[];
  text: string;
  dnsRelevance: string;
  /** The cases of TS 103 701 test group `<id>`. */
  testCases: EtsiTestCase[];
  /** IXIT tables the test group reads (`11-ComMech`). */
  ixit: string[];
  notTestedReason?: string;
  labAssessment?: boolean;
}

/** `suites/catalogues/recommendations.yaml`. */
export interface RecommendationCatalogue {
  catalogue: 'recommendations';
  source: string;
  recommendations: Recommendation[];
}

/** `suites/catalogues/draft-clauses.yaml`. */
export interface DraftCatalogue {
  catalogue: 'draft-clauses';
  document: string;
  targetRevision: string;
  revisionAliases: string[];
  basisCodes: Record<string, string>;
  testabilityCodes: Record<Testability, string>;
  clauses: DraftClause[];
}

/** `suites/catalogues/en-303-645.yaml`. */
export interface EtsiCatalogue {
  catalogue: 'en-303-645';
  standard: string;
  version: string;
  testSpecification: string;
  numberingNote: string;
  conditions: Record<string, string>;
  provisions: EtsiProvision[];
}

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

/** The label a provision's ICS status has in the pro forma: `M`, `R`, `M C`, `R C`. */
export function icsStatusLabel(provision: EtsiProvision): string {
  return provision.conditions === undefined ? provision.status : `${provision.status} C`;
}
