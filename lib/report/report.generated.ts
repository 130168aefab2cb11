/* Generated from report.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "nonEmptyString".
 */
export type NonEmptyString = string;
/**
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "ipAddress".
 */
export type IpAddress = string;
/**
 * Relative POSIX path inside the run directory, never leaving it.
 *
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "runFile".
 */
export type RunFile = string;
/**
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "sha256".
 */
export type Sha256 = string;
/**
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "timestamp".
 */
export type Timestamp = string;
/**
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "verdict".
 */
export type Verdict = "PASS" | "FAIL" | "INCONCLUSIVE" | "NOT_APPLICABLE" | "ERROR" | "INFO";
/**
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "figure".
 */
export type Figure =
  | (number | string | boolean | null)
  | Figure[]
  | {
      [k: string]: Figure;
    };
/**
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "evidenceRef".
 */
export type EvidenceRef =
  | {
      kind: "events";
      file: RunFile;
      seqs: number[];
      count: Count;
      note: string;
      /**
       * Where the listed events are in the run's packet capture (format 1.3.0).
       */
      capture?: {
        file: RunFile;
        /**
         * Frame numbers as Wireshark numbers them.
         */
        frames: number[];
        /**
         * A Wireshark display filter selecting exactly these frames; null when there are none.
         */
        filter: string | null;
        /**
         * Listed events with no frame, grouped by why.
         */
        uncited: {
          reason: string;
          seqs: number[];
        }[];
      };
    }
  | {
      kind: "time-range";
      /**
       * µs since the epoch
       */
      from: number;
      /**
       * µs since the epoch
       */
      to: number;
      note: string;
    };
/**
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "count".
 */
export type Count = number;
/**
 * ICS status in the EN 303 645 pro forma; C: conditional.
 *
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "icsStatus".
 */
export type IcsStatus = "M" | "R" | "M C" | "R C";
/**
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "tableICell".
 */
export type TableICell = "pass" | "fail" | "not-assessed";
/**
 * The overall conformity statement.
 *
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "overallVerdict".
 */
export type OverallVerdict = "CONFORMANT" | "NOT_CONFORMANT" | "INCOMPLETE";

/**
 * report.json as written by dnsconform: one run of a device under test (DUT) against DNS conformance checks, with verdicts, decision rules, and digests of the evidence they rest on.
 */
