/**
 * `--replay-zone RUN_DIR`: a later run serves a recorded run's upstream answers instead of
 * asking upstream, so a re-test gives the device the same answers. The recorded run is
 * verified first as a regulator would (signatures, manifest, every file's digest): answers
 * from a run that does not verify are not served.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { REPORT_FILE } from '../report/bundle-files.ts';
import type { Report } from '../report/report-types.ts';
import { RunDirError, verifyRun } from '../report/verify-run.ts';
import { ReplayedUpstream } from '../resolver/upstream-answers.ts';
import { UsageError } from './usage-error.ts';

/** Problems listed before "and N more" in an error line. */
const LISTED_PROBLEMS = 3;

/** One recorded run, verified, with the upstream answers it recorded. */
export function loadReplay(runDir: string): { dutId: string; replay: ReplayedUpstream } {
  let outcome;
  try {
    outcome = verifyRun(runDir);
  } catch (error) {
    if (error instanceof RunDirError) throw new UsageError(`--replay-zone ${runDir}: ${error.message}`);
    throw error;
  }
  if (!outcome.ok || outcome.signer === null) {
    const problems = outcome.files.flatMap((f) => f.problems.map((p) => `${f.file}: ${p}`));
    const listed = problems.slice(0, LISTED_PROBLEMS).join('; ');
    const more =
      problems.length > LISTED_PROBLEMS
        ? `; and ${problems.length - LISTED_PROBLEMS} more (dnsconform verify ${runDir})`
        : '';
    throw new UsageError(
      `--replay-zone ${runDir}: the run does not verify, so its answers are not replayed: ${listed || 'no signer key to check it with'}${more}`,
    );
  }
  const report = JSON.parse(readFileSync(join(runDir, REPORT_FILE), 'utf8')) as Report;
  const recorded = loadEvidence(join(runDir, RUN_FILES.events))
    .ofType('upstream.answer')
    .filter((e) => e.dut === report.dut.id);
  if (recorded.length === 0) {
    throw new UsageError(
      `--replay-zone ${runDir}: run ${report.runId} recorded no upstream answers (its profile had no resolver.upstream, or the device asked only zone names): nothing to replay`,
    );
  }
  return { dutId: report.dut.id, replay: new ReplayedUpstream(report.runId, recorded) };
}

/**
 * The replays by the DUT they serve: each recorded run serves the profile of its own DUT id;
 * with one profile and one run, that profile whatever its id (a re-test under a new id).
 */
export function loadReplays(
  runDirs: readonly string[],
  profiles: readonly LoadedProfile[],
): Map<string, ReplayedUpstream> {
  const replays = new Map<string, ReplayedUpstream>();
  const ids = new Set(profiles.map((p) => p.profile.dut.id));
  for (const runDir of runDirs) {
    const { dutId, replay } = loadReplay(runDir);
    const target = ids.has(dutId)
      ? dutId
      : profiles.length === 1 && runDirs.length === 1
        ? profiles[0]!.profile.dut.id
        : null;
    if (target === null)
      throw new UsageError(
        `--replay-zone ${runDir}: it recorded DUT "${dutId}", and no profile of this run certifies "${dutId}" (profiles: ${[...ids].join(', ')})`,
      );
    if (replays.has(target))
      throw new UsageError(
        `--replay-zone ${runDir}: DUT "${target}" already replays run ${replays.get(target)!.runId}; one recorded run per DUT`,
      );
    replays.set(target, replay);
  }
  return replays;
}
