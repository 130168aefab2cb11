/**
 * The fleet summary as documents: `fleet-summary.html` and `fleet-summary.pdf` (printed by
 * Chromium, signed with the lab's certificate, as each device's report.pdf is), beside
 * `fleet-summary.json` in the directory of the fleet's runs. Like the JSON, they describe the
 * latest fleet run in that directory and replace an earlier one's (each device's run
 * directory, signed and hashed, is never touched).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { TABLE_I_COLUMNS } from '../checks/check-types.ts';
import {
  FLEET_HEADINGS,
  FLEET_MARKS,
  PAPER_COLUMNS,
  fleetCounts,
  nameOf,
  paperVerdict,
  sigmaWithClass,
} from './fleet-summary.ts';
import type { FleetRow } from './fleet-summary.ts';
import { loadPdfSigningKey } from './pdf/pdf-key.ts';
import { renderPdf } from './pdf/render-pdf.ts';
import { signPdf } from './pdf/sign-pdf.ts';
import { timestampAuthority } from './lab-config.ts';
import { TABLE_I_RULE } from './table-i.ts';

export const FLEET_SUMMARY_HTML = 'fleet-summary.html';
export const FLEET_SUMMARY_PDF = 'fleet-summary.pdf';

/** What the summary says about the run as a whole. */
export interface FleetSummaryInfo {
  /** When the summary was made (ISO 8601). */
  generatedAt: string;
  /** The plan the fleet ran (`quick`, a file). */
  plan: string;
  /** The window every phase was given (`--window`), null when the plan's own. */
  windowSeconds: number | null;
}

const TEMPLATE_DIR = join(import.meta.dirname, '..', '..', 'templates');
let templates: { page: Handlebars.TemplateDelegate; footer: Handlebars.TemplateDelegate } | undefined;

function compile(): NonNullable<typeof templates> {
  const hbs = Handlebars.create();
  // The per-device reports' style, so the summary reads like them.
  hbs.registerPartial('reportStyle', readFileSync(join(TEMPLATE_DIR, 'report.css.hbs'), 'utf8'));
  const load = (name: string) => hbs.compile(readFileSync(join(TEMPLATE_DIR, name), 'utf8'));
  return { page: load('fleet-summary.html.hbs'), footer: load('fleet-summary-page-footer.html.hbs') };
}

/** The HTML document of the summary. */
export function renderFleetSummaryHtml(rows: readonly FleetRow[], info: FleetSummaryInfo): string {
  templates ??= compile();
  const counts = fleetCounts(rows);
  return templates.page({
    ...info,
    window: info.windowSeconds,
    devices: rows.length,
    ...counts,
    allMatch: counts.matching === counts.compared,
    rule: TABLE_I_RULE,
    headings: TABLE_I_COLUMNS.map((column, i) => ({ text: FLEET_HEADINGS[column], rec: i === PAPER_COLUMNS })),
    rows: rows.map((row) => ({
      name: nameOf(row),
      device: row.device,
      runDir: row.runDir,
      verdict: paperVerdict(row),
      cells: TABLE_I_COLUMNS.map((column, i) => ({
        cell: row.tableI[column],
        mark: FLEET_MARKS[row.tableI[column]],
        rec: i === PAPER_COLUMNS,
        differs: row.differences.includes(column),
        paperMark: row.expected?.[column] ? FLEET_MARKS[row.expected[column]!] : '',
      })),
    })),
    sigma: rows.map((row) => {
      const cells = (s: FleetRow['sigma']['sourcePort']) => ({
        run: sigmaWithClass(s.run, s.runClass) ?? '–',
        paper: `${sigmaWithClass(s.paper, s.paperClass, true) ?? '–'}${s.sameClass === false ? ' (other class)' : ''}`,
      });
      return { name: nameOf(row), port: cells(row.sigma.sourcePort), txid: cells(row.sigma.txid) };
    }),
  });
}

/** Writes fleet-summary.html and the signed fleet-summary.pdf into `outDir`; returns their paths. */
export async function writeFleetSummaryDocuments(
  outDir: string,
  rows: readonly FleetRow[],
  info: FleetSummaryInfo,
  keyDir: string,
): Promise<{ html: string; pdf: string }> {
  templates ??= compile();
  const html = renderFleetSummaryHtml(rows, info);
  const printed = await renderPdf(html, { headerTemplate: '<span></span>', footerTemplate: templates.footer(info) });
  const { matching, compared } = fleetCounts(rows);
  const pdf = await signPdf(printed, loadPdfSigningKey(keyDir), {
    reason: `Fleet summary: ${matching} of ${compared} Table I rows equal the paper's`,
    location: 'dnsconform test harness',
    contactInfo: '',
    title: `dnsconform fleet summary — ${info.generatedAt}`,
    subject: `Table I of "From Lookup to Lockdown" from ${rows.length} simulated devices`,
    keywords: ['dnsconform', 'fleet', 'Table I', ...rows.map((r) => r.device)],
    createdAt: new Date(info.generatedAt),
    tsaUrl: timestampAuthority(keyDir),
  });
  const paths = { html: join(outDir, FLEET_SUMMARY_HTML), pdf: join(outDir, FLEET_SUMMARY_PDF) };
  await writeFile(paths.html, html, { flush: true });
  await writeFile(paths.pdf, pdf, { flush: true });
  return paths;
}
