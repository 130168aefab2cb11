/**
 * Checks a finalised run directory the way a regulator would: both signatures, every
 * manifest entry, every evidence file the report cites, the in-toto attestation (its DSSE
 * signature and every subject digest), the PDF's embedded signature (with pdfsig), and
 * files that are missing, unlisted, or private keys. Needs nothing but the directory (and,
 * for real assurance, the lab's public key obtained by other means: the bundled
 * `signer.pub.pem` only proves self-consistency).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkManifest, hashFile, listRunFiles, parseManifest } from '../evidence/manifest.ts';
import type { FileDigest, Manifest } from '../evidence/manifest.ts';
import { checkAttestation } from './attestation.ts';
import {
  MANIFEST_EXCLUDED,
  MANIFEST_FILE,
  MANIFEST_SIGNATURE_FILE,
  REPORT_FILE,
  REPORT_PDF_FILE,
  REPORT_SIGNATURE_FILE,
  SIGNER_KEY_FILE,
} from './bundle-files.ts';
import { checkPdfSignature } from './pdf-signature.ts';
import { findPrivateKeys } from './private-keys.ts';
import type { Report } from './report-types.ts';
import { readPublicKeyFingerprint, verifyBytes } from './signing.ts';
import { validateReport } from './validate-report.ts';

/** The directory is not a finalised run (no report.json or manifest.json): bad input. */
export class RunDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunDirError';
  }
}

/** One file of the bundle and what is wrong with it, if anything. */
export interface FileVerdict {
  /** Relative POSIX path inside the run directory. */
  file: string;
  ok: boolean;
  problems: string[];
}

/** The key the signatures were checked against. */
export interface SignerUsed {
  /** `trusted`: given by the caller; `bundled`: the run's own signer.pub.pem. */
  source: 'trusted' | 'bundled';
  keyFile: string;
  /** SHA-256 (hex) of the DER public key. */
  fingerprint: string;
}

/** What verification found. */
export interface VerifyOutcome {
  /** True when every file is ok. */
  ok: boolean;
  runDir: string;
  /** Null when no usable public key was found (then the signatures count as not verified). */
  signer: SignerUsed | null;
  /** Every file present or named by the manifest or the report, sorted by path. */
  files: FileVerdict[];
  /** The report, when it parsed and validated. */
  report: Report | null;
  /** What could not be checked here and so was not (never counted as a pass), one line each. */
  notes: string[];
}

/** What to verify with. */
export interface VerifyOptions {
  /** The lab's public key to trust; the bundled signer.pub.pem when absent. */
  publicKeyFile?: string;
  /** The pdfsig command (default `pdfsig` from PATH). */
  pdfsig?: string;
}

/** Collects problems per file. */
class Findings {
  private readonly byFile = new Map<string, string[]>();

  see(file: string): void {
    if (!this.byFile.has(file)) this.byFile.set(file, []);
  }

  problem(file: string, message: string): void {
    this.see(file);
    this.byFile.get(file)!.push(message);
  }

  verdicts(): FileVerdict[] {
    return [...this.byFile.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([file, problems]) => ({ file, ok: problems.length === 0, problems }));
  }
}

function requireRunDir(runDir: string): void {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new RunDirError(`${runDir} is not a directory`);
  }
  for (const file of [REPORT_FILE, MANIFEST_FILE]) {
    if (!existsSync(join(runDir, file))) {
      throw new RunDirError(`${runDir} is not a finalised run: ${file} is missing`);
    }
  }
}

/** Picks the key to check signatures with; a bad trusted key file is bad input (throws). */
function chooseSigner(
  runDir: string,
  findings: Findings,
  publicKeyFile?: string,
): { used: SignerUsed; pem: string } | null {
  if (publicKeyFile !== undefined) {
    if (!existsSync(publicKeyFile)) throw new RunDirError(`trusted key ${publicKeyFile} does not exist`);
    const pem = readFileSync(publicKeyFile, 'utf8');
    const used: SignerUsed = {
      source: 'trusted',
      keyFile: publicKeyFile,
      fingerprint: readPublicKeyFingerprint(pem, publicKeyFile),
    };
    const bundled = join(runDir, SIGNER_KEY_FILE);
    if (existsSync(bundled)) {
      let bundledFingerprint: string | null = null;
      try {
        bundledFingerprint = readPublicKeyFingerprint(readFileSync(bundled, 'utf8'), SIGNER_KEY_FILE);
      } catch (error) {
        findings.problem(SIGNER_KEY_FILE, (error as Error).message);
      }
      if (bundledFingerprint !== null && bundledFingerprint !== used.fingerprint) {
        findings.problem(SIGNER_KEY_FILE, `is key ${bundledFingerprint}, not the trusted key ${used.fingerprint}`);
      }
    }
    return { used, pem };
  }
  const keyFile = join(runDir, SIGNER_KEY_FILE);
  if (!existsSync(keyFile)) {
    findings.problem(SIGNER_KEY_FILE, 'is missing and no trusted key was given, so no signature can be checked');
    return null;
  }
  const pem = readFileSync(keyFile, 'utf8');
  try {
    return { used: { source: 'bundled', keyFile, fingerprint: readPublicKeyFingerprint(pem, SIGNER_KEY_FILE) }, pem };
  } catch (error) {
    findings.problem(SIGNER_KEY_FILE, `${(error as Error).message}; no signature can be checked`);
    return null;
  }
}

