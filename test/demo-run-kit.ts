/**
 * One `dnsconform demo` for every end-to-end spec that looks at the reference devices'
 * runs: the demo runs every experiment against both devices (about 2–3 minutes), so it runs
 * once per mocha process, on first use, and each spec reads the same run directories and
 * output. Specs that change a file there put it back before they finish; the directory is
 * removed when the process exits.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../lib/report/report-types.ts';
import { runCli } from './cli-process.ts';

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

/** Long enough for the demo plan on a loaded machine: the spec's hooks wait this long. */
export const DEMO_TIMEOUT_MS = 420_000;

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
  for (const runId of readdirSync(out).filter((name) => !name.endsWith('.tar.gz'))) {
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
