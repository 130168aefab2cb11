/** `dnsconform analyze CAPTURE... --device MAC|IP`: passive analysis of imported captures. */
import { Command } from 'commander';
import { relative } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { analyzeCaptures } from '../run/analyze-captures.ts';
import { defaultKeyDir, ensureKeys } from '../report/signing.ts';
import { EXIT } from './exit-codes.ts';
import { UsageError } from './usage-error.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';
import { keepStageMarks, markStage, stageTimingsLine } from '../evidence/stage-marks.ts';

interface AnalyzeCommandOptions {
  device: string[];
  resolver?: string[];
  publicResolvers?: string;
  out: string;
  keys: string;
  json?: boolean;
  mochaReporter?: string;
  checks?: string;
  /** False with --no-documents. */
  documents: boolean;
  /** --timings: when each stage ended, on stderr. */
  timings?: boolean;
}

/** Gathers a repeatable option's values. */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function analyzeCommand(): Command {
  // exitOverride: usage errors throw (CommanderError) instead of exiting 1, so the program maps them to 2.
  return new Command('analyze')
    .exitOverride()
    .description(COMMAND_SUMMARIES.analyze.description)
    .argument('<capture...>', 'pcap or pcapng files')
    .requiredOption('--device <mac|ip>', 'the device: its MAC and/or its IP address (repeat for both)', collect)
    .option(
      '--resolver <ip>',
      'a resolver the network assigned the device (repeatable); others are hard-coded',
      collect,
    )
    .option('--public-resolvers <file>', "public resolvers beyond the built-in list: 'ADDRESS [OPERATOR]' a line")
    .option('--out <dir>', 'where run directories are created', 'reports')
    .option('--json', 'print the metrics as one JSON object on stdout (lib/analysis/analyze-output.schema.json)')
    .option('--keys <dir>', 'the lab signing key directory', defaultKeyDir())
    .option(
      '--checks <ids>',
      'judge only these checks: comma-separated ids or topics (the rest are left out of the report, whose scope says so)',
    )
    .option('--mocha-reporter <name>', "also print mocha's own reporter output while judging")
    .option(
      '--no-documents',
      'seal the run without report.html and report.pdf (the signed report.json, attestation and manifest only); `dnsconform report RUN --out DIR` prints them later',
    )
    .option('--timings', 'print on stderr when each stage ended (reading, events, judging, figures, report, documents)')
    .action(async (captures: string[], options: AnalyzeCommandOptions) => {
      if (options.json && options.mochaReporter)
        throw new UsageError('--mocha-reporter prints on stdout, which --json keeps for the JSON object alone');
      // With --json, stdout carries the JSON object alone: everything for people goes to stderr.
      const say = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
      // The old generation grows by 30 % over what each full collection kept, not by V8's default
      // (up to several times): judging a large capture makes a few hundred MB of short-lived
      // objects, which with the default let the process's peak pass 250 MB (issue 19: 208-224
      // instead of 237-275 MB on the 1 GB capture, for about 0.9 s, 12 %, more CPU time). V8 reads this
      // flag at each collection, so setting it now takes effect.
      setFlagsFromString('--heap-growing-percent=30');
      if (options.timings) keepStageMarks();
      const keys = ensureKeys(options.keys);
      if (keys.created) say(`created lab signing keys in ${options.keys} (fingerprint ${keys.fingerprint})`);
      const result = await analyzeCaptures({
        captures,
        device: options.device,
        resolvers: options.resolver ?? [],
        outDir: options.out,
        keyDir: options.keys,
        ...(options.publicResolvers === undefined ? {} : { publicResolversFile: options.publicResolvers }),
        ...(options.mochaReporter ? { mochaReporter: options.mochaReporter } : {}),
        ...(options.checks === undefined ? {} : { checks: options.checks }),
        documents: options.documents,
      });
      for (const problem of result.problems) console.error(`dnsconform: ${problem}`);
      const [{ renderVerdictTable }, { validateAnalyzeOutput }] = await Promise.all([
        import('../report/verdict-table.ts'),
        import('../analysis/analyze-output.ts'),
      ]);
      say(
        renderVerdictTable(
          result.finalised.report,
          relative(process.cwd(), result.finalised.reportFile),
          result.output.queries,
        ),
      );
      if (options.json) process.stdout.write(`${JSON.stringify(validateAnalyzeOutput(result.output))}\n`);
      if (options.timings) {
        markStage('output');
        console.error(`dnsconform: timings: ${stageTimingsLine()}`);
      }
      if (result.partial) {
        console.error(
          'dnsconform: the results are partial: a capture could not be read to its end (see above); what was read is judged and kept',
        );
        process.exitCode = EXIT.BAD_INPUT;
        return;
      }
      process.exitCode = result.finalised.report.overall.verdict === 'CONFORMANT' ? EXIT.OK : EXIT.NOT_CONFORMANT;
    });
}
