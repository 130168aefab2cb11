/** `dnsconform run --profile P`: certify one DUT, simulated or on a lab network. */
import { Command } from 'commander';
import { loadProfile } from '../profile/load-profile.ts';
import { EXIT } from './exit-codes.ts';
import { observeAndReport, withObserveOptions } from './observe-command.ts';
import type { ObserveOptions } from './observe-command.ts';

export function runCommand(): Command {
  return withObserveOptions(new Command('run')
    .description('observe one device under test, judge it, and write a signed report')
    .requiredOption('--profile <file>', 'the DUT profile (YAML)'), "the profile's")
    .action(async (options: ObserveOptions & { profile: string }) => {
      const [run] = await observeAndReport([loadProfile(options.profile)], options);
      // INCOMPLETE is not conformance shown: a CI gate must not pass on it.
      process.exitCode = run?.finalised.report.overall.verdict === 'CONFORMANT' ? EXIT.OK : EXIT.NOT_CONFORMANT;
    });
}
