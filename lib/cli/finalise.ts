/**
 * `dnsconform finalise <run-dir> [--keys DIR]`: judges and seals a run that was interrupted
 * (killed, power lost) from the evidence it recorded; afterwards `verify`, `bundle`, `report`
 * and `junit` work on it as on any run. Exit codes as `run`: 0 conformant, 1 not (an
 * interrupted run rarely shows conformance), 2 for a directory that is not an unsealed run.
 */
import { Command } from 'commander';
import { relative } from 'node:path';
import { finaliseInterruptedRun } from '../run/finalise-interrupted.ts';
import { defaultKeyDir } from '../report/signing.ts';
import { renderVerdictTable } from '../report/verdict-table.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';
import { EXIT } from './exit-codes.ts';

export function finaliseCommand(): Command {
  return new Command('finalise')
    .exitOverride()
    .description(COMMAND_SUMMARIES.finalise.description)
    .argument('<run-dir>', 'the run directory of the interrupted run (holds events.ndjson and profile.yaml)')
    .option('--keys <dir>', 'the lab signing key directory (the one the run would have signed with)', defaultKeyDir())
    .option('--mocha-reporter <name>', "also print mocha's own reporter output while judging (spec, dot, ...)")
    .action(async (runDir: string, options: { keys: string; mochaReporter?: string }) => {
      const done = await finaliseInterruptedRun({
        runDir,
        keyDir: options.keys,
        progress: (line) => console.log(line),
        ...(options.mochaReporter ? { mochaReporter: options.mochaReporter } : {}),
      });
      console.log(
        done.interrupted
          ? `${done.runId}: interrupted, evidence ends at ${done.evidenceEndsAt}; judged and sealed from what was recorded`
          : `${done.runId}: ended at ${done.evidenceEndsAt} but was not sealed; judged and sealed now`,
      );
      console.log(
        renderVerdictTable(done.finalised.report, relative(process.cwd(), done.finalised.reportFile), done.queries),
      );
      process.exitCode = done.finalised.report.overall.verdict === 'CONFORMANT' ? EXIT.OK : EXIT.NOT_CONFORMANT;
    });
}
