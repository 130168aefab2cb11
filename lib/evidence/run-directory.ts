/**
 * A run directory, `<out>/<run-id>/`: the profile exactly as used, the evidence log, and
 * the device's own log. It is created fresh for every run and never reused, so evidence
 * from two runs can never mix.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { badPath } from './bad-input.ts';
import { EventLog } from './event-log.ts';

/** File names inside a run directory. */
export const RUN_FILES = {
  events: 'events.ndjson',
  profile: 'profile.yaml',
  deviceLog: 'device.log',
  report: 'report.json',
  manifest: 'manifest.json',
  capture: 'capture.pcapng',
} as const;

export interface RunDirectory {
  runId: string;
  path: string;
  log: EventLog;
}

/** `20261123T101500Z`: sortable, filesystem-safe UTC time. */
export function compactUtc(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Creates a fresh `<out>/<time>-<dut>` directory (with `-2`, `-3`... if taken) and returns
 * its run id and path. Never reuses a directory, so evidence from two runs cannot mix.
 */
export function createFreshRunDirectory(
  outDir: string,
  dutId: string,
  startedAt: Date,
): { runId: string; path: string } {
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw badPath(error, outDir, 'output directory');
  }
  const base = `${compactUtc(startedAt)}-${dutId}`;
  for (let n = 1; ; n += 1) {
    const runId = n === 1 ? base : `${base}-${n}`;
    const path = join(outDir, runId);
    try {
      mkdirSync(path);
      return { runId, path };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw badPath(error, path, 'run directory');
    }
  }
}

/** Suffix of a run directory whose run failed before observation began. */
export const FAILED_TO_START_SUFFIX = '-failed-to-start';

/**
 * Marks a run that failed before observation began (its evidence log closed, ending in a
 * `run.end` with the reason): the directory is renamed `<run-id>-failed-to-start`, so no
 * one takes it for a run, and nothing in it is deleted. Returns the new path.
 */
export function markFailedToStart(path: string): string {
  const failed = `${path}${FAILED_TO_START_SUFFIX}`;
  renameSync(path, failed);
  return failed;
}

/** Creates the run directory, copies the profile bytes in and opens the evidence log. */
export function createRunDirectory(outDir: string, dutId: string, startedAt: Date, profileText: string): RunDirectory {
  const { runId, path } = createFreshRunDirectory(outDir, dutId, startedAt);
  writeFileSync(join(path, RUN_FILES.profile), profileText, { flag: 'wx' });
  return { runId, path, log: new EventLog(join(path, RUN_FILES.events)) };
}
