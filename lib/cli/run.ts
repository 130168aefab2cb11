/** `dnsconform run --profile P`: certify one DUT, simulated or on a lab network. */
import { Command } from 'commander';
import { loadProfile } from '../profile/load-profile.ts';
import { defaultKeyDir } from '../report/signing.ts';
import { EXIT } from './exit-codes.ts';
import { observeAndReport } from './observe-command.ts';
import type { ObserveOptions } from './observe-command.ts';

export function runCommand(): Command {
  return new Command('run')
    .description('observe one device under test, judge it, and write a signed report')
    .requiredOption('--profile <file>', 'the DUT profile (YAML)')
    .option('--out <dir>', 'where run directories are created', 'reports')
    .option('--window <seconds>', "observation window (default: the profile's)")
    .option('--keys <dir>', 'the lab signing key directory', defaultKeyDir())
    .option('--mocha-reporter <name>', "also print mocha's own reporter output while judging (spec, dot, ...)")
    .action(async (options: ObserveOptions & { profile: string }) => {
      const [run] = await observeAndReport([loadProfile(options.profile)], options);
      // INCOMPLETE is not conformance shown: a CI gate must not pass on it.
      process.exitCode = run?.finalised.report.overall.verdict === 'CONFORMANT' ? EXIT.OK : EXIT.NOT_CONFORMANT;
    });
}
