/**
 * JUnit XML of a report's checks, for CI systems: one testsuite per report, one testcase per
 * check (classname `dnsconform.<topic>`). FAIL is a <failure>, ERROR (a harness fault) an
 * <error>, INCONCLUSIVE and NOT_APPLICABLE are <skipped> with the reason; PASS and INFO
 * pass, with what was expected and observed in <system-out>.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../checks/check-types.ts';
import { JUNIT_FILE } from './bundle-files.ts';
import type { Report } from './report-types.ts';

/** Characters XML 1.0 cannot carry at all (C0 controls other than tab, LF, CR; lone surrogates; U+FFFE/U+FFFF). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Text as XML character data, or (`attribute`) as an attribute value, where line breaks and
 * tabs are written as references so a parser keeps them; characters XML cannot hold become U+FFFD.
 */
export function xmlEscape(text: string, attribute = false): string {
  const escaped = text.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute
    ? escaped.replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;')
    : escaped;
}

const attributes = (values: Record<string, string | number>): string =>
  Object.entries(values)
    .map(([name, value]) => ` ${name}="${xmlEscape(String(value), true)}"`)
    .join('');

/** The details a person needs beside a verdict. */
function details(result: CheckResult & { reproduce?: string }): string {
  const evidence = result.evidence.map((ref) =>
    ref.kind === 'events'
      ? `${ref.file} events ${ref.seqs.join(', ')}${ref.count > ref.seqs.length ? ` (${ref.count} in all)` : ''}: ${ref.note}${
          ref.capture?.filter
            ? ` [${ref.capture.file} frames ${ref.capture.frames.join(', ')}; display filter: ${ref.capture.filter}]`
            : ''
        }`
      : `time range ${ref.from}–${ref.to} µs: ${ref.note}`,
  );
  return [
    `Verdict: ${result.verdict}`,
    `Requirement: ${result.requirement}`,
    `Decision rule: ${result.decisionRule.text}`,
    `Expected: ${result.expected}`,
    `Observed: ${result.observed}`,
    ...(result.error ? [`Harness error: ${result.error}`] : []),
    ...(evidence.length > 0 ? [`Evidence: ${evidence.join('; ')}`] : []),
    ...(result.reproduce ? [`Reproduce (from the directory holding the run directory): ${result.reproduce}`] : []),
  ].join('\n');
}

function testcase(result: CheckResult & { reproduce?: string }): string {
  const open = `    <testcase${attributes({ classname: `dnsconform.${result.check.split('/')[0]}`, name: `${result.check}: ${result.title}`, time: 0 })}>`;
  const body = details(result);
  const inner =
    result.verdict === 'FAIL'
      ? `      <failure${attributes({ type: 'FAIL', message: result.observed })}>${xmlEscape(body)}</failure>`
      : result.verdict === 'ERROR'
        ? `      <error${attributes({ type: 'ERROR', message: result.error ?? result.observed })}>${xmlEscape(body)}</error>`
        : result.verdict === 'INCONCLUSIVE' || result.verdict === 'NOT_APPLICABLE'
          ? `      <skipped${attributes({ message: `${result.verdict}: ${result.observed}` })}/>\n      <system-out>${xmlEscape(body)}</system-out>`
          : `      <system-out>${xmlEscape(body)}</system-out>`;
  return `${open}\n${inner}\n    </testcase>`;
}

/** The report's checks as a JUnit XML document. */
export function junitXml(report: Report): string {
  const count = (...verdicts: string[]): number => report.results.filter((r) => verdicts.includes(r.verdict)).length;
  const totals = {
    tests: report.results.length,
    failures: count('FAIL'),
    errors: count('ERROR'),
    skipped: count('INCONCLUSIVE', 'NOT_APPLICABLE'),
    time: Math.max(0, (Date.parse(report.endedAt) - Date.parse(report.startedAt)) / 1000),
  };
  const harness = `${report.harness.name} ${report.harness.version}${report.harness.gitCommit ? ` (${report.harness.gitCommit})` : ''}`;
  const properties = {
    runId: report.runId,
    dut: `${report.dut.vendor} ${report.dut.model} (${report.dut.id})`,
    overall: report.overall.verdict,
    overallDecisionRule: report.overall.decisionRule,
    harness,
  };
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attributes({ name: 'dnsconform', ...totals })}>`,
    `  <testsuite${attributes({ name: `${report.dut.id} ${report.runId}`, ...totals, timestamp: report.startedAt })}>`,
    '    <properties>',
    ...Object.entries(properties).map(([name, value]) => `      <property${attributes({ name, value })}/>`),
    '    </properties>',
    ...report.results.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/**
 * Writes `junit.xml` into a run directory (created new, never replacing one). In a finalised
 * run only before the manifest is written, or the manifest will not list it: to convert a
 * finalised run, write {@link junitXml} elsewhere (`dnsconform junit RUN --out FILE`).
 */
export function writeJUnit(runDir: string, report: Report, file: string = join(runDir, JUNIT_FILE)): string {
  writeFileSync(file, junitXml(report), { flag: 'wx', flush: true });
  return file;
}
