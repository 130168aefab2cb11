/**
 * The diff as the user gets it: validated JSON (diff.json, against the published
 * diff.schema.json), terminal lines, and the regression report as HTML and a signed PDF in
 * the conformance reports' style (the same stylesheet, printed by the same Chromium and
 * signed with the same lab certificate).
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { loadPdfSigningKey } from '../report/pdf/pdf-key.ts';
import { renderPdf } from '../report/pdf/render-pdf.ts';
import { signPdf } from '../report/pdf/sign-pdf.ts';
import { timestampAuthority } from '../report/lab-config.ts';
import type { MetricDelta, RunDiff } from './run-diff.ts';
import { precompiled } from '../input/yaml-input.ts';
import validateDiffSchema from './diff.validator.generated.ts';

export const DIFF_JSON = 'diff.json';
export const DIFF_HTML = 'diff.html';
export const DIFF_PDF = 'diff.pdf';

const validateSchema = precompiled<RunDiff>(validateDiffSchema);

/** Checks a diff against its schema; throws listing every problem with its JSON pointer (a harness fault when we wrote it). */
export function validateDiff(diff: unknown): RunDiff {
  if (!validateSchema(diff)) {
    throw new Error(
      `diff does not match diff.schema.json: ${(validateSchema.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ')}`,
    );
  }
  return diff;
}

/** A metric value for people: integers as they are, others to 3 significant digits. */
function formatNumber(value: number | null, unit = ''): string {
  if (value === null) return '–';
  const text = Number.isInteger(value)
    ? String(value)
    : unit.startsWith('share')
      ? `${(value * 100).toFixed(1)} %`
      : value.toPrecision(3);
  return text;
}

function formatDelta(metric: MetricDelta): string {
  if (metric.delta === null) return '–';
  const sign = metric.delta > 0 ? '+' : '';
  return metric.unit.startsWith('share')
    ? `${sign}${(metric.delta * 100).toFixed(1)} pp`
    : `${sign}${formatNumber(metric.delta)}`;
}

function significanceText(metric: MetricDelta): string {
  const s = metric.significance;
  if (s.significant === null) return `not judged: ${s.note ?? 'no test'}`;
  // simple-statistics' normal table ends at z = 3.09, so the smallest p it gives is 0.002.
  const p = s.pValue === null ? '' : s.pValue <= 0.002 ? ' (p ≤ 0.002)' : ` (p = ${s.pValue.toFixed(4)})`;
  return `${s.significant ? 'significant' : 'within noise'}${p}${s.note ? `; ${s.note}` : ''}`;
}

/** The diff for the terminal, one fact a line, ending with the outcome. */
export function renderDiffTerminal(diff: RunDiff): string {
  const lines: string[] = [];
  lines.push(
    `diff A ${diff.a.dut.id} ${diff.a.runId} (firmware ${diff.a.dut.firmware ?? 'not stated'}, ${diff.a.overall})`,
  );
  lines.push(
    `  →  B ${diff.b.dut.id} ${diff.b.runId} (firmware ${diff.b.dut.firmware ?? 'not stated'}, ${diff.b.overall})`,
  );
  lines.push(`both verified: A ${diff.a.verifiedFiles} files, B ${diff.b.verifiedFiles} files`);
  if (!diff.sameDevice) lines.push('note: A and B are different devices');
  lines.push('', `verdict changes: ${diff.verdictChanges.length} (${diff.unchangedChecks} checks unchanged)`);
  const width = Math.max(0, ...diff.verdictChanges.map((c) => c.check.length));
  for (const c of diff.verdictChanges)
    lines.push(`  ${c.check.padEnd(width)}  ${(c.a ?? '—').padEnd(14)} → ${(c.b ?? '—').padEnd(14)} ${c.kind}`);
  lines.push('', `Table I changes: ${diff.tableI.length === 0 ? 'none' : ''}`);
  for (const t of diff.tableI)
    lines.push(`  ${t.heading.padEnd(32)} ${t.a.padEnd(12)} → ${t.b}${t.regressed ? '  (regressed)' : ''}`);
  lines.push('', 'metrics (A → B, Δ, significance):');
  for (const m of diff.metrics) {
    lines.push(
      `  ${m.label.padEnd(44)} ${formatNumber(m.a, m.unit)} → ${formatNumber(m.b, m.unit)}  Δ ${formatDelta(m)}  n ${m.nA}/${m.nB}  ${significanceText(m)}`,
    );
  }
  const list = (items: string[]) => (items.length === 0 ? 'none' : items.join(', '));
  lines.push(
    '',
    `names: ${diff.names.common} in both; added ${list(diff.names.added)}; removed ${list(diff.names.removed)}`,
  );
  lines.push(`unassigned resolvers: added ${list(diff.resolvers.added)}; removed ${list(diff.resolvers.removed)}`);
  lines.push(
    `experiments newly failed: ${list(diff.newlyFailedExperiments.map((e) => `${e.experiment} (${e.checks.join(', ')})`))}`,
  );
  lines.push(
    '',
    diff.regressions.length === 0
      ? 'B does not regress'
      : `B REGRESSES:\n${diff.regressions.map((r) => `  ${r}`).join('\n')}`,
  );
  return lines.join('\n');
}

