/**
 * The fleet summary: one Table I row per simulated device of a fleet run, beside the row the
 * paper gives for the device it plays (`paper.tableI` in its profile), and the run's σ of
 * source ports and transaction IDs beside the paper's, each with its DNS-OARC class. Written
 * as `fleet-summary.json` and printed in the paper's Table I layout.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { oarcClass } from '../analysis/randomness.ts';
import type { OarcClass } from '../analysis/randomness.ts';
import { TABLE_I_COLUMNS } from '../checks/check-types.ts';
import type { TableIColumn } from '../checks/check-types.ts';
import type { Profile } from '../profile/profile-types.ts';
import type { Report } from './report-types.ts';
import type { TableICell, TableIRow } from './table-i.ts';

/** The randomness checks whose σ the summary sets beside the paper's. */
const SIGMA_CHECKS = {
  sourcePort: 'randomness/source-port-randomised',
  txid: 'randomness/transaction-id-randomised',
} as const;
type SigmaField = keyof typeof SIGMA_CHECKS;

/** σ of one field: this run's and the paper's, each with its DNS-OARC class. */
export interface SigmaComparison {
  run: number | null;
  runClass: OarcClass | null;
  paper: number | null;
  paperClass: OarcClass | null;
  /** Both known and in the same class; null when either is unknown. */
  sameClass: boolean | null;
}

/** One device of the fleet. */
export interface FleetRow {
  /** The DUT id. */
  device: string;
  /** The device as the paper's Table I names it; null for a profile that plays none. */
  paperName: string | null;
  /** The row the run derived (as in the device's report, without its rule). */
  tableI: TableIRow;
  /** The row the profile expects (`paper.tableI`), null without one. */
  expected: Partial<TableIRow> | null;
  /** The expected columns the run did not reproduce. */
  differences: TableIColumn[];
  sigma: Record<SigmaField, SigmaComparison>;
  /** The device's run directory, relative to the summary. */
  runDir: string;
}

/** The summary row of one device from its report and profile; `runDir` relative to the summary. */
export function fleetRow(report: Report, profile: Profile, runDir: string): FleetRow {
  const { rule: _rule, ...tableI } = report.tableI;
  const expected = profile.paper?.tableI ?? null;
  const differences = TABLE_I_COLUMNS.filter(
    (column) => expected?.[column] !== undefined && expected[column] !== tableI[column],
  );
  const sigmaOf = (field: SigmaField): SigmaComparison => {
    const figures = report.results.find((r) => r.check === SIGMA_CHECKS[field])?.figures as
      | { stdev?: number; n?: number }
      | undefined;
    const run = typeof figures?.stdev === 'number' && (figures.n ?? 0) > 0 ? figures.stdev : null;
    const paper = profile.paper?.sigma?.[field] ?? null;
    const runClass = run === null ? null : oarcClass(run);
    const paperClass = paper === null ? null : oarcClass(paper);
    return { run, runClass, paper, paperClass, sameClass: runClass && paperClass ? runClass === paperClass : null };
  };
  return {
    device: report.dut.id,
    paperName: profile.paper?.name ?? null,
    tableI,
    expected,
    differences,
    sigma: { sourcePort: sigmaOf('sourcePort'), txid: sigmaOf('txid') },
    runDir,
  };
}

/** Short column headings in the paper's order (its seven columns, then Recommendations #2 and #6). */
export const FLEET_HEADINGS: Record<TableIColumn, string> = {
  secureDns: 'Secure DNS',
  randomSourcePort: 'Src port',
  randomTxid: 'TXID',
  queryConsistency: 'Query cons.',
  modifiedRrResilience: 'Mod. RR',
  forgedTtlResilience: 'Forged TTL',
  dosResilience: 'DoS',
  dhcpResolverOnly: 'Rec #2',
  backoff: 'Rec #6',
};
export const FLEET_MARKS: Record<TableICell, string> = { pass: '✓', fail: '✗', 'not-assessed': '–' };
/** Where the paper's seven columns end and Recommendations #2 and #6 begin. */
export const PAPER_COLUMNS = 7;

