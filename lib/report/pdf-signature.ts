/**
 * Checks the signature embedded in `report.pdf` with poppler's `pdfsig`, the tool a
 * regulator would use. pdfsig exits 0 even when a signature is broken, so its report is
 * read: every signature must say "Signature is Valid.", and one of them must cover the
 * whole file ("Total document signed"), or bytes were added after signing. Whether the
 * signer's certificate chains to a trusted CA is reported by pdfsig but not judged here:
 * the lab's certificate is usually its own.
 */
import { spawnSync } from 'node:child_process';

/** What checking the PDF's signature found. */
export type PdfSignatureCheck =
  | { status: 'valid'; signatures: number }
  | { status: 'invalid'; problems: string[] }
  /** pdfsig could not be run: the signature was not checked (never a pass). */
  | { status: 'unchecked'; reason: string };

/** One signature as pdfsig describes it. */
interface PdfsigSignature {
  label: string;
  validation: string | null;
  wholeFile: boolean;
}

/** The signatures in pdfsig's report (`Signature #1:` blocks with `  - Key: value` lines). */
export function parsePdfsigReport(text: string): PdfsigSignature[] {
  const signatures: PdfsigSignature[] = [];
  for (const line of text.split('\n')) {
    const heading = /^(Signature #\d+):\s*$/.exec(line.trim());
    if (heading) {
      signatures.push({ label: heading[1]!, validation: null, wholeFile: false });
      continue;
    }
    const current = signatures.at(-1);
    if (current === undefined) continue;
    const item = line.trim().replace(/^-\s*/, '');
    if (item === 'Total document signed') current.wholeFile = true;
    const validation = /^Signature Validation:\s*(.*)$/.exec(item);
    if (validation) current.validation = validation[1]!.trim();
  }
  return signatures;
}

/** Judges pdfsig's report of a file: the problems, none when the file is validly signed in full. */
export function judgePdfsigReport(text: string, exitCode: number | null): string[] {
  const signatures = parsePdfsigReport(text);
  if (signatures.length === 0) {
    const said =
      text
        .trim()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(-1)[0] ?? '';
    return [`pdfsig found no signature (exit ${exitCode ?? 'none'}${said ? `: ${said.trim()}` : ''})`];
  }
  const problems = signatures
    .filter((s) => s.validation !== 'Signature is Valid.')
    .map((s) => `pdfsig ${s.label}: ${s.validation ?? 'no validation result'}`);
  if (!signatures.some((s) => s.wholeFile && s.validation === 'Signature is Valid.')) {
    problems.push(
      'pdfsig: no valid signature covers the whole file ("Not total document signed": bytes were added or changed after signing)',
    );
  }
  return problems;
}

/** Runs pdfsig on `file` (`pdfsig` from PATH unless another command is given). */
export function checkPdfSignature(file: string, pdfsig = 'pdfsig'): PdfSignatureCheck {
  const run = spawnSync(pdfsig, [file], { encoding: 'utf8', timeout: 60_000 });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return {
      status: 'unchecked',
      reason:
        code === 'ENOENT'
          ? 'pdfsig is not installed (Debian: apt-get install poppler-utils), so the PDF signature was NOT checked'
          : `pdfsig could not be run (${run.error.message}), so the PDF signature was NOT checked`,
    };
  }
  const problems = judgePdfsigReport(`${run.stdout}\n${run.stderr}`, run.status);
  return problems.length === 0
    ? { status: 'valid', signatures: parsePdfsigReport(run.stdout).length }
    : { status: 'invalid', problems };
}
