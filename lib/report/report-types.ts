/**
 * The shape of `report.json`, the machine-readable conformance report. It mirrors the
 * published schema `report.schema.json` (validated by `validate-report.ts`); a change
 * here needs the same change there and a new `schemaVersion`.
 */
import type { ReportAnswerSources } from '../analysis/answer-sources.ts';
import type { CatalogueSource, DraftClause } from '../catalogue/catalogue-types.ts';
import type { CheckResult, Verdict } from '../checks/check-types.ts';
import type { Transport } from '../evidence/events.ts';
import type {
  ComMechEntry,
  DeclaredBehaviour,
  DutIdentity,
  IcsEntry,
  IxitEntry,
  LabAssessment,
} from '../profile/profile-types.ts';
import type { ReportScope } from './report-scope.ts';
import type { TableIRow } from './table-i.ts';

export type { ReportScope } from './report-scope.ts';
import type { ReportIssuer } from './lab-config.ts';

export type { ReportAnswerSources, ReportUpstreamName } from '../analysis/answer-sources.ts';

/** The report format version this code writes. */
export const REPORT_SCHEMA_VERSION = '1.3.0';

/** Which build of the harness produced a report (ISO/IEC 17025 §7.5 technical records). */
export interface HarnessInfo {
  /** Always `dnsconform`. */
  name: 'dnsconform';
  /** `version` of the harness's package.json. */
  version: string;
  /** `git rev-parse HEAD` of the harness checkout, or null when it is not a git checkout. */
  gitCommit: string | null;
  /** Whether the checkout had uncommitted changes; false when `gitCommit` is null. */
  dirty: boolean;
}

/** One socket the resolver actually listened on during the run. */
export interface ResolverEndpoint {
  transport: Transport;
  address: string;
  port: number;
}

/** One experiment's time window, as the evidence marks it. */
export interface ReportPhase {
  name: string;
  /** The scenario in force, in textual form (`ttl(0)|forgeA(127.0.0.77)`). */
  scenario: string;
  /** ISO 8601. */
  start: string;
  /** ISO 8601; the end of the evidence when the phase never ended. */
  end: string;
  /** Why the phase ended, or null when it never did (interrupted run). */
  endReason: string | null;
}

/** A phase of the plan that was not run for the DUT (`phase.skip` in the evidence), and why. */
export interface ReportPhaseNotRun {
  name: string;
  experiment: string;
  /** Why (an experiment forging into a canary family the profile lacks: an IPv4-only or IPv6-only device). */
  reason: string;
}

/** A file of the run directory with its digest, as the report cites it. */
export interface EvidenceFileEntry {
  /** Relative POSIX path inside the run directory. */
  file: string;
  /** SHA-256 of the content, lower-case hex. */
  sha256: string;
  bytes: number;
}

/** The overall conformity statement. */
export type OverallVerdict = 'CONFORMANT' | 'NOT_CONFORMANT' | 'INCOMPLETE';

