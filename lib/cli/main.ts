/**
 * The `dnsconform` command line. Commands are thin: parse, call into lib/, print. Errors
 * map to exit codes here, once: bad input 2 (with file and place), harness fault 3.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalyzeInputError } from '../analysis/analyze-captures.ts';
import { EvidenceFormatError } from '../evidence/load-evidence.ts';
import { CheckSelectionError } from '../checks/select-checks.ts';
import { TriggerError } from '../experiments/device-control.ts';
import { ListenError } from '../experiments/session.ts';
import { InputFileError } from '../input/yaml-input.ts';
import { ProfileError } from '../profile/load-profile.ts';
import { KeyFileError } from '../report/signing.ts';
import { ScenarioError } from '../resolver/scenario.ts';
import { analyzeCommand } from './analyze.ts';
import { bundleCommand } from './bundle.ts';
import { demoCommand } from './demo.ts';
import { EXIT } from './exit-codes.ts';
import { junitCommand } from './junit.ts';
import { keysCommand } from './keys.ts';
import { listCommand } from './list.ts';
import { reportCommand } from './report.ts';
import { UsageError } from './observe-command.ts';
import { runCommand } from './run.ts';
import { verifyCommand } from './verify.ts';

const BAD_INPUT_ERRORS = [InputFileError, ProfileError, ScenarioError, EvidenceFormatError, KeyFileError, UsageError, ListenError, TriggerError, AnalyzeInputError, CheckSelectionError];

function version(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function program(): Command {
  const root = new Command('dnsconform')
    .description('compliance certification test harness for the DNS behaviour of IoT devices')
    .version(version())
    .exitOverride()
    .addCommand(demoCommand())
    .addCommand(runCommand())
    .addCommand(analyzeCommand())
    .addCommand(listCommand())
    .addCommand(verifyCommand())
    .addCommand(reportCommand())
    .addCommand(bundleCommand())
    .addCommand(junitCommand())
    .addCommand(keysCommand());
  // addCommand does not pass exitOverride down: without it a usage error in a subcommand
  // (a missing --profile) would exit 1 from inside commander instead of 2 from here.
  const override = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(override);
  };
  override(root);
  return root;
}

/** Runs the command line; resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return Number(process.exitCode ?? EXIT.OK);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
    }
    if (BAD_INPUT_ERRORS.some((kind) => error instanceof kind)) {
      console.error(`dnsconform: ${(error as Error).message}`);
      return EXIT.BAD_INPUT;
    }
    console.error(`dnsconform: harness error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT.HARNESS_ERROR;
  }
}
