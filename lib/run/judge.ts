/**
 * The one judgement every way of running uses: the live session, `analyze`, `verify
 * --rejudge` and `finalise` all turn stored evidence into results here, so a verdict made
 * again from the same evidence is made by the same code.
 */
import type { CheckResult, LoadedCheck } from '../checks/check-types.ts';
import { judgeWithMocha, notAssessedResult } from '../checks/mocha-binding.ts';
import type { Evidence } from '../evidence/evidence.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';
import type { Profile } from '../profile/profile-types.ts';

/**
 * Where the evidence came from: a live run (`run`: the harness set the resolver's answers
 * phase by phase) or imported captures (`analyze`: everyday traffic, no phase the harness
 * shaped).
 */
export type EvidenceOrigin = 'run' | 'analyze';

/** How to judge. */
export interface JudgeOptions {
  /** Where the evidence came from (default `run`). */
  origin?: EvidenceOrigin;
  /** Show mocha's own reporter output while judging (`spec`, `dot`...). */
  mochaReporter?: string;
}

/**
 * Whether a capture of everyday traffic can decide the check: it judges every phase (`*`),
 * or its rule holds each answer against what followed whatever caused it (`passive`).
 */
export function capturesDecide(check: LoadedCheck): boolean {
  return check.meta.experiments.includes('*') || check.meta.passive === true;
}

/**
 * Judges `checks` on `evidence` for the profile's DUT; one result per check, in check order.
 * Live evidence: every check under mocha. Imported captures: the checks a capture can decide
 * (see {@link capturesDecide}) over the whole capture; the others are not assessed
 * (INCONCLUSIVE), saying which experiments they need.
 */
export async function judge(
  evidence: Evidence,
  profile: Profile,
  checks: readonly LoadedCheck[],
  options: JudgeOptions = {},
): Promise<CheckResult[]> {
  const context = { dutId: profile.dut.id, profile, eventsFile: RUN_FILES.events };
  const reporter = options.mochaReporter ? { reporter: options.mochaReporter } : {};
  if ((options.origin ?? 'run') === 'run') return judgeWithMocha(checks, evidence, context, reporter);
  // A passive check sees the whole capture: its experiment's phase does not exist there, every captured answer stands in for it.
  const passive = checks
    .filter(capturesDecide)
    .map((c) => (c.meta.experiments.includes('*') ? c : { ...c, meta: { ...c.meta, experiments: ['*'] } }));
  const judged = await judgeWithMocha(passive, evidence, context, reporter);
  const byId = new Map(judged.map((r) => [r.check, r]));
  return checks.map((check) => {
    const needed = `the ${check.meta.experiments.join(', ')} experiment${check.meta.experiments.length > 1 ? 's' : ''}`;
    return (
      byId.get(check.id) ??
      notAssessedResult(
        check,
        `Judged from ${needed} of a live run (dnsconform run --plan).`,
        `Needs ${needed}: an imported capture has no phase in which the harness set the resolver's answers.`,
      )
    );
  });
}