/** The report. */
export interface Report {
  /** Report format version, {@link REPORT_SCHEMA_VERSION}. */
  schemaVersion: string;
  /** ISO/IEC 17025 §7.8.2.1 a. */
  title: string;
  /** Unique id of the run; also the report's unique id (§7.8.2.1 d). */
  runId: string;
  /** When observation began (ISO 8601). */
  startedAt: string;
  /** When observation ended (ISO 8601). */
  endedAt: string;
  /** Date of issue (§7.8.2.1 j), ISO 8601. */
  issuedAt: string;
  harness: HarnessInfo;
  /** Who issued the report (§7.8.2.1 b, o): lab.yaml beside the keys; null when none is configured. Absent before format 1.2.0. */
  issuer?: ReportIssuer | null;
  /** Who the device was tested for (§7.8.2.1 f), from the profile; null when it names none. */
  customer?: { name: string; address: string | null } | null;
  /** Whether the report may be used for certification, and why not. */
  certification?: { forCertification: boolean; statement: string };
  /** The item tested (§7.8.2.1 g), as the profile declares it (customer-supplied). */
  dut: DutIdentity;
  /** Whether the DUT was a simulated device the harness started or a real lab device. */
  device: { kind: 'simulated' | 'lab' };
  /** The profile copy kept in the run directory. */
  profile: { file: string; sha256: string };
  resolver: { endpoints: ResolverEndpoint[] };
  /** `notRun`: the plan's phases not run for this DUT, with the reason; absent when every phase ran and before format 1.3.0. */
  observation: { windowSeconds: number; phases: ReportPhase[]; notRun?: ReportPhaseNotRun[] };
  /** One result per check run, in the order run, each with the clauses it cites as the catalogues have them. */
  results: ReportResult[];
  /** How many results have each verdict (every verdict present, zero included). */
  summary: Record<Verdict, number>;
  /** The paper's Table I row for this DUT, with Recommendations #2 and #6, and the rule deriving it from the results. */
  tableI: TableIRow & { rule: string };
  /** Which checks the run set out to judge and how many it judged; absent in reports before format 1.2.0 (read as complete). */
  scope?: ReportScope;
  /** The conformity statement and the decision rule it follows (§7.8.6). */
  overall: { verdict: OverallVerdict; decisionRule: string };
  /** How clause numbers in `results[].covers` are to be read, and which catalogues mapped them. */
  citations: ReportCitations;
  /** The supplier's ICS and IXIT as the profile gives them (customer-supplied, ISO/IEC 17025 §7.8.2.2). */
  customerSupplied: CustomerSupplied;
  /** Every clause the catalogues leave to the lab, with the lab's verdict from the profile; never part of `overall`. */
  labAssessments: ReportLabAssessment[];
  /** Clauses the catalogues cite that are not the device's to meet (network operators'). */
  notDeviceRequirements: NotDeviceRequirement[];
  /** Statements a test report carries (§7.8.2.1 l, customer-supplied data, reproduction). */
  statements: string[];
  /** Every file of the run directory when the report was built, with its digest. */
  evidenceFiles: EvidenceFileEntry[];
  /** Charts drawn from the evidence (SVG files of the run directory), in report order. */
  figures?: ReportFigure[];
  /** Where the answers came from (zone, upstream, replay); absent in reports made before upstream answers existed. */
  answerSources?: ReportAnswerSources;
}

/** One chart of the run: port and TXID histograms, query timeline, re-query against TTL. */
export interface ReportFigure {
  id: string;
  title: string;
  /** Relative path inside the run directory (`figures/<id>.svg`), among `evidenceFiles`. */
  file: string;
  /** One line whose numbers come from the same evidence as the chart. */
  caption: string;
}

/** A check result as the report carries it: the result, and what its citations mean. */
/** How a timing rule's intervals were measured (ISO/IEC 17025 §7.6): the clock's resolution and the rule's time limits. */
export interface ResultTiming {
  /** Resolution of the event times the intervals are computed from, µs (measured when the report was made). */
  clockResolutionMicros: number;
  /** The rule's time-valued parameters (its windows and tolerances), by name, in the parameter's unit. */
  limits: Record<string, number>;
  /** The same, in a sentence for the report. */
  statement: string;
}

export type ReportResult = CheckResult & {
  /** For a rule with time limits: the clock resolution and the limits (format 1.3.0). */
  timing?: ResultTiming;
  traceability: ResultTraceability;
  /** FAIL and INCONCLUSIVE only: the command that re-runs what decides the verdict (run from the directory holding the run directory). */
  reproduce?: string;
};

/** The clauses a result cites, read in the catalogues the report was built with. */
export interface ResultTraceability {
  /** One per `covers.draft` clause, in that order. */
  draft: DraftCitation[];
  /** One per `covers.etsi` provision, in that order. */
  etsi: EtsiCitation[];
}

/** One draft clause a result cites. */
export interface DraftCitation {
  clause: string;
  /** The draft's keyword once verified; until then the harness's proposal. */
  keyword: DraftClause['keyword'];
  /** Checked against the draft's text; false makes the report's clause mapping provisional. */
  verified: boolean;
  /** The draft section, null until verified. */
  section: string | null;
  /** The revision the clause was written or verified against. */
  revision: string;
  /** `draft-…-04 §4.2`, or `draft-…-04 (section not confirmed)` (`draftReference`). */
  reference: string;
}

