/**
 * `dnsconform allowlist RUN...`: the names a device resolved in verified runs (directories
 * or bundles) as names.json, a MUD file, an RPZ zone and a plain list. A run that does not
 * verify is refused (exit 2, naming the file).
 */
import { Command } from 'commander';
import { relative } from 'node:path';
import { parse } from 'yaml';
import { AllowlistInputError, buildAllowlist, writeAllowlist } from '../allowlist/write-allowlist.ts';
import type { AllowlistRun } from '../allowlist/write-allowlist.ts';
import { openVerifiedRun } from '../diff/verified-run.ts';
import type { VerifiedRun } from '../diff/verified-run.ts';
import { EXIT } from './exit-codes.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

interface AllowlistOptions {
  out?: string;
  mudUrl?: string;
  key?: string;
}

/** The profile copy's MUD URL, or null (no profile copy, or none stated). */
function mudUrlOf(run: VerifiedRun): string | null {
  if (run.profileText === null) return null;
  const profile = parse(run.profileText) as { dut?: { mudUrl?: unknown } } | null;
  return typeof profile?.dut?.mudUrl === 'string' ? profile.dut.mudUrl : null;
}

export function allowlistCommand(): Command {
  return new Command('allowlist')
    .description(COMMAND_SUMMARIES.allowlist.description)
    .argument('<run...>', 'run directories or <run-id>.tar.gz bundles of one device')
    .option('--out <dir>', 'where the files go (default: reports/allowlist-<device id>)')
    .option('--mud-url <url>', "the manufacturer's MUD URL (https; default: the profile's /dut/mudUrl)")
    .option(
      '--key <pubkey.pem>',
      "the lab's public key to verify the runs with (default: each run's bundled signer.pub.pem)",
    )
    .exitOverride()
    .action(async (inputs: string[], options: AllowlistOptions) => {
      const opened: VerifiedRun[] = [];
      try {
        for (const input of inputs)
          opened.push(await openVerifiedRun(input, options.key === undefined ? {} : { publicKeyFile: options.key }));
        const runs: AllowlistRun[] = opened.map((run) => ({
          input: run.input,
          report: run.report,
          evidence: run.evidence,
          mudUrl: mudUrlOf(run),
        }));
        const built = buildAllowlist(runs, options.mudUrl);
        const out = options.out ?? `reports/allowlist-${built.allowlist.device.id}`;
        const paths = writeAllowlist(out, built);
        const { allowlist } = built;
        console.log(
          `${allowlist.device.id}: ${allowlist.resolved.length} names resolved, ${allowlist.allowed.length} allowed with their CNAME targets, ` +
            `${allowlist.unresolved.length} asked but never answered unchanged (not allowed), from ${allowlist.runs.length} verified run${allowlist.runs.length > 1 ? 's' : ''}`,
        );
        for (const name of allowlist.resolved) {
          const targets = name.cnameTargets.length > 0 ? ` → ${name.cnameTargets.join(' → ')}` : '';
          console.log(`  ${name.name}${targets}  ${[...name.ipv4, ...name.ipv6].join(', ') || '(no address)'}`);
        }
        console.log(`MUD file (MUD URL ${allowlist.mudUrl}): ${relative(process.cwd(), paths.mud)}`);
        console.log(`RPZ zone ${allowlist.rpzOrigin}: ${relative(process.cwd(), paths.rpz)}`);
        console.log(
          `names: ${relative(process.cwd(), paths.names)}, plain list: ${relative(process.cwd(), paths.list)}`,
        );
        process.exitCode = EXIT.OK;
      } catch (error) {
        if (error instanceof AllowlistInputError) {
          console.error(`dnsconform: ${error.message}`);
          process.exitCode = EXIT.BAD_INPUT;
          return;
        }
        throw error;
      } finally {
        for (const run of opened) run.close();
      }
    });
}
