/**
 * Closes a run: digests the evidence, writes the validated report and the manifest, and
 * signs both with the lab key. Nothing already in the run directory is touched; every
 * file this adds is created new (it fails rather than replace one).
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import { projectCatalogues } from '../catalogue/load-catalogues.ts';
import { buildManifest, digestFiles, hashFile, listRunFiles } from '../evidence/manifest.ts';
import type { FileDigest, ManifestEntry } from '../evidence/manifest.ts';
import { hashFilesInBackground } from '../evidence/background-hash.ts';
import { clockResolutionMicros } from '../evidence/clock.ts';
import { buildReport } from './build-report.ts';
import { citeCaptureFrames } from './capture-citations.ts';
import type { ReportInput } from './build-report.ts';
import {
  FINALISATION_FILES,
  MANIFEST_EXCLUDED,
  MANIFEST_FILE,
  MANIFEST_SIGNATURE_FILE,
  REPORT_FILE,
  REPORT_SIGNATURE_FILE,
  SIGNER_KEY_FILE,
} from './bundle-files.ts';
import type { Report } from './report-types.ts';
import { writeAttestation } from './attestation.ts';
import { writeReportDocuments } from './report-documents.ts';
import { loadSigningKey, signBytes } from './signing.ts';
import type { SigningKey } from './signing.ts';
import { validateReport } from './validate-report.ts';
import { loadLabConfig } from './lab-config.ts';
import type { ReportIssuer } from './lab-config.ts';
import { KeyFileError } from './key-file-error.ts';
import { loadPdfSigningKey } from './pdf/pdf-key.ts';
import { markStage } from '../evidence/stage-marks.ts';

/** What finalising wrote. Paths are absolute (joined to the run directory given). */
export interface FinalisedRun {
  reportFile: string;
  reportSignatureFile: string;
  signerKeyFile: string;
  manifestFile: string;
  manifestSignatureFile: string;
  report: Report;
  /** SHA-256 (hex) of the signer's DER public key. */
  signerFingerprint: string;
}

