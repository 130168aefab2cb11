/**
 * Runs queued across benches on Redis with BullMQ. One queue per profile (any bench that
 * serves the profile takes its runs) and one per bench (a run submitted `--bench NAME`): a
 * bench listens only on its own queue and on the queues of the profiles it serves, so it
 * never takes a run it cannot serve. Beside the queues, plain Redis keys say which benches
 * are alive (each refreshes its key; a dead bench's key expires) and which queue holds a job.
 */
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { BadInputError } from '../evidence/bad-input.ts';
import type { RunProgress } from './run-progress.ts';

/** What a queued run asks for. */
export interface RunRequest {
  /** The profile's name on the benches (its file name without `.yaml`). */
  profile: string;
  /** A plan name (`quick`, `full`, `demo`) or a plan file on the bench. */
  plan: string;
  /** Every phase's window in seconds, as `run --window` (the plan's when absent). */
  windowSeconds?: number;
  /** The bench that must run it; any bench serving the profile when absent. */
  bench?: string;
  /** The failed job this one retries. */
  retryOf?: string;
  /** Who asked: `submit`, or `console`. */
  submittedBy: string;
  submittedAt: string;
}

/** What a worker publishes while it runs a job (BullMQ job progress). */
export interface JobProgress extends RunProgress {
  bench: string;
  /** The run id once the session made the run directory. */
  runId: string | null;
  /** Where the run's evidence is on the bench, so a failed run's evidence can be found. */
  runDir: string | null;
}

/** What a worker returns for a finished job. */
export interface JobResult {
  bench: string;
  runId: string;
  verdict: string;
  bundleSha256: string;
}

/** A bench as it announces itself. */
export interface BenchInfo {
  bench: string;
  profiles: string[];
  host: string;
  pid: number;
  startedAt: string;
  /** The job it runs now, or null when idle. */
  running: string | null;
}

/** A profile or bench name: what can stand in a queue name and a Redis key. */
export const QUEUE_NAME_PART = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Prefix of every key and queue. */
const PREFIX = 'dnsconform';
const BENCH_KEY = (bench: string) => `${PREFIX}:bench:${bench}`;
const QUEUES_KEY = `${PREFIX}:queues`;
const JOB_QUEUE_KEY = `${PREFIX}:job-queue`;

/** How often a bench refreshes its key, and how long the key outlives a silent bench. */
export const BENCH_REFRESH_MS = 2000;
export const BENCH_TTL_MS = 10_000;

function checkedName(kind: string, name: string): string {
  if (!QUEUE_NAME_PART.test(name))
    throw new BadInputError(`${kind} "${name}": only letters, digits, '.', '_' and '-' (it names a queue)`);
  return name;
}

/** The queue of runs any bench serving `profile` may take. */
export function profileQueue(profile: string): string {
  return `${PREFIX}-profile-${checkedName('profile', profile)}`;
}

/** The queue of runs only `bench` may take. */
export function benchQueue(bench: string): string {
  return `${PREFIX}-bench-${checkedName('bench', bench)}`;
}

/** A Redis connection as BullMQ workers need it (commands wait for a reconnect rather than fail). */
export function connect(url: string): Redis {
  if (!/^rediss?:\/\//.test(url)) throw new BadInputError(`--redis "${url}": not a redis:// URL`);
  return new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}

/** The lab's queues seen from a console or `submit`: enqueue, list, look up, benches. */
export class RunQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(readonly redis: Redis) {}

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis });
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Enqueues a run; returns its job id. */
  async submit(request: Omit<RunRequest, 'submittedAt'>): Promise<string> {
    checkedName('profile', request.profile);
    const name = request.bench !== undefined ? benchQueue(request.bench) : profileQueue(request.profile);
    const id = `run-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    await this.redis.sadd(QUEUES_KEY, name);
    await this.redis.hset(JOB_QUEUE_KEY, id, name);
    // No automatic attempts: a run that failed is retried by a person, as a new job (the failed
    // one and its evidence stay as they are).
    await this.queue(name).add(
      'run',
      { ...request, submittedAt: new Date().toISOString() },
      {
        jobId: id,
        attempts: 1,
        removeOnComplete: false,
        removeOnFail: false,
      },
    );
    return id;
  }

  /** The job with this id, or null. */
  async job(id: string): Promise<Job<RunRequest, JobResult> | null> {
    const name = await this.redis.hget(JOB_QUEUE_KEY, id);
    if (name === null) return null;
    return ((await this.queue(name).getJob(id)) as Job<RunRequest, JobResult> | undefined) ?? null;
  }

  /** Every job of every queue the lab used, newest first. */
  async jobs(): Promise<Job<RunRequest, JobResult>[]> {
    const names = await this.redis.smembers(QUEUES_KEY);
    const all = await Promise.all(
      names.map(
        (name) =>
          this.queue(name).getJobs(['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed']) as Promise<
            Job<RunRequest, JobResult>[]
          >,
      ),
    );
    return all
      .flat()
      .filter((job): job is Job<RunRequest, JobResult> => job !== undefined && job !== null)
      .sort((a, b) => b.timestamp - a.timestamp);
  }

  /** The benches alive now (their keys not expired). */
  async benches(): Promise<BenchInfo[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', BENCH_KEY('*'), 'COUNT', 100);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    const values = keys.length === 0 ? [] : await this.redis.mget(...keys);
    return values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as BenchInfo)
      .sort((a, b) => (a.bench < b.bench ? -1 : 1));
  }

  /** Announces a bench (refreshed every {@link BENCH_REFRESH_MS}, gone {@link BENCH_TTL_MS} after the last). */
  async announce(info: BenchInfo, queues: readonly string[]): Promise<void> {
    await this.redis.sadd(QUEUES_KEY, ...queues);
    await this.redis.set(BENCH_KEY(info.bench), JSON.stringify(info), 'PX', BENCH_TTL_MS);
  }

  async withdraw(bench: string): Promise<void> {
    await this.redis.del(BENCH_KEY(bench));
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
