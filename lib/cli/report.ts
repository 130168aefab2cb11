/**
 * `dnsconform report <run-dir> [--keys DIR] [--out DIR]`: makes report.html and the signed
 * report.pdf again from a finished run's report.json (checked against its signature
 * first), into the run directory when they are not there, or into `--out`. Never replaces
 * a file. Exit 2 for bad input (no signed report, documents already there, a chart that
 * does not match its digest, an unusable key), 3 when Chromium is missing.
 */
import { Command } from 'commander';
import type { OutputConfiguration } from 'commander';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from './exit-codes.ts';
import { MANIFEST_FILE, REPORT_FILE, REPORT_SIGNATURE_FILE, SIGNER_KEY_FILE } from '../report/bundle-files.ts';
import { FigureMismatchError } from '../report/html/render-html.ts';
import { ChromiumNotFoundError } from '../report/pdf/find-chromium.ts';
import { ensurePdfSigningKey } from '../report/pdf/pdf-key.ts';
import { ReportDocumentExistsError, writeReportDocuments } from '../report/report-documents.ts';
import type { Report } from '../report/report-types.ts';
import { defaultKeyDir, KeyFileError, verifyBytes } from '../report/signing.ts';
import { validateReport } from '../report/validate-report.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

/** The run's report is missing, unsigned, altered or invalid, or the documents exist: exit 2. */
class ReportInputError extends Error {}

/** report.json of `runDir`, after checking it against report.json.sig and the bundled public key. */
function readSignedReport(runDir: string): Report {
  const files = [REPORT_FILE, REPORT_SIGNATURE_FILE, SIGNER_KEY_FILE].map((file) => join(runDir, file));
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) throw new ReportInputError(`${runDir} is not a finished run: ${missing.join(', ')} missing`);
  const [reportBytes, signature, publicKey] = files.map((file) => readFileSync(file));
  if (!verifyBytes(publicKey!.toString('utf8'), reportBytes!, signature!)) {
    throw new ReportInputError(`${files[0]} does not match its signature ${files[1]}; no documents are issued from it`);
  }
  try {
    return validateReport(JSON.parse(reportBytes!.toString('utf8')), files[0]);
  } catch (error) {
    throw new ReportInputError((error as Error).message);
  }
}

/** The `report` command. `output` redirects what it prints (tests). */
export function reportCommand(output: OutputConfiguration = {}): Command {
  const writeOut = output.writeOut ?? ((s: string) => process.stdout.write(s));
  const writeErr = output.writeErr ?? ((s: string) => process.stderr.write(s));
  return (
    new Command('report')
      .description(COMMAND_SUMMARIES.report.description)
      .argument('<run-dir>', 'the run directory (holds report.json, signed)')
      .option('--keys <dir>', 'the lab key directory with the PDF signing certificate (lab-pdf.p12)', defaultKeyDir())
      .option('--out <dir>', 'write the documents here instead of into the run directory')
      .configureOutput(output)
      // Throw usage errors (CommanderError) instead of exiting 1, so the program maps them to 2.
      .exitOverride()
      .action(async (runDir: string, options: { keys: string; out?: string }) => {
        try {
          const report = readSignedReport(runDir);
          if (options.out === undefined && existsSync(join(runDir, MANIFEST_FILE))) {
            // A signed run's manifest cannot list files added later: they would fail verify.
            throw new ReportInputError(
              `${runDir} is signed (${MANIFEST_FILE}); its report documents are written when it is finalised. Give --out DIR to render them elsewhere`,
            );
          }
          const outDir = options.out ?? runDir;
          if (options.out) mkdirSync(options.out, { recursive: true });
          const key = ensurePdfSigningKey(options.keys);
          if (key.created)
            writeOut(`created the PDF signing certificate ${key.certFile} (${key.subject}, self-signed)\n`);
          const written = await writeReportDocuments(runDir, report, options.keys, outDir);
          writeOut(
            `html  ${written.html}\npdf   ${written.pdf} (signed by ${key.subject}, certificate sha256 ${key.fingerprint})\n`,
          );
        } catch (error) {
          if (error instanceof ChromiumNotFoundError) {
            writeErr(`dnsconform report: ${error.message}\n`);
            process.exitCode = EXIT.HARNESS_ERROR;
            return;
          }
          const code = (error as NodeJS.ErrnoException).code;
          if (
            error instanceof ReportInputError ||
            error instanceof KeyFileError ||
            error instanceof FigureMismatchError ||
            error instanceof ReportDocumentExistsError ||
            code === 'EACCES' ||
            code === 'ENOTDIR' ||
            code === 'EEXIST'
          ) {
            writeErr(`dnsconform report: ${(error as Error).message}\n`);
            process.exitCode = EXIT.BAD_INPUT;
            return;
          }
          throw error;
        }
      })
  );
}