/** One EN 303 645 provision a result cites, and the TS 103 701 test cases its verdict bears on. */
export interface EtsiCitation {
  provision: string;
  /** Its ICS status in the pro forma: `M`, `R`, `M C`, `R C`. */
  icsStatus: string;
  /** The TS 103 701 test group (numbered as the provision). */
  testGroup: string;
  /** The group's functional test cases the verdict is evidence for; empty when the group has none. */
  functionalTestCases: string[];
  /** The group's conceptual test cases: the lab's, judged from documents and IXIT. */
  conceptualTestCases: string[];
  /** IXIT tables the test group reads (`11-ComMech`). */
  ixit: string[];
}

/** A catalogue file by name and digest. */
export interface CatalogueFileEntry {
  /** File name inside the catalogue folder (`draft-clauses.yaml`). */
  file: string;
  /** SHA-256 of its text, lower-case hex. */
  sha256: string;
}

/**
 * Whether the draft clauses the results cite are checked against the draft's text.
 * `provisional`: at least one is not; `verified`: all are; `not-cited`: no result cites one.
 */
export interface DraftMapping {
  status: 'provisional' | 'verified' | 'not-cited';
  /** The draft's name (`draft-ietf-iotops-iot-dns-guidelines`). */
  document: string;
  /** The revision the catalogue targets (`04`). */
  revision: string;
  /** Every draft clause a result cites, sorted. */
  cited: string[];
  /** The cited clauses not yet verified, sorted. */
  unverified: string[];
  /** What the report says about it; for `provisional`, the notice printed on the summary page. */
  statement: string;
}

/** How the report's clause numbers are to be read. */
export interface ReportCitations {
  /** The EN 303 645 and TS 103 701 editions the provision numbers belong to. */
  etsiEdition: string;
  /** The draft clause mapping in force. */
  draftMapping: DraftMapping;
  /** The catalogue files the citations were read in. */
  catalogues: Record<CatalogueSource, CatalogueFileEntry>;
  /** Reading notes: the EN catalogue's numbering note first. */
  notes: string[];
}

/** One row of the supplier's ICS, with the provision's status from the EN 303 645 catalogue. */
export interface ReportIcsRow extends IcsEntry {
  /** `M`, `R`, `M C`, `R C`. */
  icsStatus: string;
  /** The pro forma conditions of a conditional provision, by number with their text; empty otherwise. */
  conditions: { id: string; text: string }[];
}

/** One IXIT table of the profile. */
export interface ReportIxitTable {
  /** The TS 103 701 IXIT table (`11-ComMech`). */
  table: string;
  entries: (IxitEntry | ComMechEntry)[];
}

/** The supplier's declared values and IXIT tables. */
export interface ReportIxit {
  /** Values checks hold the DUT to (`ttlCapSeconds`). */
  declared: Pick<DeclaredBehaviour, 'ttlCapSeconds'>;
  /** The tables the profile fills, in IXIT number order. */
  tables: ReportIxitTable[];
}

/** What the customer supplied beside the device identity; null where the profile has none. */
export interface CustomerSupplied {
  ics: ReportIcsRow[] | null;
  ixit: ReportIxit | null;
}

/** A clause the catalogues leave to the lab, with the lab's verdict when the profile gives one. */
export interface ReportLabAssessment {
  source: 'draft' | 'etsi';
  clause: string;
  /** `draftReference` for a draft clause; the edition, number and ICS status for a provision. */
  reference: string;
  requirement: string;
  /** Why no check judges it (the catalogue's `notTestedReason`); null when the catalogue gives none. */
  reason: string | null;
  /** The lab's verdict, justification, documents and assessor; null when the profile has none (not assessed). */
  assessment: Omit<LabAssessment, 'clause'> | null;
}

/** A clause that binds someone other than the device. */
export interface NotDeviceRequirement {
  clause: string;
  /** Whose duty it is (`operator`). */
  actor: string;
  reference: string;
  requirement: string;
  /** The catalogue's `notTestedReason`; null when it gives none. */
  reason: string | null;
}