export interface DnsconformConformanceReport {
  /**
   * Version of this report format (1.2.0 states the scope; 1.3.0 the phases not run, and capture frames beside events).
   */
  schemaVersion: "1.1.0" | "1.2.0" | "1.3.0";
  /**
   * ISO/IEC 17025 §7.8.2.1 a.
   */
  title: string;
  /**
   * Unique id of the run and of this report (§7.8.2.1 d).
   */
  runId: string;
  /**
   * When observation began.
   */
  startedAt: string;
  /**
   * When observation ended.
   */
  endedAt: string;
  /**
   * Date of issue (§7.8.2.1 j).
   */
  issuedAt: string;
  harness: HarnessInfo;
  /**
   * Who issued the report (ISO/IEC 17025 §7.8.2.1 b, o), from lab.yaml beside the signing keys; null when no laboratory is configured.
   */
  issuer?: null | ReportIssuer;
  /**
   * Who the device was tested for (§7.8.2.1 f), from the profile; null when it names none.
   */
  customer?: null | {
    name: NonEmptyString;
    address: string | null;
  };
  /**
   * Whether the report may be used for certification: only with the laboratory and the customer named.
   */
  certification?: {
    forCertification: boolean;
    statement: NonEmptyString;
  };
  /**
   * The item tested, as the profile declares it (customer-supplied, §7.8.2.2).
   */
  dut: {
    id: string;
    vendor: NonEmptyString;
    model: NonEmptyString;
    hardware?: string;
    firmware?: string;
    serial?: string;
    mac?: string;
    /**
     * @minItems 1
     */
    addresses: IpAddress[];
    state?: "factory-default" | "initialised";
  };
  /**
   * Whether the DUT was a simulated device the harness started or a real lab device.
   */
  device: {
    kind: "simulated" | "lab";
  };
  /**
   * The profile copy kept in the run directory.
   */
  profile: {
    file: RunFile;
    sha256: Sha256;
  };
  /**
   * The sockets the resolver actually listened on during the run.
   */
  resolver: {
    /**
     * The sockets the resolver actually listened on.
     */
    endpoints: ResolverEndpoint[];
  };
  /**
   * The observation window and the phases as the evidence marks them; notRun: the plan's phases not run for this DUT, with the reason (absent when every phase ran and before format 1.3.0).
   */
  observation: {
    windowSeconds: number;
    phases: ReportPhase[];
    /**
     * Phases of the plan not run for this DUT (an experiment forging into a canary family the profile lacks), each with the reason; absent when every phase ran.
     */
    notRun?: ReportPhaseNotRun[];
  };
  results: ReportResult[];
  /**
   * The paper's Table I row for this DUT, with Recommendations #2 (dhcpResolverOnly) and #6 (backoff), derived from the results by the stated rule.
   */
  tableI: {
    secureDns: TableICell;
    randomSourcePort: TableICell;
    randomTxid: TableICell;
    queryConsistency: TableICell;
    modifiedRrResilience: TableICell;
    forgedTtlResilience: TableICell;
    dosResilience: TableICell;
    dhcpResolverOnly: TableICell;
    backoff: TableICell;
    rule: NonEmptyString;
  };
  /**
   * How many results have each verdict.
   */
  summary: {
    PASS: Count;
    FAIL: Count;
    INCONCLUSIVE: Count;
    NOT_APPLICABLE: Count;
    ERROR: Count;
    INFO: Count;
  };
  scope?: ReportScope;
  /**
   * The conformity statement and its decision rule (ISO/IEC 17025 §7.8.6).
   */
  overall: {
    verdict: OverallVerdict;
    decisionRule: NonEmptyString;
  };
  citations: ReportCitations;
  customerSupplied: CustomerSupplied;
  /**
   * Every clause the catalogues leave to the lab's assessment from documents, with the lab's verdict from the profile (null: not assessed). Not check results; never counted in overall.
   */
  labAssessments: ReportLabAssessment[];
  /**
   * Clauses the catalogues cite that bind someone other than the device (network operators): not a device requirement.
   */
  notDeviceRequirements: NotDeviceRequirement[];
  /**
   * Statements a test report carries (§7.8.2.1 l, customer-supplied data, reproduction).
   */
  statements: NonEmptyString[];
  /**
   * Every file of the run directory when the report was built.
   */
  evidenceFiles: EvidenceFileEntry[];
  /**
   * Charts drawn from the evidence, as SVG files of the run directory, in report order.
   */
  figures?: ReportFigure[];
  answerSources?: ReportAnswerSources;
}
/**
 * Which build of the harness produced a report (ISO/IEC 17025 §7.5 technical records).
 */
export interface HarnessInfo {
  name: "dnsconform";
  version: NonEmptyString;
  /**
   * Commit of the harness checkout, or null outside a git checkout.
   */
  gitCommit: string | null;
  /**
   * The checkout had uncommitted changes.
   */
  dirty: boolean;
}
/**
 * Who issued a report: the laboratory, its signatory and the PDF signing certificate (its subject and the SHA-256 of its DER form).
 */
export interface ReportIssuer {
  laboratory: {
    name: NonEmptyString;
    address: NonEmptyString;
    accreditation: null | {
      body: NonEmptyString;
      number: NonEmptyString;
    };
  };
  signatory: {
    name: NonEmptyString;
    function: NonEmptyString;
  };
  certificate: {
    subject: string;
    sha256: string;
  };
}
/**
 * One socket the resolver actually listened on during the run.
 */
export interface ResolverEndpoint {
  transport: "udp" | "tcp" | "dot" | "doh";
  address: IpAddress;
  port: number;
}
/**
 * One experiment's time window, as the evidence marks it.
 */
export interface ReportPhase {
  name: NonEmptyString;
  scenario: string;
  start: Timestamp;
  end: Timestamp;
  /**
   * Null when the phase never ended.
   */
  endReason: string | null;
}
/**
 * A phase of the plan that was not run for the DUT (phase.skip in the evidence), and why.
 */
export interface ReportPhaseNotRun {
  name: NonEmptyString;
  experiment: NonEmptyString;
  reason: NonEmptyString;
}
/**
 * One check result as the report carries it: the check's outcome, its metadata, and what its citations mean.
 *
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "checkResult".
 */
