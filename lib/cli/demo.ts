/**
 * `dnsconform demo`: the embedded default job. Certifies the two reference simulated
 * devices on loopback in one session and checks that the harness tells them apart.
 */
import { Command } from 'commander';
import { join } from 'node:path';
import { loadProfile } from '../profile/load-profile.ts';
import type { OverallVerdict } from '../report/report-types.ts';
import { EXIT } from './exit-codes.ts';
import { observeAndReport, withObserveOptions } from './observe-command.ts';
import type { ObserveOptions } from './observe-command.ts';

const PROFILES_DIR = join(import.meta.dirname, '..', '..', 'profiles');

/** The reference devices and the overall verdict each must get for the harness to be working. */
export const DEMO_DEVICES: readonly { profile: string; expected: OverallVerdict }[] = [
  { profile: 'sim-good.yaml', expected: 'CONFORMANT' },
  { profile: 'sim-bad.yaml', expected: 'NOT_CONFORMANT' },
];

export function demoCommand(): Command {
  return withObserveOptions(new Command('demo')
    .description('certify the built-in well- and badly-behaved simulated devices on loopback'), "the profiles', 45 s")
    .action(async (options: ObserveOptions) => {
      const profiles = DEMO_DEVICES.map((d) => loadProfile(join(PROFILES_DIR, d.profile)));
      const runs = await observeAndReport(profiles, options);
      const surprises = runs.flatMap((run, i) => {
        const expected = DEMO_DEVICES[i]!.expected;
        const got = run.finalised.report.overall.verdict;
        return got === expected ? [] : [`${run.loaded.profile.dut.id}: expected ${expected}, got ${got}`];
      });
      if (surprises.length > 0) {
        console.log(`\ndemo self-check FAILED: the reference devices were not told apart\n  ${surprises.join('\n  ')}`);
        process.exitCode = EXIT.NOT_CONFORMANT;
        return;
      }
      console.log(`\ndemo self-check passed: ${runs.map((r) => `${r.loaded.profile.dut.id} ${r.finalised.report.overall.verdict}`).join(', ')}`);
      console.log(`verify a run with: npx dnsconform verify ${runs[0] ? join(options.out, runs[0].runId) : '<run-dir>'}`);
    });
}
