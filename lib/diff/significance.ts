/**
 * Two-sample tests for the metric deltas of `dnsconform diff`: is a change between two runs
 * larger than the sampling noise of each? simple-statistics gives the moments and the normal
 * distribution; the tests themselves (Brown–Forsythe on spread, a Poisson rate comparison, a
 * two-proportion test) are a few lines each and no maintained npm package offers them together
 * with deterministic results (simple-statistics' permutation test draws random numbers, so a
 * diff would not be reproducible). Each uses the normal approximation, stated in its text;
 * below {@link MIN_SAMPLE} values on either side no significance is claimed.
 */
import { cumulativeStdNormalProbability, mean, median, variance } from 'simple-statistics';
import type { TestOutcome } from './diff.generated.ts';

/** Two-sided significance level of every test. */
export const ALPHA = 0.01;

/** Fewest values on each side for the normal approximation to be claimed. */
export const MIN_SAMPLE = 20;

export type { TestOutcome } from './diff.generated.ts';

/** Two-sided p-value of a standard normal statistic. */
function twoSided(z: number): number {
  return Math.min(1, 2 * (1 - cumulativeStdNormalProbability(Math.abs(z))));
}

function outcome(test: string, z: number): TestOutcome {
  if (!Number.isFinite(z))
    return {
      test,
      statistic: null,
      pValue: null,
      significant: null,
      note: 'the statistic is undefined (no spread on either side)',
    };
  const pValue = twoSided(z);
  return { test, statistic: z, pValue, significant: pValue < ALPHA, note: null };
}

function tooFew(test: string, a: number, b: number): TestOutcome {
  return {
    test,
    statistic: null,
    pValue: null,
    significant: null,
    note: `too few samples for the test (${a} and ${b}; at least ${MIN_SAMPLE} each)`,
  };
}

/**
 * Brown–Forsythe test of equal spread: Welch's z on the absolute deviations from each
 * sample's median. Robust to the non-normal (uniform, constant) distributions of ports and IDs.
 */
export function spreadTest(a: readonly number[], b: readonly number[]): TestOutcome {
  const test = `Brown–Forsythe (Welch z on |x − median|, normal approximation, α = ${ALPHA})`;
  if (a.length < MIN_SAMPLE || b.length < MIN_SAMPLE) return tooFew(test, a.length, b.length);
  const deviations = (values: readonly number[]) => {
    const m = median([...values]);
    return values.map((v) => Math.abs(v - m));
  };
  const da = deviations(a);
  const db = deviations(b);
  const se = Math.sqrt(variance(da) / da.length + variance(db) / db.length);
  const diff = mean(db) - mean(da);
  if (se === 0) {
    // Both samples constant around their medians: equal spread exactly when both deviations are equal.
    return diff === 0
      ? { test, statistic: 0, pValue: 1, significant: false, note: null }
      : {
          test,
          statistic: null,
          pValue: 0,
          significant: true,
          note: 'no spread within either sample, different between them',
        };
  }
  return outcome(test, diff / se);
}

/** Two Poisson rates (events over seconds): z = (rB − rA) / √(nA/tA² + nB/tB²). */
export function rateTest(countA: number, secondsA: number, countB: number, secondsB: number): TestOutcome {
  const test = `Poisson rates (z on the difference, normal approximation, α = ${ALPHA})`;
  if (countA < MIN_SAMPLE && countB < MIN_SAMPLE) return tooFew(test, countA, countB);
  if (secondsA <= 0 || secondsB <= 0)
    return { test, statistic: null, pValue: null, significant: null, note: 'an observation of no duration' };
  const se = Math.sqrt(countA / secondsA ** 2 + countB / secondsB ** 2);
  return outcome(test, (countB / secondsB - countA / secondsA) / se);
}

/** Two proportions (successes of trials), pooled standard error. */
export function proportionTest(hitsA: number, trialsA: number, hitsB: number, trialsB: number): TestOutcome {
  const test = `two proportions (pooled z, normal approximation, α = ${ALPHA})`;
  if (trialsA < MIN_SAMPLE || trialsB < MIN_SAMPLE) return tooFew(test, trialsA, trialsB);
  const pooled = (hitsA + hitsB) / (trialsA + trialsB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / trialsA + 1 / trialsB));
  const diff = hitsB / trialsB - hitsA / trialsA;
  if (se === 0) return { test, statistic: 0, pValue: 1, significant: false, note: null };
  return outcome(test, diff / se);
}