const TEMPLATE_DIR = join(import.meta.dirname, '..', '..', 'templates');
let templates: { page: Handlebars.TemplateDelegate; footer: Handlebars.TemplateDelegate } | undefined;

function compile(): NonNullable<typeof templates> {
  const hbs = Handlebars.create();
  hbs.registerPartial('reportStyle', readFileSync(join(TEMPLATE_DIR, 'report.css.hbs'), 'utf8'));
  hbs.registerHelper('join', (items: unknown) => (Array.isArray(items) ? items.join(', ') : ''));
  const load = (name: string) => hbs.compile(readFileSync(join(TEMPLATE_DIR, name), 'utf8'));
  return { page: load('diff.html.hbs'), footer: load('diff-page-footer.html.hbs') };
}

/** The regression report as HTML. */
export function renderDiffHtml(diff: RunDiff, generatedAt: string): string {
  templates ??= compile();
  return templates.page({
    ...diff,
    generatedAt,
    regressed: diff.regressions.length > 0,
    aFirmware: diff.a.dut.firmware ?? 'not stated',
    bFirmware: diff.b.dut.firmware ?? 'not stated',
    metrics: diff.metrics.map((m) => ({
      ...m,
      aText: formatNumber(m.a, m.unit),
      bText: formatNumber(m.b, m.unit),
      deltaText: formatDelta(m),
      significanceText: significanceText(m),
    })),
  });
}

/** Writes diff.json, diff.html and the signed diff.pdf into `outDir`; returns their paths. */
export async function writeDiffDocuments(
  outDir: string,
  diff: RunDiff,
  keyDir: string,
  generatedAt: string,
): Promise<{ json: string; html: string; pdf: string }> {
  templates ??= compile();
  await mkdir(outDir, { recursive: true });
  const html = renderDiffHtml(diff, generatedAt);
  const printed = await renderPdf(html, { headerTemplate: '<span></span>', footerTemplate: templates.footer(diff) });
  const pdf = await signPdf(printed, loadPdfSigningKey(keyDir), {
    reason:
      diff.regressions.length === 0
        ? 'Regression report: B does not regress'
        : `Regression report: B regresses (${diff.regressions.length})`,
    location: 'dnsconform test harness',
    contactInfo: '',
    title: `dnsconform regression report — ${diff.a.runId} → ${diff.b.runId}`,
    subject: `${diff.a.dut.id} ${diff.a.dut.firmware ?? ''} → ${diff.b.dut.id} ${diff.b.dut.firmware ?? ''}`,
    keywords: ['dnsconform', 'diff', diff.a.dut.id, diff.b.dut.id],
    createdAt: new Date(generatedAt),
    tsaUrl: timestampAuthority(keyDir),
  });
  const paths = { json: join(outDir, DIFF_JSON), html: join(outDir, DIFF_HTML), pdf: join(outDir, DIFF_PDF) };
  await writeFile(paths.json, `${JSON.stringify(diff, null, 2)}\n`, { flush: true });
  await writeFile(paths.html, html, { flush: true });
  await writeFile(paths.pdf, pdf, { flush: true });
  return paths;
}