export interface ReportResult {
  /**
   * Check id: its path under suites/.
   */
  check: string;
  title: NonEmptyString;
  verdict: Verdict;
  severity: "critical" | "high" | "medium" | "low";
  keyword: "MUST" | "SHOULD" | "MAY" | "RECOMMENDATION";
  covers: {
    paper: string[];
    draft: NonEmptyString[];
    etsi: NonEmptyString[];
  };
  requirement: NonEmptyString;
  decisionRule: {
    text: NonEmptyString;
    parameters: {
      [k: string]: number;
    };
  };
  expected: string;
  observed: string;
  figures: {
    [k: string]: Figure;
  };
  evidence: EvidenceRef[];
  /**
   * The Table I column the verdict feeds.
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
  /**
   * Set (verdict INCONCLUSIVE) when the evidence could not assess the check at all; observed says the reason after "Not assessed: ".
   */
  notAssessed?: {
    reason: NonEmptyString;
  };
  /**
   * The check judged that more evidence could not change its verdict (sequential decision).
   */
  settled?: boolean;
  timing?: ResultTiming;
  /**
   * For a FAIL or INCONCLUSIVE: the one command that re-runs what decides it on the same profile, run from the directory holding the run directory.
   */
  reproduce?: string;
  /**
   * The harness fault, when the verdict is ERROR.
   */
  error?: string;
  traceability: ResultTraceability;
}
/**
 * For a rule with time limits: the resolution of the clock its intervals are measured with, and the limits (format 1.3.0).
 */
export interface ResultTiming {
  clockResolutionMicros: number;
  limits: {
    [k: string]: number;
  };
  statement: NonEmptyString;
}
/**
 * What the clauses a result cites mean, as the catalogues in citations.catalogues have them; one entry per covers.draft and covers.etsi item, in order.
 *
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "traceability".
 */
export interface ResultTraceability {
  draft: DraftCitation[];
  etsi: EtsiCitation[];
}
/**
 * One draft clause a result cites.
 */
export interface DraftCitation {
  clause: NonEmptyString;
  keyword: "MUST" | "SHOULD" | "MAY";
  verified: boolean;
  section: string | null;
  revision: NonEmptyString;
  reference: NonEmptyString;
}
/**
 * One EN 303 645 provision a result cites, and the TS 103 701 test cases its verdict bears on.
 */
export interface EtsiCitation {
  provision: NonEmptyString;
  icsStatus: IcsStatus;
  /**
   * The TS 103 701 test group.
   */
  testGroup: string;
  /**
   * Functional test cases the verdict is evidence for.
   */
  functionalTestCases: NonEmptyString[];
  /**
   * Conceptual test cases: the lab's, from documents.
   */
  conceptualTestCases: NonEmptyString[];
  ixit: NonEmptyString[];
}
/**
 * Which checks the run set out to judge and how many it judged (ISO/IEC 17025 §7.8.2.1). A partial scope is never CONFORMANT.
 */
export interface ReportScope {
  /**
   * run: the harness observed the device; analyze: imported captures, passive checks only.
   */
  mode: "run" | "analyze";
  /**
   * The --checks selection as given, or null when every check was selected.
   */
  checks: NonEmptyString | null;
  /**
   * The plan the phases came from, or null.
   */
  plan: NonEmptyString | null;
  /**
   * Checks the suites held when the run was judged.
   */
  available: number;
  /**
   * Checks the run selected (one result each).
   */
  selected: number;
  /**
   * Selected checks the evidence assessed (all but the not-assessed results).
   */
  judged: number;
  /**
   * Every check of the suites selected and assessed.
   */
  complete: boolean;
  /**
   * The scope in words, as page 1 prints it.
   */
  statement: string;
}
/**
 * How the clause numbers in results[].covers are to be read, derived from the clause catalogues named here by digest.
 */
export interface ReportCitations {
  /**
   * The EN 303 645 and TS 103 701 editions of the provision numbers.
   */
  etsiEdition: string;
  draftMapping: DraftMapping;
  /**
   * The clause catalogue files the citations, ICS status and lab assessments were read in.
   */
  catalogues: {
    paper: CatalogueFileEntry;
    draft: CatalogueFileEntry;
    etsi: CatalogueFileEntry;
  };
  /**
   * The EN 303 645 catalogue's numbering note first.
   *
   * @minItems 1
   */
  notes: NonEmptyString[];
}
/**
 * Whether the draft clauses the results cite are verified against the draft's text: provisional while any is not; not-cited when no result cites one.
 */