/** Checks `signatureFile` over `signedFile`, recording problems against the right file; true when it verifies. */
function checkSignature(
  runDir: string,
  signedFile: string,
  signatureFile: string,
  signer: { used: SignerUsed; pem: string } | null,
  findings: Findings,
): boolean {
  const signaturePath = join(runDir, signatureFile);
  if (!existsSync(signaturePath)) {
    findings.problem(signatureFile, `is missing, so ${signedFile} is not signed`);
    return false;
  }
  if (signer === null) {
    findings.problem(signedFile, `signature ${signatureFile} not checked: no usable public key`);
    return false;
  }
  const signature = readFileSync(signaturePath);
  if (!verifyBytes(signer.pem, readFileSync(join(runDir, signedFile)), signature)) {
    findings.problem(
      signedFile,
      `signature ${signatureFile} does not verify with the ${signer.used.source} key ` +
        `${signer.used.fingerprint}: ${signedFile} was changed, or signed by another key`,
    );
    return false;
  }
  return true;
}

function readManifest(runDir: string, findings: Findings): Manifest | null {
  try {
    const manifest = parseManifest(readFileSync(join(runDir, MANIFEST_FILE), 'utf8'), MANIFEST_FILE);
    for (const excluded of manifest.excluded) {
      if (!MANIFEST_EXCLUDED.includes(excluded)) {
        findings.problem(
          MANIFEST_FILE,
          `leaves ${excluded} out of the manifest, which only ${MANIFEST_EXCLUDED.join(' and ')} may be`,
        );
      }
    }
    return manifest;
  } catch (error) {
    findings.problem(MANIFEST_FILE, (error as Error).message);
    return null;
  }
}

function readReport(runDir: string, findings: Findings): Report | null {
  try {
    return validateReport(JSON.parse(readFileSync(join(runDir, REPORT_FILE), 'utf8')), REPORT_FILE);
  } catch (error) {
    findings.problem(REPORT_FILE, (error as Error).message);
    return null;
  }
}

/**
 * Verifies a finalised run directory. Throws {@link RunDirError} (or `KeyFileError` for
 * an unreadable trusted key) on bad input; anything that does not match is reported in
 * the outcome, never thrown.
 */
export function verifyRun(runDir: string, opts: VerifyOptions = {}): VerifyOutcome {
  requireRunDir(runDir);
  const findings = new Findings();
  const notes: string[] = [];
  const present = listRunFiles(runDir);
  present.forEach((file) => findings.see(file));
  for (const found of findPrivateKeys(runDir, present)) {
    findings.problem(found.file, `a private key (${found.why}): a private key is never part of a run or bundle`);
  }

  const digests = new Map<string, FileDigest>();
  const digest = (path: string): FileDigest => {
    let known = digests.get(path);
    if (known === undefined) digests.set(path, (known = hashFile(path)));
    return known;
  };

  const signer = chooseSigner(runDir, findings, opts.publicKeyFile);
  const reportSigned = checkSignature(runDir, REPORT_FILE, REPORT_SIGNATURE_FILE, signer, findings);
  checkSignature(runDir, MANIFEST_FILE, MANIFEST_SIGNATURE_FILE, signer, findings);

  const manifest = readManifest(runDir, findings);
  if (manifest !== null) {
    for (const problem of checkManifest(runDir, manifest, digest)) {
      findings.problem(problem.file, `${problem.kind}: ${problem.detail}`);
    }
  } else {
    for (const file of present) {
      if (!MANIFEST_EXCLUDED.includes(file)) findings.problem(file, 'not covered: manifest.json cannot be read');
    }
  }

  const report = readReport(runDir, findings);
  // A report whose signature fails vouches for nothing: it is named, and nothing is compared with it.
  const signedReport = reportSigned ? report : null;
  for (const entry of signedReport?.evidenceFiles ?? []) {
    const path = join(runDir, entry.file);
    if (!existsSync(path)) {
      findings.problem(entry.file, `missing: cited in ${REPORT_FILE} evidenceFiles but not in the run directory`);
      continue;
    }
    let actual: FileDigest;
    try {
      actual = digest(path);
    } catch (error) {
      findings.problem(entry.file, `unreadable: ${(error as Error).message}`);
      continue;
    }
    if (actual.sha256 !== entry.sha256 || actual.bytes !== entry.bytes) {
      findings.problem(
        entry.file,
        `changed: content differs from ${REPORT_FILE} evidenceFiles ` +
          `(sha256 ${actual.sha256}, ${actual.bytes} bytes; report says ${entry.sha256}, ${entry.bytes} bytes)`,
      );
    }
  }

  for (const problem of checkAttestation(runDir, signedReport, signer?.pem ?? null, digest)) {
    findings.problem(problem.file, problem.message);
  }

  if (existsSync(join(runDir, REPORT_PDF_FILE))) {
    const pdf = checkPdfSignature(join(runDir, REPORT_PDF_FILE), opts.pdfsig);
    if (pdf.status === 'invalid')
      pdf.problems.forEach((problem) => findings.problem(REPORT_PDF_FILE, `embedded signature: ${problem}`));
    if (pdf.status === 'unchecked')
      notes.push(
        `${REPORT_PDF_FILE}: ${pdf.reason}; its bytes were checked against the signed manifest and attestation only`,
      );
  }

  const files = findings.verdicts();
  return {
    ok: signer !== null && files.every((f) => f.ok),
    runDir,
    signer: signer?.used ?? null,
    files,
    report,
    notes,
  };
}
