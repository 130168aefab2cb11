/**
 * A bench's worker: takes queued runs for the profiles the bench serves (and runs queued for
 * the bench by name), one at a time, runs each through the harness's own run path (given by
 * the caller, so this stage does not reach into the command line), publishes its progress
 * from the run's evidence log, and puts the finished run and its signed bundle in the store.
 *
 * Never two executions of one run at once, by BullMQ's job lock: the worker holding a job
 * renews its lock every `lockSeconds / 2`; a worker that dies stops renewing, and the next
 * stalled-job check of any worker on that queue (every `stalledSeconds`) finds the lock
 * expired and, with `maxStalledCount: 0`, moves the job to failed instead of giving it to
 * another worker. A failed run is retried only by someone asking for it, as a new job.
 * Its evidence stays where the session wrote it (the worker's work folder); the worker puts
 * it in the store when the run fails in the worker, or when the worker starts again after
 * dying.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { listRunDirs } from './run-index.ts';
import { RunProgressTail } from './run-progress.ts';
import { BENCH_REFRESH_MS, RunQueues, benchQueue, profileQueue } from './run-queue.ts';
import type { BenchInfo, JobProgress, JobResult, RunRequest } from './run-queue.ts';
import type { RunStore } from './run-store.ts';

/** What the harness's run path produced for one queued run. */
export interface RunExecution {
  runDir: string;
  bundle: string;
  verdict: string;
  bundleSha256: string;
}

/** Runs one queued run of the profile in `profileFile`, creating its run directory in `out`. */
export type RunExecutor = (request: RunRequest, profileFile: string, out: string) => Promise<RunExecution>;

export interface BenchWorkerOptions {
  bench: string;
  redis: () => Redis;
  /** The profiles this bench serves: name → profile file. */
  profiles: ReadonlyMap<string, string>;
  store: RunStore;
  /** Where this bench's sessions write their run directories, one folder per job. */
  workDir: string;
  execute: RunExecutor;
  /** The number of phases a plan runs, when known, for the progress shown. */
  phasesOf?: (plan: string) => number | null;
  /** BullMQ lock duration and stalled-job check interval, in seconds. */
  lockSeconds: number;
  stalledSeconds: number;
  log: (line: string) => void;
}

/** Marks a job folder whose run was stored (finished or its evidence kept). */
const STORED_MARK = '.stored';

/** How long a job that reached a busy bench waits before any bench may take it again. */
const BUSY_HANDBACK_MS = 1000;

/** A bench taking runs from the lab's queues. */
export class BenchWorker {
  private readonly workers: Worker<RunRequest, JobResult>[] = [];
  private readonly queues: RunQueues;
  private running: string | null = null;
  private announceTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = new Date().toISOString();

  constructor(private readonly options: BenchWorkerOptions) {
    this.queues = new RunQueues(options.redis());
  }

  /** The queues this bench listens on: its own, then its profiles'. */
  queueNames(): string[] {
    return [benchQueue(this.options.bench), ...[...this.options.profiles.keys()].map(profileQueue)];
  }

