/**
 * `dnsconform verify <bundle|run-dir> [--key PUBKEY.pem] [--rejudge [--suites DIR] [--catalogues DIR]]`:
 * checks a finalised run's signatures and digests, given as the run directory or as its `.tar.gz`
 * bundle (unpacked safely into a temporary directory); with --rejudge, also recomputes every
 * verdict from the stored evidence with the current suites and lists those that differ, and
 * makes the citations again in the current clause catalogues, listing the fields that differ.
 * Exit 0 when everything matches (and no verdict differs), 1 when anything does not (each
 * file and verdict named, or citations the same catalogues do not reproduce), 2 for bad input (not a finalised run or a safe bundle, unreadable
 * key, evidence or suites that cannot be re-judged while the signatures hold).
 */
import { Command } from 'commander';
import type { OutputConfiguration } from 'commander';
import { relative } from 'node:path';
import { EXIT } from './exit-codes.ts';
import { BundleError, openRunOrBundle } from '../report/bundle.ts';
import type { OpenedRun } from '../report/bundle.ts';
import { SIGNER_KEY_FILE } from '../report/bundle-files.ts';
import { formatRejudgeOutcome, RejudgeInputError, rejudgeRun } from '../run/rejudge.ts';
import { KeyFileError } from '../report/signing.ts';
import { RunDirError, verifyRun } from '../report/verify-run.ts';
import type { VerifyOutcome } from '../report/verify-run.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

/** The lines the command prints for an outcome: one per file, then a closing line. `bundle`: the archive it came from. */
export function formatVerifyOutcome(outcome: VerifyOutcome, bundle: string | null = null): string[] {
  const lines = outcome.files.map((f) => (f.ok ? `OK    ${f.file}` : `FAIL  ${f.file}: ${f.problems.join('; ')}`));
  const signer = outcome.signer;
  const bundledKey =
    bundle === null
      ? relative(process.cwd(), signer?.keyFile ?? '') || signer?.keyFile
      : `${SIGNER_KEY_FILE} in the bundle`;
  const keyLine =
    signer === null
      ? 'no usable public key'
      : signer.source === 'trusted'
        ? `trusted key ${signer.keyFile} (sha256 ${signer.fingerprint})`
        : `the bundled key ${bundledKey} (sha256 ${signer.fingerprint}); ` +
          "this proves the bundle is self-consistent, pass --key with the lab's published key to prove who signed it";
  lines.push(...outcome.notes.map((note) => `NOTE  ${note}`));
  const failed = outcome.files.filter((f) => !f.ok).map((f) => f.file);
  const unchecked =
    outcome.notes.length > 0
      ? ` (${outcome.notes.length} thing${outcome.notes.length > 1 ? 's' : ''} NOT checked, see NOTE)`
      : '';
  lines.push(
    outcome.ok
      ? `verified: all ${outcome.files.length} files match${unchecked}; signatures checked with ${keyLine}`
      : `NOT verified: ${failed.length} of ${outcome.files.length} files do not match (${failed.join(', ')}); ` +
          `signatures checked with ${keyLine}`,
  );
  return lines;
}

/** The `verify` command. `output` redirects what it prints (tests). */
export function verifyCommand(output: OutputConfiguration = {}): Command {
  const writeOut = output.writeOut ?? ((s: string) => process.stdout.write(s));
  const writeErr = output.writeErr ?? ((s: string) => process.stderr.write(s));
  const badInput = (error: unknown): boolean => {
    if (!(error instanceof RunDirError || error instanceof KeyFileError || error instanceof BundleError)) return false;
    writeErr(`dnsconform verify: ${error.message}\n`);
    process.exitCode = EXIT.BAD_INPUT;
    return true;
  };
  return (
    new Command('verify')
      .description(COMMAND_SUMMARIES.verify.description)
      .argument(
        '<bundle|run-dir>',
        'the bundle (<run-id>.tar.gz) or the run directory (holds report.json and manifest.json)',
      )
      .option('--key <pubkey.pem>', "the lab's public key to trust (default: the bundled signer.pub.pem)")
      .option(
        '--rejudge',
        'also recompute every verdict from events.ndjson and the profile copy with the current suites, and list those that differ from the signed report',
      )
      .option(
        '--suites <dir>',
        "with --rejudge: the suites directory to discover checks in (default: this harness's suites/)",
      )
      .option(
        '--catalogues <dir>',
        "with --rejudge: the clause catalogues to read the citations in (default: this harness's suites/catalogues/)",
      )
      .configureOutput(output)
      // Throw usage errors (CommanderError) instead of exiting 1, so the program maps them to 2.
      .exitOverride()
      .action(
        async (target: string, options: { key?: string; rejudge?: boolean; suites?: string; catalogues?: string }) => {
          for (const [given, flag] of [
            [options.suites, '--suites'],
            [options.catalogues, '--catalogues'],
          ] as const) {
            if (given === undefined || options.rejudge === true) continue;
            writeErr(`dnsconform verify: ${flag} needs --rejudge\n`);
            process.exitCode = EXIT.BAD_INPUT;
            return;
          }
          let opened: OpenedRun;
          try {
            opened = await openRunOrBundle(target);
          } catch (error) {
            if (badInput(error)) return;
            throw error;
          }
          try {
            let outcome: VerifyOutcome;
            try {
              outcome = verifyRun(opened.runDir, options.key === undefined ? {} : { publicKeyFile: options.key });
            } catch (error) {
              if (badInput(error)) return;
              throw error;
            }
            if (opened.bundle !== null)
              writeOut(`bundle ${target}: unpacked (no links, absolute paths or ..) into a temporary directory\n`);
            writeOut(
              formatVerifyOutcome(outcome, opened.bundle)
                .map((line) => `${line}\n`)
                .join(''),
            );
            process.exitCode = outcome.ok ? EXIT.OK : EXIT.NOT_CONFORMANT;
            if (options.rejudge !== true) return;
            if (outcome.report === null) {
              writeOut(
                'cannot re-judge: report.json did not validate, so there are no signed verdicts to compare with\n',
              );
              process.exitCode = EXIT.NOT_CONFORMANT;
              return;
            }
            try {
              const rejudged = await rejudgeRun(opened.runDir, outcome.report, {
                ...(options.suites === undefined ? {} : { suitesDir: options.suites }),
                ...(options.catalogues === undefined ? {} : { cataloguesDir: options.catalogues }),
              });
              writeOut(
                formatRejudgeOutcome(rejudged, outcome.report.profile.file)
                  .map((line) => `${line}\n`)
                  .join(''),
              );
              // A catalogue updated since the report explains its citations; unexplained ones are a fault, like a differing verdict.
              if (rejudged.differences.length > 0 || rejudged.traceability.some((c) => c.fault))
                process.exitCode = EXIT.NOT_CONFORMANT;
            } catch (error) {
              if (!(error instanceof RejudgeInputError)) throw error;
              writeOut(`cannot re-judge: ${error.message}\n`);
              // Evidence that failed verification is a mismatch already; unusable evidence that verified is bad input.
              process.exitCode = outcome.ok ? EXIT.BAD_INPUT : EXIT.NOT_CONFORMANT;
            }
          } finally {
            opened.close();
          }
        },
      )
  );
}
