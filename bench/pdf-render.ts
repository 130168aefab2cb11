/**
 * How long issuing the PDF of a finished run takes: report.json → HTML → Chromium → signed
 * PDF, as `writeReportDocuments` does it at the end of a run (a fresh Chromium each time).
 *
 *   npx tsx bench/pdf-render.ts [RUN_DIR] [--reps N] [--keys DIR]
 *
 * RUN_DIR is a finished run (`dnsconform demo --out DIR` makes some); without it the
 * sample run of the report tests is used. The PDF is signed with `--keys`' lab-pdf.p12, or
 * with a throw-away self-signed one. Nothing is written into the run directory. Prints each
 * repetition and the medians; the target is under 5 s. It asserts nothing.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PDFDocument } from 'pdf-lib';
import { finishedSampleRun } from '../lib/report/fixtures/finished-run.ts';
import { removeTempDirs } from '../lib/report/fixtures/sample-run.ts';
import { loadFigures, renderPageFurniture, renderReportHtml } from '../lib/report/html/render-html.ts';
import { findChromium } from '../lib/report/pdf/find-chromium.ts';
import { ensurePdfSigningKey, loadPdfSigningKey } from '../lib/report/pdf/pdf-key.ts';
import { launchBrowser, printPdf } from '../lib/report/pdf/render-pdf.ts';
import { signPdf } from '../lib/report/pdf/sign-pdf.ts';
import type { Report } from '../lib/report/report-types.ts';
import { validateReport } from '../lib/report/validate-report.ts';

const TARGET_SECONDS = 5;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { reps: { type: 'string', default: '5' }, keys: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help) {
  console.log('npx tsx bench/pdf-render.ts [RUN_DIR] [--reps N] [--keys DIR]');
  process.exit(0);
}
const reps = Number(values.reps);
if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps ${values.reps}: a whole number of at least 1`);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  let runDir = positionals[0];
  let report: Report;
  if (runDir === undefined) {
    const sample = await finishedSampleRun();
    runDir = sample.runDir;
    report = sample.report;
    console.log(
      `no RUN_DIR given: the sample run of the tests (${report.results.length} checks, ${report.observation.phases.length} phases)`,
    );
  } else {
    report = validateReport(JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')), join(runDir, 'report.json'));
  }
  const scratchKeys = values.keys === undefined ? mkdtempSync(join(tmpdir(), 'dnsconform-bench-keys-')) : undefined;
  const keyDir = values.keys ?? scratchKeys!;
  ensurePdfSigningKey(keyDir);
  const key = loadPdfSigningKey(keyDir);
  const chromium = findChromium();

  console.log(`run        ${runDir}`);
  console.log(
    `report     ${report.runId}: ${report.results.length} checks, ${report.observation.phases.length} phases, ${report.figures?.length ?? 0} figures`,
  );
  console.log(
    `chromium   ${chromium}; ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `reps       ${reps} (plus one warm-up, not counted: the first Chromium start on a machine builds its font cache)`,
  );
  console.log('');
  console.log('rep  html     launch   print    close    sign     total    pages  bytes');

  const rows: Record<'html' | 'launch' | 'print' | 'close' | 'sign' | 'total', number>[] = [];
  for (let rep = 0; rep <= reps; rep += 1) {
    const t0 = performance.now();
    const html = renderReportHtml(report, loadFigures(runDir, report));
    const t1 = performance.now();
    const browser = await launchBrowser(chromium);
    const t2 = performance.now();
    const printed = await printPdf(browser.browser, html, renderPageFurniture(report));
    const t3 = performance.now();
    await browser.close();
    const t4 = performance.now();
    const signed = await signPdf(printed, key, {
      reason: 'bench',
      location: 'bench',
      contactInfo: '',
      title: report.title,
      subject: report.runId,
      keywords: [],
      createdAt: new Date(report.issuedAt),
    });
    const t5 = performance.now();
    const row = { html: t1 - t0, launch: t2 - t1, print: t3 - t2, close: t4 - t3, sign: t5 - t4, total: t5 - t0 };
    const pages = String((await PDFDocument.load(signed)).getPageCount());
    const cells = [row.html, row.launch, row.print, row.close, row.sign, row.total]
      .map((ms) => seconds(ms).padEnd(8))
      .join(' ');
    console.log(`${rep === 0 ? 'w/u' : String(rep).padEnd(3)}  ${cells} ${pages.padEnd(6)} ${signed.length}`);
    if (rep > 0) rows.push(row);
  }
  const med = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
  console.log(
    `med  ${(['html', 'launch', 'print', 'close', 'sign', 'total'] as const).map((k) => seconds(med(k)).padEnd(8)).join(' ')}`,
  );
  console.log('');
  const total = med('total') / 1000;
  console.log(
    `median ${total.toFixed(2)} s for rendering and signing the PDF: ${total < TARGET_SECONDS ? 'under' : 'NOT under'} the ${TARGET_SECONDS} s target`,
  );
  if (scratchKeys) rmSync(scratchKeys, { recursive: true, force: true });
  removeTempDirs();
}

await main();
