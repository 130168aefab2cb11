/**
 * `dnsconform worker --bench NAME`: a bench taking queued runs from the lab's Redis
 * (lib/console/bench-worker.ts). Each run goes through the same path as `dnsconform run`
 * (observeAndReport: session, judgement, signed report), then is bundled and stored.
 */
import { Command } from 'commander';
import { basename, join } from 'node:path';
import { BenchWorker } from '../console/bench-worker.ts';
import type { RunExecutor } from '../console/bench-worker.ts';
import { connect } from '../console/run-queue.ts';
import { DirectoryRunStore } from '../console/run-store.ts';
import { loadExperiments } from '../experiments/catalogue.ts';
import { loadPlan } from '../experiments/plan.ts';
import { loadProfile } from '../profile/load-profile.ts';
import { createBundle } from '../report/bundle.ts';
import { defaultKeyDir } from '../report/signing.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';
import { DEMO_DEVICES } from './demo.ts';
import { observeAndReport } from './observe-command.ts';
import { UsageError } from './usage-error.ts';

const PROFILES_DIR = join(import.meta.dirname, '..', '..', 'profiles');

interface WorkerOptions {
  bench: string;
  redis: string;
  store: string;
  profile?: string[];
  work?: string;
  keys: string;
  lockSeconds: string;
  stalledSeconds: string;
}

function seconds(flag: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new UsageError(`${flag}: "${raw}" is not a positive number of seconds`);
  return value;
}

/** Runs one queued run as `dnsconform run --profile FILE --plan P [--window W] --out OUT` would, then bundles it. */
function executor(keys: string): RunExecutor {
  return async (request, profileFile, out) => {
    const [run] = await observeAndReport([loadProfile(profileFile)], {
      out,
      keys,
      plan: request.plan,
      ...(request.windowSeconds !== undefined ? { window: String(request.windowSeconds) } : {}),
    });
    if (!run) throw new Error('the session produced no run');
    const bundle = await createBundle(run.runDir);
    return {
      runDir: run.runDir,
      bundle: bundle.file,
      verdict: run.finalised.report.overall.verdict,
      bundleSha256: bundle.sha256,
    };
  };
}

export function workerCommand(): Command {
  return new Command('worker')
    .description(COMMAND_SUMMARIES.worker.description)
    .requiredOption('--bench <name>', "this bench's name")
    .requiredOption('--redis <url>', "the lab's Redis (redis://host:port)")
    .requiredOption('--store <dir>', 'where finished runs and their bundles are put for the console')
    .option(
      '--profile <file>',
      'a profile this bench serves (its name is the file name without .yaml); repeat it (default: the simulated sim-good and sim-bad)',
      (file: string, files: string[] = []) => [...files, file],
    )
    .option('--work <dir>', 'where this bench writes run directories, one folder per run (default: reports/bench-NAME)')
    .option('--keys <dir>', 'the lab signing key directory', defaultKeyDir())
    .option(
      '--lock-seconds <s>',
      'how long a run stays locked to this bench without a renewal (BullMQ lockDuration)',
      '30',
    )
    .option(
      '--stalled-seconds <s>',
      'how often runs whose bench stopped renewing are looked for (stalledInterval)',
      '15',
    )
    .action(async (options: WorkerOptions) => {
      const files = options.profile ?? DEMO_DEVICES.map((d) => join(PROFILES_DIR, d.profile));
      const profiles = new Map<string, string>();
      for (const file of files) {
        loadProfile(file);
        const name = basename(file).replace(/\.ya?ml$/, '');
        if (profiles.has(name)) throw new UsageError(`--profile ${file}: a profile named ${name} is already served`);
        profiles.set(name, file);
      }
      const worker = new BenchWorker({
        bench: options.bench,
        redis: () => connect(options.redis),
        profiles,
        store: new DirectoryRunStore(options.store),
        workDir: options.work ?? join('reports', `bench-${options.bench}`),
        execute: executor(options.keys),
        phasesOf: (plan) => {
          try {
            return loadPlan(plan, loadExperiments()).value.phases.length;
          } catch {
            return null;
          }
        },
        lockSeconds: seconds('--lock-seconds', options.lockSeconds),
        stalledSeconds: seconds('--stalled-seconds', options.stalledSeconds),
        log: (line) => console.log(`[${options.bench}] ${line}`),
      });
      await worker.start();
      await new Promise<void>((done) => {
        const stop = () => {
          process.off('SIGTERM', stop);
          done();
        };
        // SIGINT is the running session's (it ends observation early and judges); SIGTERM stops the bench.
        process.on('SIGTERM', stop);
      });
      console.log(`[${options.bench}] stopping: the run in progress finishes first`);
      await worker.stop();
    });
}
