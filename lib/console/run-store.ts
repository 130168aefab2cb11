/**
 * Where benches put what their runs produced, for the console to serve: the finished run
 * (its directory and signed bundle) and the evidence of a run that failed. An interface, so
 * that a store the benches upload to (S3-compatible) can stand beside the directory one; the
 * console reads a stored run as a local run directory, which such a store would fetch into
 * a cache first.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { listRunDirs } from './run-index.ts';

/** What a store keeps of one finished run. */
export interface StoredRun {
  runId: string;
  /** A local run directory the console reads (report, figures, documents). */
  runDir: string;
  /** The signed bundle (`<run-id>.tar.gz`) as a local file. */
  bundle: string;
}

/** A store of finished runs and failed runs' evidence. */
export interface RunStore {
  /** Keeps a finished run: its directory and its bundle. Storing the same run twice is refused. */
  putRun(runDir: string, bundle: string): Promise<StoredRun>;
  /** Keeps the evidence of a run that did not finish, under the job that ran it. */
  putEvidence(jobId: string, runDir: string): Promise<string>;
  /** The finished run with this id, or null. */
  getRun(runId: string): Promise<StoredRun | null>;
  /** The evidence kept for a failed job's runs, as local run directories. */
  getEvidence(jobId: string): Promise<string[]>;
  /** Every finished run, newest first. */
  listRuns(): Promise<StoredRun[]>;
  /** Where the store is, for messages. */
  readonly where: string;
}

/**
 * A store in a directory (local, or shared between the benches and the console):
 * `runs/<run-id>/` holds the run directory, `bundles/<run-id>.tar.gz` its bundle and
 * `failed/<job-id>/<run-id>/` a failed run's evidence. Files are copied under a temporary
 * name and renamed, so the console never sees half a run.
 */
export class DirectoryRunStore implements RunStore {
  readonly where: string;

  constructor(dir: string) {
    this.where = resolve(dir);
  }

  private path(...parts: string[]): string {
    return join(this.where, ...parts);
  }

  async putRun(runDir: string, bundle: string): Promise<StoredRun> {
    const runId = basename(resolve(runDir));
    const stored = { runId, runDir: this.path('runs', runId), bundle: this.path('bundles', `${runId}.tar.gz`) };
    if (existsSync(stored.runDir)) throw new Error(`${this.where}: run ${runId} is already stored`);
    this.copyIn(runDir, stored.runDir);
    this.copyIn(bundle, stored.bundle);
    return stored;
  }

  async putEvidence(jobId: string, runDir: string): Promise<string> {
    const target = this.path('failed', jobId, basename(resolve(runDir)));
    if (!existsSync(target)) this.copyIn(runDir, target);
    return target;
  }

  async getRun(runId: string): Promise<StoredRun | null> {
    const runDir = this.path('runs', runId);
    const bundle = this.path('bundles', `${runId}.tar.gz`);
    return existsSync(runDir) && existsSync(bundle) ? { runId, runDir, bundle } : null;
  }

  async getEvidence(jobId: string): Promise<string[]> {
    const dir = this.path('failed', jobId);
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.includes('.partial-'))
      .map((entry) => join(dir, entry.name));
  }

  async listRuns(): Promise<StoredRun[]> {
    return listRunDirs(this.path('runs'))
      .filter((run) => !run.runId.includes('.partial-'))
      .map((run) => ({ runId: run.runId, runDir: run.path, bundle: this.path('bundles', `${run.runId}.tar.gz`) }));
  }

  /** Copies a file or directory to `target` through a temporary name beside it. */
  private copyIn(source: string, target: string): void {
    mkdirSync(join(target, '..'), { recursive: true });
    const partial = `${target}.partial-${process.pid}`;
    try {
      cpSync(source, partial, { recursive: true, errorOnExist: true, force: false });
      renameSync(partial, target);
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  }
}
