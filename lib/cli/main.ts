/**
 * The `dnsconform` command line. Commands are thin: parse, call into lib/, print. Errors
 * map to exit codes here, once: bad input 2 (with file and place), harness fault 3.
 *
 * A command's modules are loaded when it runs, and none for the root help (it is printed from
 * command-summaries.ts): `analyze` of a large capture should not carry the live-run harness
 * (resolver, session, capture tools) in memory, nor `--help` spend seconds loading it all.
 */
import { Command, CommanderError, Help } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMAND_SUMMARIES } from './command-summaries.ts';
import { isBadInput } from '../evidence/bad-input.ts';
import { EXIT } from './exit-codes.ts';

/** The commands, in help order, each loaded on demand. */
const COMMANDS: Record<keyof typeof COMMAND_SUMMARIES, () => Promise<Command>> = {
  demo: async () => (await import('./demo.ts')).demoCommand(),
  run: async () => (await import('./run.ts')).runCommand(),
  analyze: async () => (await import('./analyze.ts')).analyzeCommand(),
  finalise: async () => (await import('./finalise.ts')).finaliseCommand(),
  list: async () => (await import('./list.ts')).listCommand(),
  lint: async () => (await import('./lint.ts')).lintCommand(),
  verify: async () => (await import('./verify.ts')).verifyCommand(),
  report: async () => (await import('./report.ts')).reportCommand(),
  bundle: async () => (await import('./bundle.ts')).bundleCommand(),
  junit: async () => (await import('./junit.ts')).junitCommand(),
  keys: async () => (await import('./keys.ts')).keysCommand(),
  diff: async () => (await import('./diff.ts')).diffCommand(),
  allowlist: async () => (await import('./allowlist.ts')).allowlistCommand(),
  serve: async () => (await import('./serve.ts')).serveCommand(),
  worker: async () => (await import('./worker.ts')).workerCommand(),
  submit: async () => (await import('./submit.ts')).submitCommand(),
};

function version(): string {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** A command as the root help lists it, from its summary, without loading its module. */
function summaryOnly(name: keyof typeof COMMAND_SUMMARIES): Command {
  return new Command(name).description(COMMAND_SUMMARIES[name].description);
}

/**
 * The command line: with `argv`, only the command it names, loaded; when it names none (root
 * help, version, an unknown command) every command as its summary only, or all loaded with
 * `loadAll` (what main.spec.ts compares the summaries with).
 */
export async function program(argv: readonly string[] = [], loadAll = false): Promise<Command> {
  const named = argv.slice(2).find((arg) => !arg.startsWith('-'));
  const names = Object.keys(COMMANDS) as (keyof typeof COMMANDS)[];
  const known = names.find((name) => name === named);
  const root = new Command('dnsconform')
    .description('compliance certification test harness for the DNS behaviour of IoT devices')
    .version(version())
    .exitOverride();
  if (known !== undefined || loadAll) {
    for (const command of await Promise.all((known ? [known] : names).map((name) => COMMANDS[name]())))
      root.addCommand(command);
  } else {
    for (const name of names) root.addCommand(summaryOnly(name));
    const standard = new Help();
    root.configureHelp({
      subcommandTerm: (command) =>
        Object.hasOwn(COMMAND_SUMMARIES, command.name())
          ? COMMAND_SUMMARIES[command.name() as keyof typeof COMMAND_SUMMARIES].term
          : standard.subcommandTerm(command),
    });
  }
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
    if (isBadInput(error)) {
      console.error(`dnsconform: ${(error as Error).message}`);
      return EXIT.BAD_INPUT;
    }
    console.error(`dnsconform: harness error: ${harnessFault(error)}`);
    return EXIT.HARNESS_ERROR;
  }
}

/**
 * A harness fault as one line for the terminal: its message, and where its stack trace was
 * written (a file in the temporary folder: the run directory may not exist yet).
 */
export function harnessFault(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const firstLine = error.message.split('\n')[0] ?? error.message;
  try {
    const file = join(tmpdir(), `dnsconform-harness-error-${process.pid}.log`);
    writeFileSync(
      file,
      `${new Date().toISOString()} ${process.argv.slice(2).join(' ')}\n${error.stack ?? error.message}\n`,
    );
    return `${firstLine} (stack trace in ${file})`;
  } catch {
    return firstLine;
  }
}
