/**
 * Measurement uncertainty of the randomisation rule (ISO/IEC 17025 §7.8.3.1 c): how likely a
 * DUT drawing its field uniformly at random is to FAIL the rule anyway at the sample size
 * observed, and how many samples make that less than one in a million.
 *
 * The rule fails on any of four criteria; the probability of failing is at most the sum of
 * the four (union bound), each computed as follows:
 * - most used value above `maxTopShare`: at most `space` × the exact binomial tail
 *   P(Bin(n, 1/space) > ⌊maxTopShare·n⌋) (union over the values), log-gamma from simple-statistics;
 * - too few distinct values: exact, from the occupancy distribution of n uniform draws
 *   (dynamic programme over the number of distinct values seen);
 * - too many sequential steps: the exact binomial tail of n−1 consecutive differences, each
 *   sequential with probability 2·16/space (exact for a field uniform over all 65536 values,
 *   where consecutive differences are independent and uniform; an over-estimate otherwise);
 * - σ below `minStdev`: normal approximation of the sample variance (exact mean σ²(n−1)/n and
 *   leading-order variance (μ₄ − σ⁴)/n of the discrete uniform). The one criterion not
 *   computed exactly; said so in the method text. Φ comes from the complementary error
 *   function below: simple-statistics' Φ is a table read to three decimals, which cannot
 *   tell 10⁻³ from 10⁻⁶.
 */
import { gammaln } from 'simple-statistics';
import { expectedDistinct, SEQUENTIAL_MAX_STEP } from './randomness.ts';

/** The thresholds of the rule that a uniform draw can miss. */
export interface UniformRuleParameters {
  uniformSpace: number;
  minStdev: number;
  maxTopShare: number;
  minDistinctFraction: number;
  maxSequentialShare: number;
}

/** P(FAIL) of a uniformly random DUT at one sample size, and its parts. */
export interface UniformFailProbability {
  n: number;
  /** At most this (the union bound over the criteria), capped at 1. */
  total: number;
  stdev: number;
  topShare: number;
  distinct: number;
  sequential: number;
}

/** How the probabilities are computed, for the report. */
export const UNIFORM_FAIL_METHOD =
  'P(FAIL) of a DUT drawing uniformly over the space: union bound over the criteria; top share: space × exact binomial tail; distinct values: exact occupancy distribution (McDiarmid’s bound above 5000 samples); sequential steps: exact binomial tail (p = 2·16/space); σ: normal approximation of the sample variance (exact mean, leading-order variance; Φ by erfc, Numerical Recipes §6.2); log-gamma from simple-statistics';

/** log C(n, k). */
function logChoose(n: number, k: number): number {
  return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);
}

/** P(Bin(n, p) > k), summed in log space from k+1 up while the terms matter. */
export function binomialUpperTail(n: number, p: number, k: number): number {
  if (k >= n) return 0;
  if (k < 0) return 1;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  let sum = 0;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  for (let i = Math.max(0, k + 1); i <= n; i += 1) {
    const term = Math.exp(logChoose(n, i) + i * logP + (n - i) * logQ);
    sum += term;
    if (i > n * p && term < sum * 1e-17) break;
  }
  return Math.min(1, sum);
}

/** Above this many draws the occupancy programme (n² steps) gives way to McDiarmid's bound. */
const EXACT_DISTINCT_MAX_N = 5000;

/**
 * P(fewer than `below` distinct values among n uniform draws over `space`): exactly up to
 * {@link EXACT_DISTINCT_MAX_N} draws; beyond, McDiarmid's bound exp(−2s²/n) with s the
 * shortfall from the expected count (one draw changes the count by at most 1), an upper bound.
 */
export function distinctBelowProbability(n: number, space: number, below: number): number {
  const limit = Math.ceil(below) - 1; // the largest count that fails
  if (limit < 1) return 0;
  if (n > EXACT_DISTINCT_MAX_N) {
    const shortfall = expectedDistinct(n, space) - limit;
    return shortfall <= 0 ? 1 : Math.exp((-2 * shortfall * shortfall) / n);
  }
  // p[d]: probability of exactly d distinct values so far; counts above `limit` are pooled away.
  let p = new Float64Array(limit + 2);
  p[0] = 1;
  for (let draw = 0; draw < n; draw += 1) {
    const next = new Float64Array(limit + 2);
    for (let d = 0; d <= limit; d += 1) {
      const here = p[d]!;
      if (here === 0) continue;
      next[d] = next[d]! + (here * d) / space;
      next[d + 1] = next[d + 1]! + (here * (space - d)) / space;
    }
    next[limit + 1] = next[limit + 1]! + p[limit + 1]!;
    p = next;
  }
  let fail = 0;
  for (let d = 0; d <= limit; d += 1) fail += p[d]!;
  return Math.min(1, fail);
}

/**
 * Φ(z), the standard normal distribution function, as erfc(−z/√2)/2 with the Chebyshev
 * approximation of erfc of Numerical Recipes (§6.2, `erfcc`): fractional error below 1.2·10⁻⁷
 * everywhere, so small tail probabilities keep their digits.
 */
export function normalCdf(z: number): number {
  const x = -z / Math.SQRT2;
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return (x >= 0 ? erfc : 2 - erfc) / 2;
}

/** P(sample σ below `minStdev`) for n uniform draws over `space` consecutive values, by the normal approximation. */
export function stdevBelowProbability(n: number, space: number, minStdev: number): number {
  const variance = (space * space - 1) / 12;
  const fourthMoment = ((space * space - 1) * (3 * space * space - 7)) / 240;
  const mean = (variance * (n - 1)) / n;
  const spread = Math.sqrt((fourthMoment - variance * variance) / n);
  return normalCdf((minStdev * minStdev - mean) / spread);
}

/** How likely a uniformly random DUT is to FAIL the rule with `n` samples. */
export function uniformFailProbability(n: number, p: UniformRuleParameters): UniformFailProbability {
  const space = p.uniformSpace;
  const topShare = Math.min(1, space * binomialUpperTail(n, 1 / space, Math.floor(p.maxTopShare * n)));
  const distinct = distinctBelowProbability(n, space, p.minDistinctFraction * expectedDistinct(n, space));
  const sequential =
    n < 2
      ? 0
      : binomialUpperTail(
          n - 1,
          Math.min(1, (2 * SEQUENTIAL_MAX_STEP) / space),
          Math.floor(p.maxSequentialShare * (n - 1)),
        );
  const stdev = stdevBelowProbability(n, space, p.minStdev);
  return { n, total: Math.min(1, topShare + distinct + sequential + stdev), stdev, topShare, distinct, sequential };
}

/**
 * The smallest sample size from `from` on at which a uniformly random DUT fails with
 * probability below `target`, or null when none up to `limit` does. Searched by doubling,
 * then bisection (the bound falls with n once the criteria's thresholds are met on average).
 */
export function samplesForFailBelow(
  target: number,
  p: UniformRuleParameters,
  from: number,
  limit = 100_000,
): number | null {
  const below = (n: number) => uniformFailProbability(n, p).total < target;
  let high = Math.max(2, from);
  while (!below(high)) {
    if (high >= limit) return null;
    high = Math.min(limit, high * 2);
  }
  let low = Math.max(1, Math.floor(high / 2));
  if (low < from) low = from - 1;
  if (below(low) && low >= from) return low;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (below(mid)) high = mid;
    else low = mid;
  }
  return high;
}
