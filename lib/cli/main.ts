/**
 * The `dnsconform` command line. Commands are thin: parse, call into lib/, print. Errors
 * map to exit codes here, once: bad input 2 (with file and place), harness fault 3.
 *
 * A command's modules are loaded when it runs (all of them for help): `analyze` of a large
 * capture should not carry the live-run harness (resolver, session, capture tools) in memory,
 * nor spend start-up time compiling it.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from './exit-codes.ts';

/** The commands, in help order, each loaded on demand. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  demo: async () => (await import('./demo.ts')).demoCommand(),
  run: async () => (await import('./run.ts')).runCommand(),
  analyze: async () => (await import('./analyze.ts')).analyzeCommand(),
  list: async () => (await import('./list.ts')).listCommand(),
  lint: async () => (await import('./lint.ts')).lintCommand(),
  verify: async () => (await import('./verify.ts')).verifyCommand(),
  report: async () => (await import('./report.ts')).reportCommand(),
  bundle: async () => (await import('./bundle.ts')).bundleCommand(),
  junit: async () => (await import('./junit.ts')).junitCommand(),
  keys: async () => (await import('./keys.ts')).keysCommand(),
  diff: async () => (await import('./diff.ts')).diffCommand(),
  allowlist: async () => (await import('./allowlist.ts')).allowlistCommand(),
};

/** The errors that are bad input (exit code 2), loaded only when something went wrong. */
async function badInputErrors(): Promise<(abstract new (...args: never[]) => Error)[]> {
  const [analysis, evidence, control, session, input, profile, signing, scenario, usage, selection] = await Promise.all([
    import('../analysis/analyze-captures.ts'), import('../evidence/load-evidence.ts'), import('../experiments/device-control.ts'),
    import('../experiments/session.ts'), import('../input/yaml-input.ts'), import('../profile/load-profile.ts'),
    import('../report/signing.ts'), import('../resolver/scenario.ts'), import('./usage-error.ts'), import('../checks/select-checks.ts'),
  ]);
  const verified = await import('../diff/verified-run.ts');
  return [input.InputFileError, profile.ProfileError, scenario.ScenarioError, evidence.EvidenceFormatError, signing.KeyFileError,
    usage.UsageError, session.ListenError, control.TriggerError, analysis.AnalyzeInputError, selection.CheckSelectionError, verified.UnverifiedRunError];
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** The command line: with `argv`, only the command it names (every command when it names none, as for help). */
export async function program(argv: readonly string[] = []): Promise<Command> {
  const named = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const wanted = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  const root = new Command('dnsconform')
    .description('compliance certification test harness for the DNS behaviour of IoT devices')
    .version(version())
    .exitOverride();
  for (const command of await Promise.all(wanted.map((name) => COMMANDS[name]!()))) root.addCommand(command);
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
    await (await program(argv)).parseAsync(argv);
    return Number(process.exitCode ?? EXIT.OK);
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      return error.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
    }
    if ((await badInputErrors()).some((kind) => error instanceof kind)) {
      console.error(`dnsconform: ${(error as Error).message}`);
      return EXIT.BAD_INPUT;
    }
    console.error(`dnsconform: harness error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT.HARNESS_ERROR;
  }
}
