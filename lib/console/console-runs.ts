/**
 * The runs the console knows, from two sources: the local run directories (`reports/`, the
 * embedded default) and, when a Redis server is named, the lab's queued runs, whose
 * finished run directories and bundles are in the store. Read-only over both.
 */
import type { Job } from 'bullmq';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { listRunDirs, summariseRunDir } from './run-index.ts';
import type { RunState, RunSummary } from './run-index.ts';
import type { JobProgress, JobResult, RunQueues, RunRequest } from './run-queue.ts';
import type { RunStore } from './run-store.ts';

/** Where the console's runs come from. */
export interface RunSources {
  /** The local run directories. */
  reportsDir: string;
  /** The lab's queues, when a Redis server is named. */
  queues: RunQueues | null;
  /** Where benches store finished runs, when queues are used. */
  store: RunStore | null;
}

/** Where a run the console shows lives. */
export type RunLocation =
  | { kind: 'local'; summary: RunSummary; runDir: string; bundle: string | null }
  | {
      kind: 'job';
      summary: RunSummary;
      job: Job<RunRequest, JobResult>;
      progress: JobProgress | null;
      /** The stored run once finished. */
      runDir: string | null;
      bundle: string | null;
      /** Evidence the store keeps of the run when it failed. */
      evidence: string[];
    };

const JOB_STATES: Record<string, RunState> = {
  waiting: 'queued',
  delayed: 'queued',
  prioritized: 'queued',
  'waiting-children': 'queued',
  active: 'running',
  completed: 'finished',
  failed: 'failed',
};

/** A job's progress as the worker published it, or null before any. */
export function jobProgress(job: Job<RunRequest, JobResult>): JobProgress | null {
  const progress = job.progress as unknown;
  return typeof progress === 'object' && progress !== null && 'events' in progress ? (progress as JobProgress) : null;
}

/** The list row of a queued run. */
export async function summariseJob(job: Job<RunRequest, JobResult>, now = Date.now()): Promise<RunSummary> {
  const state = JOB_STATES[await job.getState()] ?? 'queued';
  const progress = jobProgress(job);
  const result = job.returnvalue ?? null;
  // A run whose bench died is failed by another bench picking it up: its processedOn is then
  // that moment, so the run's own log (as last published) says when it ran.
  const fromLog = state === 'failed' && progress?.startedAt ? Date.parse(progress.startedAt) : null;
  const started = fromLog ?? job.processedOn ?? null;
  const ended = fromLog !== null && progress?.lastEventAt ? Date.parse(progress.lastEventAt) : (job.finishedOn ?? null);
  return {
    key: String(job.id),
    runId: result?.runId ?? progress?.runId ?? null,
    device: (result?.runId ?? progress?.runId ?? '').replace(/^\d{8}T\d{6}Z-/, '') || null,
    profile: job.data.profile,
    plan: job.data.plan,
    bench: result?.bench ?? progress?.bench ?? (job.data.bench !== undefined ? `${job.data.bench} (asked)` : 'any'),
    state,
    verdict: state === 'finished' ? (result?.verdict ?? null) : null,
    startedAt: started === null ? null : new Date(started).toISOString(),
    durationSeconds: started === null ? null : Math.round(((ended ?? now) - started) / 1000),
    failure: state === 'failed' ? (job.failedReason ?? 'failed') : null,
  };
}

/** Every run, queued ones first (newest first), then local ones (newest first). */
export async function listRuns(sources: RunSources): Promise<RunSummary[]> {
  const queued = sources.queues ? await Promise.all((await sources.queues.jobs()).map((job) => summariseJob(job))) : [];
  const local = listRunDirs(sources.reportsDir).map((run) => summariseRunDir(run.path, run.runId, 'local'));
  return [...queued, ...local];
}

/** The run with this key (a local run id or a job id), or null. */
export async function findRun(sources: RunSources, key: string): Promise<RunLocation | null> {
  const localDir = join(sources.reportsDir, key);
  if (listRunDirs(sources.reportsDir).some((run) => run.runId === key)) {
    const bundle = join(sources.reportsDir, `${key}.tar.gz`);
    return {
      kind: 'local',
      summary: summariseRunDir(localDir, key, 'local'),
      runDir: localDir,
      bundle: existsSync(bundle) ? bundle : null,
    };
  }
  if (!sources.queues) return null;
  const job = await sources.queues.job(key);
  if (!job) return null;
  const summary = await summariseJob(job);
  const stored =
    summary.state === 'finished' && summary.runId && sources.store ? await sources.store.getRun(summary.runId) : null;
  const evidence = summary.state === 'failed' && sources.store ? await sources.store.getEvidence(key) : [];
  return {
    kind: 'job',
    summary,
    job,
    progress: jobProgress(job),
    runDir: stored?.runDir ?? null,
    bundle: stored?.bundle ?? null,
    evidence,
  };
}
