/**
 * One `dnsconform demo` for every end-to-end spec that looks at the reference devices'
 * runs: the demo runs every experiment against both devices (about 2–3 minutes), so it runs
 * once per mocha process, on first use, and each spec reads the same run directories and
 * output. Specs that change a file there put it back before they finish; the directory is
 * removed when the process exits.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../lib/report/report-types.ts';
import { runCli } from './cli-process-test-kit.ts';

/** The shared demo: where it wrote, what it printed, and each device's run. */
export interface DemoRun {
  work: string;
  /** The run directories and bundles. */
  out: string;
  keys: string;
  code: number;
  /** stdout then stderr. */
  output: string;
  /** Wall time of the demo, seconds (measured here, for the spec's message). */
  seconds: number;
  runs: Map<string, { dir: string; bundle: string; report: Report }>;
}

/**
 * How long the specs' hooks wait for the demo: about 3 minutes at load 5, over 7 at a load
 * average above 100 (measured while several worktrees ran their specs at once).
 */
export const DEMO_TIMEOUT_MS = 720_000;

let shared: Promise<DemoRun> | undefined;

async function runDemo(): Promise<DemoRun> {
  const work = mkdtempSync(join(tmpdir(), 'dnsconform-demo-'));
  process.once('exit', () => rmSync(work, { recursive: true, force: true }));
  const out = join(work, 'reports');
  const keys = join(work, 'keys');
  const started = Date.now();
  const run = await runCli(['demo', '--out', out, '--keys', keys]);
  const seconds = (Date.now() - started) / 1000;
  const runs = new Map<string, { dir: string; bundle: string; report: Report }>();
  // Run directories, each with its bundle (<run-id>.tar.gz) beside it.
  // A demo that failed may leave a run without its report: the specs then fail on its exit code and output, not here.
  for (const runId of (existsSync(out) ? readdirSync(out) : []).filter(
    (name) => !name.endsWith('.tar.gz') && existsSync(join(out, name, 'report.json')),
  )) {
    const dir = join(out, runId);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    runs.set(report.dut.id, { dir, bundle: join(out, `${runId}.tar.gz`), report });
  }
  return { work, out, keys, code: run.code, output: `${run.stdout}${run.stderr}`, seconds, runs };
}

/** The demo run, started on the first call and shared by every later one. */
export function demoRun(): Promise<DemoRun> {
  shared ??= runDemo();
  return shared;
}

// `npm test` (test/run-suite.mjs) asks for the demo as soon as mocha loads this kit, so its
// three minutes overlap the unit specs instead of holding up the first spec that needs it.
// A failure is seen by that spec when it awaits demoRun().
if (process.env['DNSCONFORM_TEST_DEMO_AT_LOAD'] === '1') demoRun().catch(() => undefined);
