/**
 * The shape of `report.json`, the machine-readable conformance report: the types generated
 * from the published schema `report.schema.json` (report.generated.ts; validated by
 * `validate-report.ts`). A change to the format is a change to the schema (and a new
 * `schemaVersion`), then `npm run schema-types`.
 */
import type { DnsconformConformanceReport } from './report.generated.ts';

export type {
  CatalogueFileEntry,
  CustomerSupplied,
  DraftCitation,
  DraftMapping,
  EtsiCitation,
  EvidenceFileEntry,
  HarnessInfo,
  NotDeviceRequirement,
  OverallVerdict,
  ReportAnswerSources,
  ReportCitations,
  ReportFigure,
  ReportIcsRow,
  ReportIssuer,
  ReportIxit,
  ReportIxitTable,
  ReportLabAssessment,
  ReportPhase,
  ReportPhaseNotRun,
  ReportResult,
  ReportScope,
  ReportUpstreamName,
  ResolverEndpoint,
  ResultTiming,
  ResultTraceability,
} from './report.generated.ts';

/** The report format version this code writes. */
export const REPORT_SCHEMA_VERSION = '1.3.0';

/** The report (report.json). */
export type Report = DnsconformConformanceReport;
