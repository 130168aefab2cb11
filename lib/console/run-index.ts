/**
 * The runs of a folder of run directories (`reports/`, a store's `runs/`), as the console
 * lists them. Only reads: a run directory is evidence, and the console never writes to one.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FAILED_TO_START_SUFFIX, RUN_FILES } from '../evidence/run-directory.ts';
import type { Report } from '../report/report-types.ts';
import { RunProgressTail } from './run-progress.ts';
import type { RunProgress } from './run-progress.ts';

/** Where a run is in its life, as the console shows it. */
export type RunState = 'queued' | 'running' | 'finished' | 'failed' | 'failed-to-start' | 'unfinished';

/** One run as the runs list shows it. */
export interface RunSummary {
  /** The console's key for the run: the run id of a local run, the job id of a queued one. */
  key: string;
  /** The run id once the run directory exists. */
  runId: string | null;
  device: string | null;
  profile: string | null;
  plan: string | null;
  bench: string;
  state: RunState;
  verdict: string | null;
  startedAt: string | null;
  durationSeconds: number | null;
  /** Why it failed, when it did. */
  failure: string | null;
}

/**
 * Seconds without a new event after which a local run with no report and no `run.end` counts
 * as unfinished (its harness gone) rather than running: a phase writes liveness probes and
 * queries every second or so, so a minute of silence is not a run observing.
 */
export const SILENT_RUN_SECONDS = 60;

/** Reads `report.json` of a finalised run, or null when there is none (or it does not parse: verify says why). */
export function readReport(runDir: string): Report | null {
  const file = join(runDir, RUN_FILES.report);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Report;
  } catch {
    return null;
  }
}

/** The summary of one run directory, named `bench` in the list. */
export function summariseRunDir(runDir: string, runId: string, bench: string, now = Date.now()): RunSummary {
  const report = readReport(runDir);
  if (report) {
    const started = Date.parse(report.startedAt);
    const ended = Date.parse(report.endedAt);
    return {
      key: runId,
      runId,
      device: report.dut.id,
      profile: null,
      plan: report.scope?.plan ?? null,
      bench,
      state: 'finished',
      verdict: report.overall.verdict,
      startedAt: report.startedAt,
      durationSeconds: Number.isNaN(started) || Number.isNaN(ended) ? null : Math.round((ended - started) / 1000),
      failure: null,
    };
  }
  const progress = new RunProgressTail(runDir).read();
  const failedToStart = runId.endsWith(FAILED_TO_START_SUFFIX);
  const last = progress.lastEventAt === null ? Number.NaN : Date.parse(progress.lastEventAt);
  const silent = Number.isNaN(last) || now - last > SILENT_RUN_SECONDS * 1000;
  const state: RunState = failedToStart
    ? 'failed-to-start'
    : progress.ended !== null || silent
      ? 'unfinished'
      : 'running';
  return {
    key: runId,
    runId,
    device: runId.replace(/^\d{8}T\d{6}Z-/, '').replace(FAILED_TO_START_SUFFIX, ''),
    profile: null,
    plan: null,
    bench,
    state,
    verdict: null,
    startedAt: progress.startedAt,
    durationSeconds: durationOf(progress, now),
    failure: failedToStart ? (progress.ended?.reason ?? 'failed to start') : null,
  };
}

/** Seconds from the first event to the last (or to now while running). */
export function durationOf(progress: RunProgress, now = Date.now()): number | null {
  if (progress.startedAt === null) return null;
  const end = progress.ended !== null && progress.lastEventAt !== null ? Date.parse(progress.lastEventAt) : now;
  return Math.max(0, Math.round((end - Date.parse(progress.startedAt)) / 1000));
}

/** Whether `dir` holds a run: its evidence log or report. */
export function isRunDir(dir: string): boolean {
  return existsSync(join(dir, RUN_FILES.events)) || existsSync(join(dir, RUN_FILES.report));
}

/** The run directories directly inside `folder`, by run id, newest first (run ids begin with their UTC time). */
export function listRunDirs(folder: string): { runId: string; path: string }[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && isRunDir(join(folder, entry.name)))
    .map((entry) => ({ runId: entry.name, path: join(folder, entry.name) }))
    .sort((a, b) => (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
}

/** A run id as it may appear in a URL: what createFreshRunDirectory makes, never a path. */
export const RUN_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