  async start(): Promise<void> {
    const { options } = this;
    mkdirSync(options.workDir, { recursive: true });
    await this.salvage();
    await this.announce();
    this.announceTimer = setInterval(() => {
      this.announce().catch((error: Error) => options.log(`could not announce the bench: ${error.message}`));
    }, BENCH_REFRESH_MS);
    for (const name of this.queueNames()) {
      const worker = new Worker<RunRequest, JobResult>(name, (job, token) => this.process(job, token), {
        connection: options.redis(),
        concurrency: 1,
        lockDuration: options.lockSeconds * 1000,
        stalledInterval: options.stalledSeconds * 1000,
        maxStalledCount: 0,
      });
      worker.on('failed', (job, error) => {
        if (job && !(error instanceof DelayedError))
          options.log(`run ${job.id} failed: ${error.message.split('\n')[0] ?? ''}`);
      });
      worker.on('error', (error) => options.log(`queue ${name}: ${error.message}`));
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    options.log(
      `bench ${options.bench} takes runs for ${[...options.profiles.keys()].join(', ')} (queues ${this.queueNames().join(', ')})`,
    );
  }

  private async announce(): Promise<void> {
    const info: BenchInfo = {
      bench: this.options.bench,
      profiles: [...this.options.profiles.keys()],
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      running: this.running,
    };
    await this.queues.announce(info, this.queueNames());
  }

  /**
   * Evidence of runs this bench began and never stored (the worker died mid-run) goes into
   * the store under its job, so the console can show it beside the failed run.
   */
  private async salvage(): Promise<void> {
    const { workDir, store, log } = this.options;
    for (const entry of readdirSync(workDir, { withFileTypes: true })) {
      const jobDir = join(workDir, entry.name);
      if (!entry.isDirectory() || existsSync(join(jobDir, STORED_MARK))) continue;
      for (const run of listRunDirs(jobDir)) {
        const kept = await store.putEvidence(entry.name, run.path);
        log(`run ${entry.name} did not finish on this bench before; its evidence is kept in ${kept}`);
      }
      writeFileSync(join(jobDir, STORED_MARK), 'evidence\n');
    }
  }

  private async process(job: Job<RunRequest, JobResult>, token: string | undefined): Promise<JobResult> {
    const { options } = this;
    if (this.running !== null) {
      // Another of this bench's queues handed it a run while it runs one: it goes back for any
      // bench (this one included) to take when free. The other queues' workers are not paused
      // instead: a paused BullMQ worker stops its stalled-job checks, and those are what mark
      // another bench's run failed when that bench dies.
      await job.moveToDelayed(Date.now() + BUSY_HANDBACK_MS, token);
      throw new DelayedError();
    }
    const profileFile = options.profiles.get(job.data.profile);
    if (profileFile === undefined)
      throw new UnrecoverableError(
        `bench ${options.bench} does not serve profile "${job.data.profile}" (it serves ${[...options.profiles.keys()].join(', ')})`,
      );
    const id = String(job.id);
    this.running = id;
    await this.announce();
    options.log(`run ${id}: ${job.data.profile} under plan ${job.data.plan}`);
    const out = join(options.workDir, id);
    mkdirSync(out, { recursive: true });
    let tail: RunProgressTail | null = null;
    const publish = async (): Promise<void> => {
      const run = listRunDirs(out)[0];
      if (run && !tail) tail = new RunProgressTail(run.path, options.phasesOf?.(job.data.plan) ?? null);
      const progress: JobProgress = {
        ...(tail?.read() ?? new RunProgressTail(out).progress),
        bench: options.bench,
        runId: run?.runId ?? null,
        runDir: run?.path ?? null,
      };
      await job.updateProgress(progress as unknown as object);
    };
    await publish();
    const timer = setInterval(() => {
      publish().catch((error: Error) => options.log(`run ${id}: could not publish progress: ${error.message}`));
    }, 1000);
    try {
      const execution = await options.execute(job.data, profileFile, out);
      clearInterval(timer);
      await publish();
      const stored = await options.store.putRun(execution.runDir, execution.bundle);
      writeFileSync(join(out, STORED_MARK), `run ${stored.runId}\n`);
      options.log(`run ${id}: ${execution.verdict}, stored in ${options.store.where}`);
      return {
        bench: options.bench,
        runId: stored.runId,
        verdict: execution.verdict,
        bundleSha256: execution.bundleSha256,
      };
    } catch (error) {
      clearInterval(timer);
      for (const run of listRunDirs(out)) await options.store.putEvidence(id, run.path);
      writeFileSync(join(out, STORED_MARK), 'evidence\n');
      throw error;
    } finally {
      clearInterval(timer);
      this.running = null;
      await this.announce().catch(() => undefined);
    }
  }

  /** Stops taking runs (the one running finishes first) and withdraws the bench. */
  async stop(): Promise<void> {
    clearInterval(this.announceTimer);
    await Promise.all(this.workers.map((w) => w.close()));
    await this.queues.withdraw(this.options.bench).catch(() => undefined);
    await this.queues.close();
    this.queues.redis.disconnect();
  }
}
