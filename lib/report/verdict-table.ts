/**
 * The verdict table printed at the end of a run, rendered from report.json with the
 * handlebars text template in templates/ (presentation stays out of the code).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { TABLE_I_COLUMNS } from '../checks/check-types.ts';
import type { Report } from './report-types.ts';
import { TABLE_I_HEADINGS } from './table-i.ts';

const TEMPLATE_FILE = join(import.meta.dirname, '..', '..', 'templates', 'verdict-table.txt.hbs');
let template: Handlebars.TemplateDelegate | undefined;

/** Widest verdict name, so the table's columns line up. */
const VERDICT_WIDTH = 'NOT_APPLICABLE'.length;

/** Renders the terminal table for a report; `reportFile` is where it was written. */
export function renderVerdictTable(report: Report, reportFile: string, queryCount: number): string {
  template ??= Handlebars.compile(readFileSync(TEMPLATE_FILE, 'utf8'), { noEscape: true });
  const rows = report.results.map((r) => ({
    verdict: r.verdict.padEnd(VERDICT_WIDTH),
    check: `${r.check}  (Rec #${r.covers.paper.join(', #')}, ${r.severity})`,
    lines: [`expected: ${r.expected}`, `observed: ${r.observed}`],
  }));
  const mark = { pass: '✓', fail: '✗', 'not-assessed': '–' } as const;
  const tableI = TABLE_I_COLUMNS.map((column) => `${mark[report.tableI[column]]} ${TABLE_I_HEADINGS[column]}`);
  return template({
    ...report,
    rows,
    reportFile,
    queryCount,
    tableI,
    mapping: mappingLine(report),
    lab: labLine(report),
  });
}

/** One line on the draft clause mapping, only while it is provisional (the report has the clause list). */
function mappingLine({ citations: { draftMapping: m } }: Report): string | null {
  if (m.status !== 'provisional') return null;
  return `provisional clause mapping (${m.document}-${m.revision}): ${m.unverified.length} of ${m.cited.length} cited draft clauses unverified, sections unconfirmed`;
}

/** The lab's assessments counted by verdict, and those the profile does not assess. */
function labLine({ labAssessments }: Report): string {
  const verdicts = labAssessments.map((a) => a.assessment?.verdict ?? null);
  const count = (v: string | null) => verdicts.filter((x) => x === v).length;
  // NOT_ASSESSED is the lab's own word for a clause it looked at; a clause the profile is
  // silent on is counted apart, so the two cannot be confused.
  return `${count('PASS')} PASS, ${count('FAIL')} FAIL, ${count('NOT_ASSESSED')} NOT_ASSESSED by the lab, ${count(null)} of ${verdicts.length} clauses without a lab assessment in the profile`;
}
