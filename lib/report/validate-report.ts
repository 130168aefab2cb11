/**
 * Validates a report against the published schema and against the rules the schema
 * cannot express (the summary counts the results; the overall verdict follows the
 * stated decision rule; cited files are evidence files; the draft clause mapping follows
 * the results' citations). A report is validated before it is written and when a bundle
 * is verified.
 */
import type { ErrorObject } from 'ajv/dist/2020.js';
import { precompiled } from '../input/yaml-input.ts';
import { VERDICTS } from '../checks/check-types.ts';
import { countedVerdicts, countVerdicts, OVERALL_DECISION_RULE, overallVerdict } from './overall-verdict.ts';
import { TABLE_I_COLUMNS } from '../checks/check-types.ts';
import { tableIRow } from './table-i.ts';
import { reportScope } from './report-scope.ts';
import { certification } from './build-report.ts';
import { draftMapping } from './clause-citations.ts';
import { draftReference } from '../checks/coverage.ts';
import type { Report } from './report-types.ts';
import reportSchema from './report.schema.json' with { type: 'json' };
import validateReportSchema from './report.validator.generated.ts';

/** One thing wrong with a report, located by JSON pointer. */
export interface ReportProblem {
  /** JSON pointer into the report (`/results/2/verdict`); empty for the whole document. */
  pointer: string;
  message: string;
}

/** A report that does not conform; the message lists every problem with its pointer. */
export class ReportValidationError extends Error {
  constructor(
    readonly problems: ReportProblem[],
    source = 'report',
  ) {
    super(
      `${source} is not a valid dnsconform report:\n` +
        problems.map((p) => `  ${p.pointer || '/'}: ${p.message}`).join('\n'),
    );
    this.name = 'ReportValidationError';
  }
}

const validateSchema = precompiled<Report>(validateReportSchema);

/** The id of the published schema. */
export const REPORT_SCHEMA_ID: string = reportSchema.$id;

