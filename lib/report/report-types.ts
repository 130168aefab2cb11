/**
 * The shape of `report.json`, the machine-readable conformance report. It mirrors the
 * published schema `report.schema.json` (validated by `validate-report.ts`); a change
 * here needs the same change there and a new `schemaVersion`.
 */
import type { CheckResult, Verdict } from '../checks/check-types.ts';
import type { Transport } from '../evidence/events.ts';
import type { DutIdentity } from '../profile/profile-types.ts';
import type { TableIRow } from './table-i.ts';

/** The report format version this code writes. */
export const REPORT_SCHEMA_VERSION = '1.0.0';

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
  /** The item tested (§7.8.2.1 g), as the profile declares it (customer-supplied). */
  dut: DutIdentity;
  /** Whether the DUT was a simulated device the harness started or a real lab device. */
  device: { kind: 'simulated' | 'lab' };
  /** The profile copy kept in the run directory. */
  profile: { file: string; sha256: string };
  resolver: { endpoints: ResolverEndpoint[] };
  observation: { windowSeconds: number; phases: ReportPhase[] };
  /** One result per check run, in the order run. */
  results: CheckResult[];
  /** How many results have each verdict (every verdict present, zero included). */
  summary: Record<Verdict, number>;
  /** The paper's Table I row for this DUT, with Recommendations #2 and #6, and the rule deriving it from the results. */
  tableI: TableIRow & { rule: string };
  /** The conformity statement and the decision rule it follows (§7.8.6). */
  overall: { verdict: OverallVerdict; decisionRule: string };
  /** How clause numbers in `results[].covers` are to be read. */
  citations: { etsiEdition: string; notes: string[] };
  /** Statements a test report carries (§7.8.2.1 l, customer-supplied data, reproduction). */
  statements: string[];
  /** Every file of the run directory when the report was built, with its digest. */
  evidenceFiles: EvidenceFileEntry[];
  /** Charts drawn from the evidence (SVG files of the run directory), in report order. */
  figures?: ReportFigure[];
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
