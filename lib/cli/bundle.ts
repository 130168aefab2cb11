/**
 * `dnsconform bundle <run-dir> [--out FILE]`: packs a finalised run directory into one
 * deterministic `<run-id>.tar.gz` for a regulator. Exit 2 when the run cannot be bundled
 * (not finalised, holds a private key or a link, --out inside the run).
 */
import { Command } from 'commander';
import type { OutputConfiguration } from 'commander';
import { EXIT } from './exit-codes.ts';
import { BundleError, createBundle } from '../report/bundle.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

/** The `bundle` command. `output` redirects what it prints (tests). */
export function bundleCommand(output: OutputConfiguration = {}): Command {
  const writeOut = output.writeOut ?? ((s: string) => process.stdout.write(s));
  const writeErr = output.writeErr ?? ((s: string) => process.stderr.write(s));
  return new Command('bundle')
    .description(COMMAND_SUMMARIES.bundle.description)
    .argument('<run-dir>', 'the finalised run directory')
    .option('--out <file>', 'the archive to write (default: <run-id>.tar.gz beside the run directory)')
    .configureOutput(output)
    .exitOverride()
    .action(async (runDir: string, options: { out?: string }) => {
      try {
        const result = await createBundle(runDir, options.out === undefined ? {} : { out: options.out });
        writeOut(
          `wrote ${result.file}: ${result.files.length} files of run ${result.runId}, ${result.bytes} bytes, sha256 ${result.sha256}\n` +
            `verify it with: dnsconform verify ${result.file}\n`,
        );
      } catch (error) {
        if (!(error instanceof BundleError)) throw error;
        writeErr(`dnsconform bundle: ${error.message}\n`);
        process.exitCode = EXIT.BAD_INPUT;
      }
    });
}
