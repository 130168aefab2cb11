import { expect } from 'chai';
import { randomnessStats } from './randomness.ts';
import {
  binomialUpperTail,
  distinctBelowProbability,
  normalCdf,
  samplesForFailBelow,
  stdevBelowProbability,
  uniformFailProbability,
} from './randomness-uncertainty.ts';

/** The randomisation checks' thresholds (suites/randomness/randomness-rule.ts), with a port-sized space. */
const RULE = {
  uniformSpace: 16384,
  minStdev: 3980,
  maxTopShare: 0.05,
  minDistinctFraction: 0.9,
  maxSequentialShare: 0.1,
};

/** A seeded generator (mulberry32), so the simulations below give the same numbers every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('analysis/randomness-uncertainty: how often a uniformly random DUT fails the randomisation rule', () => {
  it('binomial tails equal the probabilities summed from factorials', () => {
    const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
    const pmf = Array.from(
      { length: 13 },
      (_, k) => (factorial(12) / (factorial(k) * factorial(12 - k))) * 0.3 ** k * 0.7 ** (12 - k),
    );
    for (const k of [-1, 0, 3, 7, 11, 12])
      expect(binomialUpperTail(12, 0.3, k)).to.be.closeTo(
        pmf.slice(k + 1).reduce((a, b) => a + b, 0),
        1e-12,
      );
  });

  it('the distinct-value probability equals counting every sequence of a tiny space', () => {
    // space 4, 5 draws: 1024 sequences, each counted by its distinct values.
    const counts = [0, 0, 0, 0, 0];
    for (let code = 0; code < 4 ** 5; code += 1) {
      const values = new Set([0, 1, 2, 3, 4].map((i) => Math.floor(code / 4 ** i) % 4));
      counts[values.size]! += 1;
    }
    expect(distinctBelowProbability(5, 4, 3)).to.be.closeTo((counts[1]! + counts[2]!) / 1024, 1e-12);
    expect(distinctBelowProbability(5, 4, 4)).to.be.closeTo((counts[1]! + counts[2]! + counts[3]!) / 1024, 1e-12);
    expect(distinctBelowProbability(5, 4, 1)).to.equal(0);
  });

  it('Φ keeps its digits far into the tail', () => {
    expect(normalCdf(0)).to.be.closeTo(0.5, 1e-7);
    expect(normalCdf(-1.959963985)).to.be.closeTo(0.025, 1e-8);
    // Φ(−4.753424) = 1.0e-6 (the one-in-a-million quantile).
    expect(normalCdf(-4.753424) / 1e-6).to.be.closeTo(1, 1e-4);
  });

  it('agrees with simulating uniform DUTs under the rule itself (σ is the criterion a uniform port sample misses)', () => {
    const random = seeded(16);
    const trials = 20_000;
    const n = 50;
    let failed = 0;
    let lowStdev = 0;
    for (let trial = 0; trial < trials; trial += 1) {
      const values = Array.from({ length: n }, () => Math.floor(random() * RULE.uniformSpace));
      const stats = randomnessStats(values, { space: RULE.uniformSpace });
      const low = stats.stdev < RULE.minStdev;
      if (low) lowStdev += 1;
      if (
        low ||
        stats.topShare > RULE.maxTopShare ||
        stats.distinct < RULE.minDistinctFraction * stats.expectedDistinct ||
        stats.sequentialShare > RULE.maxSequentialShare
      )
        failed += 1;
    }
    const computed = uniformFailProbability(n, RULE);
    // About 1.6%: the simulation's standard error is about 0.09 percentage points; the normal approximation of σ is within 30% of it.
    expect(computed.stdev).to.be.within((0.7 * lowStdev) / trials, (1.3 * lowStdev) / trials);
    expect(computed.total).to.be.within((0.7 * failed) / trials, (1.3 * failed) / trials);
    expect(stdevBelowProbability(n, RULE.uniformSpace, RULE.minStdev)).to.equal(computed.stdev);
  });

  it('finds the smallest sample size at which the chance falls below one in a million', () => {
    const n = samplesForFailBelow(1e-6, RULE, 50)!;
    expect(n).to.be.greaterThan(50);
    expect(uniformFailProbability(n, RULE).total).to.be.below(1e-6);
    expect(uniformFailProbability(n - 1, RULE).total).to.be.at.least(1e-6);
    const txid = { ...RULE, uniformSpace: 65536 };
    expect(samplesForFailBelow(1e-6, txid, 50)).to.be.below(n);
  });
});
