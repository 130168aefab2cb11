/**
 * `dnsconform run --profile P [--profile Q ...]`: certify DUTs, simulated or on a lab
 * network. Several profiles are certified together in one session, as `demo --fleet` does:
 * one resolver, the DUTs told apart by address, one signed report each; power cycles and
 * operator prompts of lab devices come one device at a time.
 */
import { Command } from 'commander';
import { canonicalAddress } from '../resolver/access-list.ts';
import { loadProfile } from '../profile/load-profile.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { EXIT } from './exit-codes.ts';
import { observeAndReport, withObserveOptions } from './observe-command.ts';
import type { ObserveOptions } from './observe-command.ts';
import { UsageError } from './usage-error.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

/** Profiles certified together must name different DUTs at different addresses (each answer goes to one DUT's evidence). */
export function refuseOverlappingProfiles(profiles: readonly LoadedProfile[]): void {
  const byId = new Map<string, string>();
  const byAddress = new Map<string, string>();
  for (const { profile, file } of profiles) {
    const other = byId.get(profile.dut.id);
    if (other !== undefined)
      throw new UsageError(
        `${file}: /dut/id: "${profile.dut.id}" is also the DUT of ${other}; profiles run together need different DUT ids`,
      );
    byId.set(profile.dut.id, file);
    profile.dut.addresses.forEach((raw, i) => {
      const address = canonicalAddress(raw);
      const owner = byAddress.get(address);
      if (owner !== undefined)
        throw new UsageError(
          `${file}: /dut/addresses/${i}: ${address} is also an address of ${owner}; the resolver tells DUTs apart by address`,
        );
      byAddress.set(address, file);
    });
  }
}

export function runCommand(): Command {
  return withObserveOptions(
    new Command('run')
      .description(COMMAND_SUMMARIES.run.description)
      .requiredOption(
        '--profile <file>',
        'a DUT profile (YAML); repeat it to certify several devices together on one resolver',
        (file: string, files: string[] = []) => [...files, file],
      ),
    "the profiles'",
  ).action(async (options: ObserveOptions & { profile: string[] }) => {
    const profiles = options.profile.map(loadProfile);
    refuseOverlappingProfiles(profiles);
    const runs = await observeAndReport(profiles, options);
    if (runs.length > 1)
      console.log(
        `\n${runs.map((run) => `${run.loaded.profile.dut.id}: ${run.finalised.report.overall.verdict} (${run.runDir})`).join('\n')}`,
      );
    // INCOMPLETE is not conformance shown: a CI gate must not pass on it, for any of the devices.
    process.exitCode =
      runs.length > 0 && runs.every((run) => run.finalised.report.overall.verdict === 'CONFORMANT')
        ? EXIT.OK
        : EXIT.NOT_CONFORMANT;
  });
}
