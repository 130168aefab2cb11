/**
 * `dnsconform diff A B`: firmware-to-firmware regression of two verified runs (run
 * directories or bundles). Both are verified first; one that does not verify is refused
 * (exit 2, naming the file). Prints the diff, writes diff.json, diff.html and a signed
 * diff.pdf; exit 1 when B regresses (a check newly FAILs, or an unassigned resolver is new), else 0.
 */
import { Command } from 'commander';
import { relative } from 'node:path';
import { writeDiffDocuments, renderDiffTerminal, validateDiff } from '../diff/diff-documents.ts';
import { diffRuns } from '../diff/run-diff.ts';
import { openVerifiedRun } from '../diff/verified-run.ts';
import type { VerifiedRun } from '../diff/verified-run.ts';
import type { DiffSide } from '../diff/run-diff.ts';
import { defaultKeyDir, ensureKeys } from '../report/signing.ts';
import { EXIT } from './exit-codes.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

interface DiffOptions {
  out?: string;
  keys: string;
  key?: string;
  json?: boolean;
}

function side(run: VerifiedRun): DiffSide {
  const { report } = run;
  return {
    run: {
      input: run.input,
      runId: report.runId,
      overall: report.overall.verdict,
      startedAt: report.startedAt,
      dut: {
        id: report.dut.id,
        vendor: report.dut.vendor,
        model: report.dut.model,
        firmware: report.dut.firmware ?? null,
      },
      verifiedFiles: run.verifiedFiles,
      signer: run.signer,
    },
    report,
    evidence: run.evidence,
    assignedResolvers: run.assignedResolvers,
  };
}

export function diffCommand(): Command {
  return new Command('diff')
    .description(COMMAND_SUMMARIES.diff.description)
    .argument('<a>', 'the earlier run: run directory or <run-id>.tar.gz bundle')
    .argument('<b>', 'the later run')
    .option(
      '--out <dir>',
      'where diff.json, diff.html and the signed diff.pdf go (default: reports/diff-<A run id>-vs-<B run id>)',
    )
    .option(
      '--key <pubkey.pem>',
      "the lab's public key to verify both runs with (default: each run's bundled signer.pub.pem)",
    )
    .option('--keys <dir>', 'the lab signing key directory (signs diff.pdf)', defaultKeyDir())
    .option('--json', 'print diff.json on stdout instead of the terminal summary')
    .exitOverride()
    .action(async (inputA: string, inputB: string, options: DiffOptions) => {
      const keyOption = options.key === undefined ? {} : { publicKeyFile: options.key };
      const a = await openVerifiedRun(inputA, keyOption);
      let b: VerifiedRun;
      try {
        b = await openVerifiedRun(inputB, keyOption);
      } catch (error) {
        a.close();
        throw error;
      }
      try {
        const diff = validateDiff(diffRuns(side(a), side(b)));
        const say = options.json ? (line: string) => console.error(line) : (line: string) => console.log(line);
        const keys = ensureKeys(options.keys);
        if (keys.created) say(`created lab signing keys in ${options.keys} (fingerprint ${keys.fingerprint})`);
        const out = options.out ?? `reports/diff-${diff.a.runId}-vs-${diff.b.runId}`;
        const written = await writeDiffDocuments(out, diff, options.keys, new Date().toISOString());
        if (options.json) process.stdout.write(`${JSON.stringify(diff)}\n`);
        else say(renderDiffTerminal(diff));
        say(
          `regression report: ${relative(process.cwd(), written.json)}, ${relative(process.cwd(), written.html)}, ${relative(process.cwd(), written.pdf)}`,
        );
        process.exitCode = diff.regressions.length > 0 ? EXIT.NOT_CONFORMANT : EXIT.OK;
      } finally {
        a.close();
        b.close();
      }
    });
}
