/**
 * The one sealing every way of running uses: the run's figures drawn into its directory,
 * then the signed report, its renderings (HTML, signed PDF), the attestation and the signed
 * manifest (`report/finalise-run.ts`). What the report states about the run itself (when
 * the evidence starts and ends, its phases, the harness) is read here from the stored
 * evidence, the same way for a live run, imported captures and a finalised interrupted run.
 */
import type { ScopeSelection } from '../checks/select-checks.ts';
import type { CheckResult } from '../checks/check-types.ts';
import { latenessStatements, lossStatements } from '../checks/evidence-loss.ts';
import type { Evidence } from '../evidence/evidence.ts';
import { answerSources } from '../report/answer-sources.ts';
import { writeFigures } from '../figures/index.ts';
import type { FigureFile, FigureOptions } from '../figures/index.ts';
import type { Profile } from '../profile/profile-types.ts';
import { harnessInfo } from '../report/build-report.ts';
import type { Reproduction } from '../report/build-report.ts';
import { finaliseRun } from '../report/finalise-run.ts';
import type { FinalisedRun, FinaliseOptions } from '../report/finalise-run.ts';
import type { FileDigest } from '../evidence/manifest.ts';
import type { ResolverEndpoint } from '../report/report-types.ts';
import type { EvidenceOrigin } from './judge.ts';
import { markStage } from '../evidence/stage-marks.ts';

/** What sealing needs besides the run directory and the keys. */
export interface SealInput {
  /** The run's stored evidence, as it was judged. */
  evidence: Evidence;
  /** Where it came from: a live run's report also states its answer sources and any traffic it lost. */
  origin: EvidenceOrigin;
  runId: string;
  profile: Profile;
  /** The profile copy inside the run directory (`profile.yaml`, or `analysis.json` for imported captures), and its SHA-256. */
  profileFile: string;
  profileSha256: string;
  /** The sockets the resolver listened on (none for imported captures). */
  endpoints: ResolverEndpoint[];
  windowSeconds: number;
  results: CheckResult[];
  scope: ScopeSelection;
  reproduction?: Reproduction;
  /** What the report must add about the evidence (an interrupted run says so), after the loss statement. */
  evidenceStatements?: string[];
  /** How the figures are drawn (imported captures judge re-queries over the whole capture). */
  figures?: FigureOptions;
  /** False: no report.html or report.pdf now (`dnsconform report RUN --out DIR` prints them later). */
  documents?: boolean;
  /** Digests already known of run files written whole (see {@link FinaliseOptions.knownDigests}). */
  knownDigests?: ReadonlyMap<string, FileDigest>;
  /** Told what sealing could not do but the run survives (`no figures: ...`). */
  onProblem?: (problem: string) => void;
}

/** An ISO 8601 time from the evidence clock (microseconds since the epoch). */
export const isoFromMicros = (micros: number): string => new Date(micros / 1000).toISOString();

/**
 * Seals `runDir` with the lab key in `keyDir`: figures first (so the manifest hashes them; a
 * charting fault costs the figures, never the signed run), then the finalised run.
 */
export async function seal(runDir: string, input: SealInput, keyDir: string): Promise<FinalisedRun> {
  const { evidence, profile } = input;
  const dutId = profile.dut.id;
  let figures: FigureFile[] = [];
  try {
    figures = await writeFigures(runDir, evidence, dutId, input.figures ?? {});
  } catch (error) {
    input.onProblem?.(`no figures: ${(error as Error).message}`);
  }
  markStage('figures');
  const span = evidence.span();
  const live = input.origin === 'run';
  const statements = [
    ...(live ? [...lossStatements(evidence, dutId), ...latenessStatements(evidence)] : []),
    ...(input.evidenceStatements ?? []),
  ];
  return finaliseRun(
    runDir,
    {
      runId: input.runId,
      startedAt: isoFromMicros(span.start),
      endedAt: isoFromMicros(span.end),
      harness: harnessInfo(),
      profile,
      profileFile: input.profileFile,
      profileSha256: input.profileSha256,
      endpoints: input.endpoints,
      windowSeconds: input.windowSeconds,
      phases: evidence.phases(),
      phasesNotRun: evidence.phasesNotRun(),
      results: input.results,
      figures,
      ...(live ? { answerSources: answerSources(evidence, dutId) } : {}),
      scope: input.scope,
      ...(input.reproduction ? { reproduction: input.reproduction } : {}),
      ...(live || statements.length > 0 ? { evidenceStatements: statements } : {}),
    },
    keyDir,
    { documents: input.documents, ...(input.knownDigests === undefined ? {} : { knownDigests: input.knownDigests }) },
  );
}