/** RFC 6901: `~` and `/` inside a property name. */
function escapePointerToken(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function describe(error: ErrorObject): ReportProblem {
  const params = error.params as Record<string, unknown>;
  let pointer = error.instancePath;
  let message = error.message ?? error.keyword;
  if (error.keyword === 'required') {
    pointer += `/${escapePointerToken(String(params.missingProperty))}`;
    message = 'is required';
  } else if (error.keyword === 'additionalProperties') {
    pointer += `/${escapePointerToken(String(params.additionalProperty))}`;
    message = 'is not allowed here';
  } else if (error.keyword === 'enum') message += ` (${(params.allowedValues as unknown[]).join(', ')})`;
  else if (error.keyword === 'const') message += ` (${JSON.stringify(params.allowedValue)})`;
  return { pointer, message };
}

/**
 * What the schema cannot say: summary and overall verdict follow from the results, and
 * every file the report cites is one of its evidence files.
 */
function consistencyProblems(report: Report): ReportProblem[] {
  const problems: ReportProblem[] = [];
  const verdicts = report.results.map((r) => r.verdict);
  const counts = countVerdicts(verdicts);
  for (const verdict of VERDICTS) {
    if (report.summary[verdict] !== counts[verdict]) {
      problems.push({
        pointer: `/summary/${verdict}`,
        message: `is ${report.summary[verdict]} but ${counts[verdict]} results have verdict ${verdict}`,
      });
    }
  }
  const scope = report.scope ? reportScope(report.scope, report.results) : null;
  if (report.scope && scope) {
    for (const field of ['selected', 'judged', 'complete', 'statement'] as const) {
      if (report.scope[field] !== scope[field])
        problems.push({
          pointer: `/scope/${field}`,
          message: `is ${JSON.stringify(report.scope[field])} but the results give ${JSON.stringify(scope[field])}`,
        });
    }
  }
  if (report.certification) {
    const expectedCertification = certification(report.issuer ?? null, report.customer ?? null);
    if (JSON.stringify(report.certification) !== JSON.stringify(expectedCertification)) {
      problems.push({
        pointer: '/certification',
        message: `is ${JSON.stringify(report.certification)} but the issuer and customer give ${JSON.stringify(expectedCertification)}`,
      });
    }
  }
  // A report from before scopes were stated judged every check of its suites.
  const expected = overallVerdict(countedVerdicts(report.results), scope?.complete ?? true);
  if (report.overall.verdict !== expected) {
    problems.push({
      pointer: '/overall/verdict',
      message: `is ${report.overall.verdict} but the decision rule gives ${expected}`,
    });
  }
  if (report.overall.decisionRule !== OVERALL_DECISION_RULE) {
    problems.push({ pointer: '/overall/decisionRule', message: 'is not the decision rule this harness applies' });
  }
  const evidenceFiles = new Map(report.evidenceFiles.map((entry) => [entry.file, entry]));
  const profileEntry = evidenceFiles.get(report.profile.file);
  if (!profileEntry)
    problems.push({ pointer: '/profile/file', message: `${report.profile.file} is not among evidenceFiles` });
  else if (profileEntry.sha256 !== report.profile.sha256) {
    problems.push({
      pointer: '/profile/sha256',
      message: `differs from the evidenceFiles entry of ${report.profile.file}`,
    });
  }
  report.results.forEach((result, r) => {
    result.evidence.forEach((ref, e) => {
      if (ref.kind === 'events' && !evidenceFiles.has(ref.file)) {
        problems.push({
          pointer: `/results/${r}/evidence/${e}/file`,
          message: `${ref.file} is not among evidenceFiles`,
        });
      }
    });
  });
  (report.figures ?? []).forEach((figure, f) => {
    if (!evidenceFiles.has(figure.file))
      problems.push({ pointer: `/figures/${f}/file`, message: `${figure.file} is not among evidenceFiles` });
  });
  const row = tableIRow(report.results);
  for (const column of TABLE_I_COLUMNS) {
    if (report.tableI[column] !== row[column])
      problems.push({
        pointer: `/tableI/${column}`,
        message: `is ${report.tableI[column]} but the results give ${row[column]}`,
      });
  }
  const seen = new Set<string>();
  report.results.forEach((result, index) => {
    if (seen.has(result.check))
      problems.push({ pointer: `/results/${index}/check`, message: `${result.check} appears twice` });
    seen.add(result.check);
  });
  return problems;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * What the citations must say given the results: each result's traceability follows its
 * `covers`, each draft reference is the one its section and revision give, and the draft
 * mapping (status, clause lists, statement) is the one the results' citations add up to.
 */
function citationProblems(report: Report): ReportProblem[] {
  const problems: ReportProblem[] = [];
  const { document, revision } = report.citations.draftMapping;
  report.results.forEach((result, r) => {
    const { draft, etsi } = result.traceability;
    if (
      !same(
        draft.map((d) => d.clause),
        result.covers.draft,
      )
    )
      problems.push({
        pointer: `/results/${r}/traceability/draft`,
        message: 'does not list the clauses of covers.draft in their order',
      });
    if (
      !same(
        etsi.map((e) => e.provision),
        result.covers.etsi,
      )
    )
      problems.push({
        pointer: `/results/${r}/traceability/etsi`,
        message: 'does not list the provisions of covers.etsi in their order',
      });
    draft.forEach((d, i) => {
      if (d.verified && d.section === null)
        problems.push({
          pointer: `/results/${r}/traceability/draft/${i}/section`,
          message: `${d.clause} is verified but names no section`,
        });
      if (d.reference !== draftReference(d, document))
        problems.push({
          pointer: `/results/${r}/traceability/draft/${i}/reference`,
          message: `is not ${draftReference(d, document)}`,
        });
    });
  });
  const mapping = draftMapping(
    report.results.map((r) => r.traceability),
    document,
    revision,
  );
  for (const field of ['status', 'cited', 'unverified', 'statement'] as const) {
    if (!same(report.citations.draftMapping[field], mapping[field])) {
      problems.push({
        pointer: `/citations/draftMapping/${field}`,
        message: `is ${JSON.stringify(report.citations.draftMapping[field])} but the results' citations give ${JSON.stringify(mapping[field])}`,
      });
    }
  }
  return problems;
}

/**
 * Returns the value as a {@link Report} when it conforms; otherwise throws a
 * {@link ReportValidationError} listing each problem. `source` names it in the message
 * (a file name, say).
 */
export function validateReport(value: unknown, source?: string): Report {
  if (!validateSchema(value)) {
    throw new ReportValidationError((validateSchema.errors ?? []).map(describe), source);
  }
  const problems = [...consistencyProblems(value), ...citationProblems(value)];
  if (problems.length > 0) throw new ReportValidationError(problems, source);
  return value;
}