export interface DraftMapping {
  status: "provisional" | "verified" | "not-cited";
  document: NonEmptyString;
  /**
   * The revision the draft catalogue targets.
   */
  revision: string;
  /**
   * Every draft clause a result cites, sorted.
   */
  cited: NonEmptyString[];
  /**
   * The cited clauses not verified, sorted.
   */
  unverified: NonEmptyString[];
  /**
   * What the report says about the mapping; printed as a notice when provisional.
   */
  statement: string;
}
/**
 * A catalogue file by name and digest.
 *
 * This interface was referenced by `DnsconformConformanceReport`'s JSON-Schema
 * via the `definition` "catalogueFile".
 */
export interface CatalogueFileEntry {
  file: string;
  sha256: Sha256;
}
/**
 * The supplier's ICS and IXIT as the profile gives them (customer-supplied, ISO/IEC 17025 §7.8.2.2); null where the profile has none.
 */
export interface CustomerSupplied {
  ics: null | ReportIcsRow[];
  ixit: null | ReportIxit;
}
/**
 * One row of the supplier's ICS, with the provision's status from the EN 303 645 catalogue.
 */
export interface ReportIcsRow {
  provision: NonEmptyString;
  icsStatus: IcsStatus;
  conditions: {
    id: NonEmptyString;
    text: string;
  }[];
  support: "Y" | "N" | "N/A";
  detail?: string;
}
/**
 * The supplier's declared values and IXIT tables.
 */
export interface ReportIxit {
  declared: {
    ttlCapSeconds?: number;
  };
  tables: ReportIxitTable[];
}
/**
 * One IXIT table of the profile.
 */
export interface ReportIxitTable {
  /**
   * The TS 103 701 IXIT table (11-ComMech).
   */
  table: string;
  entries: {
    id: NonEmptyString;
    description: string;
    [k: string]: string | string[];
  }[];
}
/**
 * A clause the catalogues leave to the lab, with the lab's verdict when the profile gives one.
 */
export interface ReportLabAssessment {
  source: "draft" | "etsi";
  clause: NonEmptyString;
  reference: NonEmptyString;
  requirement: NonEmptyString;
  /**
   * Why no check judges it.
   */
  reason: string | null;
  assessment: null | {
    verdict: "PASS" | "FAIL" | "NOT_ASSESSED";
    justification: NonEmptyString;
    documents?: NonEmptyString[];
    assessor?: NonEmptyString;
  };
}
/**
 * A clause that binds someone other than the device.
 */
export interface NotDeviceRequirement {
  clause: NonEmptyString;
  actor: NonEmptyString;
  reference: NonEmptyString;
  requirement: NonEmptyString;
  reason: string | null;
}
/**
 * A file of the run directory with its digest, as the report cites it.
 */
export interface EvidenceFileEntry {
  file: RunFile;
  sha256: Sha256;
  bytes: Count;
}
/**
 * One chart of the run: port and TXID histograms, query timeline, re-query against TTL.
 */
export interface ReportFigure {
  id: string;
  title: NonEmptyString;
  file: string;
  caption: NonEmptyString;
}
/**
 * Where the answers the DUT got came from: the profile's zone, the lab's upstream resolver, or a replayed run (events upstream.answer and dns.response answerSource).
 */
export interface ReportAnswerSources {
  /**
   * Responses to the DUT by where their answer came from, before any scenario changed it.
   */
  responses: {
    zone: number;
    upstream: number;
    replay: number;
  };
  /**
   * The upstream resolvers asked (address:port).
   */
  upstream: string[];
  /**
   * The runs whose recorded answers were replayed (run ids).
   */
  replayOf: string[];
  /**
   * Every name answered from outside the zone, by name, type and source (at most 200; namesNotListed counts the rest).
   */
  names: ReportUpstreamName[];
  /**
   * Names answered from outside the zone but not listed (the list is capped).
   */
  namesNotListed: number;
}
/**
 * One name answered from outside the zone.
 */
export interface ReportUpstreamName {
  /**
   * Lower case (the DUT's own case is in the evidence).
   */
  name: string;
  type: string;
  source: "upstream" | "replay";
  /**
   * Answers obtained (one per DUT query).
   */
  answers: number;
  /**
   * Of those, failures (the DUT got SERVFAIL).
   */
  failures: number;
  /**
   * Distinct rcodes; a failure shows as SERVFAIL (failed).
   */
  rcodes: string[];
  /**
   * Distinct answer records, TYPE data, the first few.
   */
  records: string[];
}
