/**
 * A run directory or bundle opened for reading only after it verified: `diff` and
 * `allowlist` read nothing that the lab's signatures and the manifest's digests do not
 * cover. A run that does not verify is bad input naming the files that failed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Evidence } from '../evidence/evidence.ts';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';
import { openRunOrBundle } from '../report/bundle.ts';
import type { Report } from '../report/report-types.ts';
import { verifyRun } from '../report/verify-run.ts';
import { BadInputError } from '../evidence/bad-input.ts';

/** A run that failed verification, or is not a run at all (exit code 2). */
export class UnverifiedRunError extends BadInputError {
  override name = 'UnverifiedRunError';
}

/** The file `analyze` writes in place of a profile copy; it names the resolvers the network assigned. */
const ANALYSIS_FILE = 'analysis.json';

/** A verified run, open for reading until {@link VerifiedRun.close}. */
export interface VerifiedRun {
  /** What was given (directory or bundle). */
  input: string;
  runDir: string;
  report: Report;
  evidence: Evidence;
  /** Files verified. */
  verifiedFiles: number;
  /** SHA-256 of the key the signatures were checked with. */
  signer: string | null;
  /** The addresses the DUT was assigned as resolver: the harness's endpoints, or the network's for an imported capture. */
  assignedResolvers: string[];
  /** The profile copy's text (profile.yaml), or null for an imported capture. */
  profileText: string | null;
  close(): void;
}

/**
 * Opens and verifies a run directory or bundle; throws {@link UnverifiedRunError} naming
 * the input and every file that failed, or what is not a run.
 */
export async function openVerifiedRun(input: string, options: { publicKeyFile?: string } = {}): Promise<VerifiedRun> {
  let opened;
  try {
    opened = await openRunOrBundle(input);
  } catch (error) {
    throw new UnverifiedRunError(`${input}: ${(error as Error).message}`);
  }
  try {
    let outcome;
    try {
      outcome = verifyRun(
        opened.runDir,
        options.publicKeyFile === undefined ? {} : { publicKeyFile: options.publicKeyFile },
      );
    } catch (error) {
      throw new UnverifiedRunError(`${input}: ${(error as Error).message}`);
    }
    if (!outcome.ok || outcome.report === null) {
      const failed = outcome.files.filter((f) => !f.ok).map((f) => `${f.file} (${f.problems.join('; ')})`);
      throw new UnverifiedRunError(
        `${input}: does not verify, refusing to read it: ${failed.join(', ') || 'report.json did not validate'}`,
      );
    }
    const report = outcome.report;
    const evidence = loadEvidence(join(opened.runDir, RUN_FILES.events));
    const profileFile = join(opened.runDir, RUN_FILES.profile);
    const analysisFile = join(opened.runDir, ANALYSIS_FILE);
    const assigned = new Set(report.resolver.endpoints.map((e) => e.address));
    if (existsSync(analysisFile)) {
      const analysis = JSON.parse(readFileSync(analysisFile, 'utf8')) as { assignedResolvers?: string[] };
      for (const address of analysis.assignedResolvers ?? []) assigned.add(address);
    }
    return {
      input,
      runDir: opened.runDir,
      report,
      evidence,
      verifiedFiles: outcome.files.length,
      signer: outcome.signer?.fingerprint ?? null,
      assignedResolvers: [...assigned].sort(),
      profileText: existsSync(profileFile) ? readFileSync(profileFile, 'utf8') : null,
      close: () => opened.close(),
    };
  } catch (error) {
    opened.close();
    throw error;
  }
}
