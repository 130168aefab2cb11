/**
 * The documents a person reads, made from a finished run's report.json: `report.html`
 * and `report.pdf` (printed by Chromium, signed with the lab's certificate). Both are
 * created new, never over an existing file. Call after report.json is written and signed
 * and before the manifest, so the manifest digests them too.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadFigures, renderPageFurniture, renderReportHtml } from './html/render-html.ts';
import { loadPdfSigningKey } from './pdf/pdf-key.ts';
import type { PdfSigningKey } from './pdf/pdf-key.ts';
import { renderPdf } from './pdf/render-pdf.ts';
import { signPdf } from './pdf/sign-pdf.ts';
import { timestampAuthority } from './lab-config.ts';
import type { Report } from './report-types.ts';
import { REPORT_HTML_FILE, REPORT_PDF_FILE } from './bundle-files.ts';
import { markStage } from '../evidence/stage-marks.ts';

export { REPORT_HTML_FILE, REPORT_PDF_FILE };

/** A report document is already there; it is never replaced. */
export class ReportDocumentExistsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReportDocumentExistsError';
  }
}

/** The HTML and the signed PDF of a report, in memory. */
export async function renderReportDocuments(
  runDir: string,
  report: Report,
  key: PdfSigningKey,
  chromium?: string,
  tsaUrl: string | null = null,
): Promise<{ html: string; pdf: Buffer }> {
  const html = renderReportHtml(report, loadFigures(runDir, report));
  markStage('report.html');
  const printed = await renderPdf(html, renderPageFurniture(report), chromium);
  markStage('printed');
  const pdf = await signPdf(printed, key, {
    reason:
      `Test report ${report.runId}: ${report.overall.verdict.replace(/_/g, ' ')}; results relate only to the item tested` +
      (report.issuer
        ? `; authorised by ${report.issuer.signatory.name}, ${report.issuer.signatory.function}`
        : '; not for certification (no laboratory configured)'),
    location: report.issuer
      ? `${report.issuer.laboratory.name}, ${report.issuer.laboratory.address}`
      : 'dnsconform test harness (no laboratory configured)',
    contactInfo: report.issuer?.laboratory.accreditation
      ? `accredited by ${report.issuer.laboratory.accreditation.body}, No. ${report.issuer.laboratory.accreditation.number}`
      : '',
    title: `${report.title} — ${report.runId}`,
    subject: `${report.dut.vendor} ${report.dut.model}: ${report.overall.verdict}`,
    keywords: [report.runId, report.dut.id, 'dnsconform', 'DNS', 'IoT'],
    createdAt: new Date(report.issuedAt),
    tsaUrl,
  });
  markStage('signed');
  return { html, pdf };
}

/**
 * Writes `report.html` and `report.pdf` of `report` (the run's report.json) into `outDir`
 * (the run directory unless given), signing the PDF with the P12 of `keyDir`. The charts
 * are read from `runDir`. Fails before writing anything when either file exists, the
 * key is missing, Chromium is missing, or a chart does not match its digest.
 */
export async function writeReportDocuments(
  runDir: string,
  report: Report,
  keyDir: string,
  outDir: string = runDir,
): Promise<{ html: string; pdf: string }> {
  const paths = { html: join(outDir, REPORT_HTML_FILE), pdf: join(outDir, REPORT_PDF_FILE) };
  const existing = Object.values(paths).filter((path) => existsSync(path));
  if (existing.length > 0)
    throw new ReportDocumentExistsError(
      `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; a report document is never rewritten`,
    );
  const { html, pdf } = await renderReportDocuments(
    runDir,
    report,
    loadPdfSigningKey(keyDir),
    undefined,
    timestampAuthority(keyDir),
  );
  // Created new (wx) and flushed, as finaliseRun writes the rest of the run.
  await writeFile(paths.html, html, { flag: 'wx', flush: true });
  await writeFile(paths.pdf, pdf, { flag: 'wx', flush: true });
  return paths;
}