const TEMPLATE_FILE = join(import.meta.dirname, '..', '..', 'templates', 'fleet-summary.txt.hbs');
let template: Handlebars.TemplateDelegate | undefined;

function centre(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return `${' '.repeat(left)}${text}`.padEnd(width);
}

/** One line of the table: the name, then one cell per column, a bar before Rec #2. */
function line(name: string, cells: readonly string[], nameWidth: number): string {
  const parts = TABLE_I_COLUMNS.map((column, i) => centre(cells[i]!, FLEET_HEADINGS[column].length));
  return `${name.padEnd(nameWidth)}  ${parts.slice(0, PAPER_COLUMNS).join('  ')}  │ ${parts.slice(PAPER_COLUMNS).join('  ')}`;
}

/** The name a row goes by: the paper's, else the DUT id. */
export function nameOf(row: FleetRow): string {
  return row.paperName ?? row.device;
}

/** One σ with its class: a run's to one decimal (`4424.0 GREAT`), the paper's as printed there; null when unknown. */
export function sigmaWithClass(value: number | null, cls: OarcClass | null, asPrinted = false): string | null {
  return value === null ? null : `${asPrinted ? value : value.toFixed(1)} ${cls}`;
}

/** How a row compares with the paper's, in words. */
export function paperVerdict(row: FleetRow): string {
  if (row.expected === null) return '(no paper row)';
  if (row.differences.length === 0) return '= paper';
  return `≠ paper: ${row.differences.map((c) => `${FLEET_HEADINGS[c]} ${FLEET_MARKS[row.tableI[c]]} (paper ${FLEET_MARKS[row.expected![c]!]})`).join(', ')}`;
}

/** Rows equal to the paper's, and σ values in the paper's class, of all that could be compared. */
export function fleetCounts(rows: readonly FleetRow[]): {
  matching: number;
  compared: number;
  sameClass: number;
  classes: number;
} {
  const compared = rows.filter((r) => r.expected !== null);
  const classes = rows.flatMap((r) => [r.sigma.sourcePort, r.sigma.txid]).filter((s) => s.sameClass !== null);
  return {
    matching: compared.filter((r) => r.differences.length === 0).length,
    compared: compared.length,
    sameClass: classes.filter((s) => s.sameClass).length,
    classes: classes.length,
  };
}

function sigmaText(s: SigmaComparison): string {
  if (s.run === null && s.paper === null) return '–';
  const run = sigmaWithClass(s.run, s.runClass) ?? 'no sample';
  if (s.paper === null) return `${run} (paper: no σ)`;
  return `${run} / paper ${sigmaWithClass(s.paper, s.paperClass, true)}${s.sameClass === false ? '  ≠ class' : ''}`;
}

/** The summary as text in the paper's Table I layout, with the σ comparison below it. */
export function renderFleetSummary(rows: readonly FleetRow[]): string {
  template ??= Handlebars.compile(readFileSync(TEMPLATE_FILE, 'utf8'), { noEscape: true });
  const nameWidth = Math.max('Device'.length, ...rows.map((r) => nameOf(r).length));
  const header = line(
    'Device',
    TABLE_I_COLUMNS.map((c) => FLEET_HEADINGS[c]),
    nameWidth,
  );
  const body = rows.map(
    (row) =>
      `${line(
        nameOf(row),
        TABLE_I_COLUMNS.map((c) => FLEET_MARKS[row.tableI[c]]),
        nameWidth,
      )}  ${paperVerdict(row)}`,
  );
  const sigmaWidth = Math.max(...rows.map((r) => sigmaText(r.sigma.sourcePort).length), 'source port'.length);
  const sigma = rows.map(
    (row) =>
      `${nameOf(row).padEnd(nameWidth)}  ${sigmaText(row.sigma.sourcePort).padEnd(sigmaWidth)}  ${sigmaText(row.sigma.txid)}`,
  );
  return template({
    header,
    rule: '─'.repeat(header.length),
    body,
    sigmaHeader: `${'σ (DNS-OARC class)'.padEnd(nameWidth)}  ${'source port: run / paper'.padEnd(sigmaWidth)}  TXID: run / paper`,
    sigma,
    ...fleetCounts(rows),
  });
}
