/** `dnsconform submit`: queues a run on the lab's Redis for a bench to take (lib/console/run-queue.ts). */
import { Command } from 'commander';
import { RunQueues, connect } from '../console/run-queue.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';
import { parseWindow } from './observe-command.ts';

interface SubmitOptions {
  profile: string;
  plan: string;
  window?: string;
  bench?: string;
  redis: string;
}

export function submitCommand(): Command {
  return new Command('submit')
    .description(COMMAND_SUMMARIES.submit.description)
    .requiredOption('--profile <name>', "the profile's name on the benches (its file name without .yaml)")
    .requiredOption('--plan <name|file>', 'the plan (quick, full, demo, or a plan file on the bench)')
    .option('--window <seconds>', "every phase's window, as run --window")
    .option('--bench <name>', 'only this bench may take the run')
    .requiredOption('--redis <url>', "the lab's Redis (redis://host:port)")
    .action(async (options: SubmitOptions) => {
      const windowSeconds = parseWindow(options.window);
      const queues = new RunQueues(connect(options.redis));
      try {
        const id = await queues.submit({
          profile: options.profile,
          plan: options.plan,
          ...(windowSeconds !== undefined ? { windowSeconds } : {}),
          ...(options.bench !== undefined ? { bench: options.bench } : {}),
          submittedBy: 'submit',
        });
        const benches = await queues.benches();
        const serving = benches.filter(
          (b) => b.profiles.includes(options.profile) && (options.bench === undefined || b.bench === options.bench),
        );
        console.log(
          `queued run ${id}: ${options.profile} under plan ${options.plan}${options.bench ? ` on bench ${options.bench}` : ''}`,
        );
        if (serving.length === 0) console.log('no bench alive serves it now: it waits for one');
      } finally {
        await queues.close();
        queues.redis.disconnect();
      }
    });
}
