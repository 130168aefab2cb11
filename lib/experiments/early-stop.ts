/**
 * Sequential decision: a phase may end before its window when every check that needs its
 * experiment has already settled its verdict on the evidence so far. A check settles when
 * it says more of the phase in progress cannot change the verdict (`settled: true` in its
 * outcome), either way: a FAIL (a forged address already contacted), a PASS once a later
 * FAIL is impossible or improbable below the error rates its rule states (Wald's SPRT, a
 * TTL that ran out and was asked again; `suites/sequential.ts`), or a phase that has given
 * a multi-phase check all it needs from it. Passive checks (`'*'`) never hold a phase open,
 * since they do not need any particular one.
 */
import type { CheckContext, LoadedCheck, Verdict } from '../checks/check-types.ts';
import { judgeCheck } from '../checks/mocha-binding.ts';
import type { Evidence } from '../evidence/evidence.ts';

/** The checks whose metadata names this experiment. */
export function checksNeeding(checks: readonly LoadedCheck[], experiment: string): LoadedCheck[] {
  return checks.filter((check) => check.meta.experiments.includes(experiment));
}

/** Whether a phase can end now, and on what. */
export interface SettledState {
  settled: boolean;
  /** Each needed check's current verdict and whether it is final. */
  verdicts: { check: string; verdict: Verdict; settled: boolean }[];
}

/** Judges the needed checks on the evidence so far; settled when all of them are. */
export function settledState(needed: readonly LoadedCheck[], evidence: Evidence, context: CheckContext): SettledState {
  const verdicts = needed.map((check) => {
    const result = judgeCheck(check, evidence, context);
    return { check: check.id, verdict: result.verdict, settled: result.settled === true && result.verdict !== 'ERROR' };
  });
  return { settled: verdicts.length > 0 && verdicts.every((v) => v.settled), verdicts };
}

/** The phase end reason the report shows for an early stop. */
export function settledReason(state: SettledState): string {
  return `settled early (sequential decision): ${state.verdicts.map((v) => `${v.check} ${v.verdict}`).join(', ')}`;
}