/** Creates `path` (failing if it exists), writes it whole and flushes it to disk. */
async function writeNewFile(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The issuer lab.yaml of `keyDir` names (null without one); its certificate must be the one
 * the PDF is signed with, or the report would name a signatory who did not sign it.
 */
export function labIssuer(keyDir: string): ReportIssuer | null {
  const lab = loadLabConfig(keyDir);
  if (lab === null) return null;
  const signing = loadPdfSigningKey(keyDir);
  if (signing.fingerprint !== lab.issuer.certificate.sha256) {
    throw new KeyFileError(
      `${lab.file}: /signingCertificate: ${lab.issuer.certificate.subject} (sha256 ${lab.issuer.certificate.sha256.slice(0, 16)}…) is not the certificate of ${signing.p12File} (${signing.subject}), which signs the PDF`,
    );
  }
  return lab.issuer;
}

/** The report input without what finalising adds; the project's catalogues unless `catalogues` is given. */
export type FinaliseInput = Omit<ReportInput, 'evidenceFiles' | 'catalogues'> & { catalogues?: Catalogues };

/** How to finalise. */
export interface FinaliseOptions {
  /** False: no report.html or report.pdf (see {@link finaliseRun}). */
  documents?: boolean;
  /**
   * Digests the caller already has of run files it wrote whole and closed, by path relative
   * to the run directory (`analyze` hashes its events file as it writes it): those files are
   * not read again.
   */
  knownDigests?: ReadonlyMap<string, FileDigest>;
}

/**
 * Finalises `runDir` with the key pair in `keyDir` (see `ensureKeys` to create one).
 * `input.issuedAt` defaults to now. Throws before writing anything when the run was
 * already finalised, the key is missing, or the report does not validate. With `documents:
 * false` it writes no report.html or report.pdf (the signed JSON, attestation and manifest
 * only): `dnsconform report RUN --out DIR` prints them later from the signed report.json.
 */
export async function finaliseRun(
  runDir: string,
  input: FinaliseInput,
  keyDir: string,
  options: FinaliseOptions = {},
): Promise<FinalisedRun> {
  const already = FINALISATION_FILES.filter((file) => existsSync(join(runDir, file)));
  if (already.length > 0) {
    throw new Error(`${runDir} is already finalised (${already.join(', ')} exist); evidence is never rewritten`);
  }
  const key = loadSigningKey(keyDir);
  const issuer = input.issuer === undefined ? labIssuer(keyDir) : input.issuer;
  const known = new Map([...(options.knownDigests ?? [])].map(([file, digest]) => [join(runDir, file), digest]));
  const evidenceFiles = digestFiles(runDir, listRunFiles(runDir), (path) => known.get(path) ?? hashFile(path));
  const results = await citeCaptureFrames(runDir, input.results);
  const report = validateReport(
    buildReport({
      ...input,
      results,
      clockResolutionMicros: clockResolutionMicros(),
      issuer,
      issuedAt: input.issuedAt ?? new Date().toISOString(),
      evidenceFiles,
      catalogues: input.catalogues ?? projectCatalogues(),
    }),
    `report of ${runDir}`,
  );
  // The attestation checks that no evidence file changed since the report was built, by
  // hashing each again: the large files the caller wrote (known digests) are hashed on a
  // worker thread from now on, beside writing and rendering the report.
  const rehashedFiles = [...(options.knownDigests ?? new Map()).keys()];
  const rehashing = rehashedFiles.length > 0 ? hashFilesInBackground(rehashedFiles.map((f) => join(runDir, f))) : null;
  try {
    return await writeFinalisation(runDir, keyDir, report, key, evidenceFiles, options, async () => {
      const digests = rehashing === null ? [] : await rehashing.digests;
      return new Map(rehashedFiles.map((file, i) => [file, digests[i]!]));
    });
  } finally {
    rehashing?.cancel();
  }
}

/** Writes the signed report, its renderings, the attestation and the signed manifest. */
async function writeFinalisation(
  runDir: string,
  keyDir: string,
  report: Report,
  key: SigningKey,
  evidenceFiles: ManifestEntry[],
  options: FinaliseOptions,
  rehashed: () => Promise<ReadonlyMap<string, FileDigest>>,
): Promise<FinalisedRun> {
  const reportBytes = Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8');
  const paths = {
    reportFile: join(runDir, REPORT_FILE),
    reportSignatureFile: join(runDir, REPORT_SIGNATURE_FILE),
    signerKeyFile: join(runDir, SIGNER_KEY_FILE),
    manifestFile: join(runDir, MANIFEST_FILE),
    manifestSignatureFile: join(runDir, MANIFEST_SIGNATURE_FILE),
  };
  await writeNewFile(paths.reportFile, reportBytes);
  await writeNewFile(paths.reportSignatureFile, signBytes(key.privateKey, reportBytes));
  await writeNewFile(paths.signerKeyFile, key.publicKeyPem);
  // The renderings for people come after the signed JSON they are made from, and before the
  // manifest, which hashes them with the evidence.
  markStage('report.json');
  if (options.documents !== false) await writeReportDocuments(runDir, report, keyDir);
  // The attestation names the report, its renderings and every evidence file by digest.
  await writeAttestation(runDir, report, key, await rehashed());

  // The evidence files were digested above and nothing here changes them (every file added is new): a large events file is hashed once.
  const digested = new Map(evidenceFiles.map(({ file, sha256, bytes }) => [join(runDir, file), { sha256, bytes }]));
  const manifestBytes = Buffer.from(
    `${JSON.stringify(
      buildManifest(runDir, MANIFEST_EXCLUDED, (path) => digested.get(path) ?? hashFile(path)),
      null,
      2,
    )}\n`,
    'utf8',
  );
  await writeNewFile(paths.manifestFile, manifestBytes);
  await writeNewFile(paths.manifestSignatureFile, signBytes(key.privateKey, manifestBytes));
  markStage('sealed');

  return { ...paths, report, signerFingerprint: key.fingerprint };
}
