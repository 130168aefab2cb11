/**
 * `dnsconform junit <run-dir> [--out FILE]`: the run's checks as JUnit XML for a CI system,
 * written to FILE or to standard output (never into the signed run directory, where an
 * unlisted file would fail verification). Exit 2 when the run has no valid report.json.
 */
import { Command } from 'commander';
import type { OutputConfiguration } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from './exit-codes.ts';
import { REPORT_FILE } from '../report/bundle-files.ts';
import { junitXml } from '../report/junit.ts';
import type { Report } from '../report/report-types.ts';
import { validateReport } from '../report/validate-report.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

/** The `junit` command. `output` redirects what it prints (tests). */
export function junitCommand(output: OutputConfiguration = {}): Command {
  const writeOut = output.writeOut ?? ((s: string) => process.stdout.write(s));
  const writeErr = output.writeErr ?? ((s: string) => process.stderr.write(s));
  return new Command('junit')
    .description(COMMAND_SUMMARIES.junit.description)
    .argument('<run-dir>', 'the finalised run directory')
    .option('--out <file>', 'where to write the XML (default: standard output)')
    .configureOutput(output)
    .exitOverride()
    .action((runDir: string, options: { out?: string }) => {
      const file = join(runDir, REPORT_FILE);
      let report: Report;
      try {
        if (!existsSync(file)) throw new Error('does not exist: not a finalised run');
        report = validateReport(JSON.parse(readFileSync(file, 'utf8')), file);
      } catch (error) {
        writeErr(`dnsconform junit: ${file}: ${(error as Error).message}\n`);
        process.exitCode = EXIT.BAD_INPUT;
        return;
      }
      const xml = junitXml(report);
      if (options.out === undefined) {
        writeOut(xml);
        return;
      }
      try {
        writeFileSync(options.out, xml);
      } catch (error) {
        writeErr(`dnsconform junit: --out ${options.out}: ${(error as Error).message}\n`);
        process.exitCode = EXIT.BAD_INPUT;
        return;
      }
      writeOut(
        `wrote ${options.out}: ${report.results.length} testcases (${report.summary.FAIL} failures, ${report.summary.ERROR} errors, ` +
          `${report.summary.INCONCLUSIVE + report.summary.NOT_APPLICABLE} skipped)\n`,
      );
    });
}
