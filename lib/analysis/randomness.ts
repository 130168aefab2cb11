/**
 * Randomness statistics for 16-bit protocol fields a stub resolver should randomise: UDP
 * source ports (RFC 5452 §9.2) and transaction IDs (RFC 5452 §9.1). The figures follow
 * the paper's metric (standard deviation) and the DNS-OARC port-test scale, plus the
 * measures a single σ hides: a favourite value, too few distinct values, and counters.
 */
import { standardDeviation } from 'simple-statistics';

/** DNS-OARC port-test grade of a standard deviation. */
export type OarcClass = 'GREAT' | 'GOOD' | 'POOR';

/** σ at or above which DNS-OARC grades randomness GREAT. */
export const OARC_GREAT_STDEV = 3980;
/** σ at or above which DNS-OARC grades randomness GOOD (below it: POOR). */
export const OARC_GOOD_STDEV = 296;

/** Steps between consecutive values (either direction) that count as sequential allocation. */
export const SEQUENTIAL_MAX_STEP = 16;

/** Size of the 16-bit field the values live in; differences wrap around it. */
const FIELD_SIZE = 65536;

/** What a sample of port or TXID values says about their randomness. */
export interface RandomnessStats {
  /** Sample size. */
  n: number;
  /** Population standard deviation (σ), the paper's metric. */
  stdev: number;
  /** log2(σ·√12): the width, in bits, of the uniform range with this σ; 0 when σ·√12 ≤ 1. */
  bits: number;
  /** DNS-OARC grade of σ. */
  class: OarcClass;
  /** Number of different values. */
  distinct: number;
  /** distinct / n (0 for an empty sample). */
  distinctRatio: number;
  /** Distinct values n uniform draws over `space` values would give on average. */
  expectedDistinct: number;
  /** The most used value (the smallest one on a tie), null for an empty sample. */
  top: number | null;
  /** How often `top` occurs. */
  topCount: number;
  /** topCount / n, 0–1. */
  topShare: number;
  /** Share of consecutive pairs (arrival order) whose circular step is 1–16: sequential allocation. */
  sequentialShare: number;
  min: number | null;
  max: number | null;
}

/** What the sample is drawn from. */
export interface RandomnessOptions {
  /** How many values a conforming generator draws from (16384 ports, 65536 TXIDs). */
  space: number;
}

/** DNS-OARC grade of a standard deviation: GREAT ≥ 3980, GOOD ≥ 296, else POOR. */
export function oarcClass(stdev: number): OarcClass {
  if (stdev >= OARC_GREAT_STDEV) return 'GREAT';
  if (stdev >= OARC_GOOD_STDEV) return 'GOOD';
  return 'POOR';
}

/** Expected number of distinct values among n uniform draws over `space` values: space·(1−(1−1/space)^n). */
export function expectedDistinct(n: number, space: number): number {
  if (!(space >= 1)) throw new RangeError(`space must be at least 1, got ${space}`);
  // expm1/log1p keep precision where (1 − 1/space)^n is close to 1.
  return -space * Math.expm1(n * Math.log1p(-1 / space));
}

/** Whether two 16-bit values are a small step apart, either way round the field. */
function isSequentialStep(a: number, b: number): boolean {
  const d = (((b - a) % FIELD_SIZE) + FIELD_SIZE) % FIELD_SIZE;
  const step = Math.min(d, FIELD_SIZE - d);
  return step >= 1 && step <= SEQUENTIAL_MAX_STEP;
}

/** The most frequent value, ties broken towards the smallest so the result is deterministic. */
/** `values.reduce(combine)` for any list of numbers (typed arrays too); at least one value. */
function fold(values: ArrayLike<number>, combine: (a: number, b: number) => number): number {
  let result = values[0]!;
  for (let i = 1; i < values.length; i += 1) result = combine(result, values[i]!);
  return result;
}

function mostUsed(counts: ReadonlyMap<number, number>): { top: number | null; topCount: number } {
  let top: number | null = null;
  let topCount = 0;
  for (const [value, count] of counts) {
    if (count > topCount || (count === topCount && top !== null && value < top)) {
      top = value;
      topCount = count;
    }
  }
  return { top, topCount };
}

/** Randomness statistics of values in arrival order (order matters for `sequentialShare`). */
export function randomnessStats(
  values: ArrayLike<number> & Iterable<number>,
  options: RandomnessOptions,
): RandomnessStats {
  const n = values.length;
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const { top, topCount } = mostUsed(counts);
  // standardDeviation reads its input only (typed arrays too), as mean and sum do.
  const stdev = n === 0 ? 0 : standardDeviation(values as unknown as number[]);
  const width = stdev * Math.sqrt(12);
  let sequentialPairs = 0;
  for (let i = 1; i < n; i += 1) if (isSequentialStep(values[i - 1]!, values[i]!)) sequentialPairs += 1;
  return {
    n,
    stdev,
    bits: width > 1 ? Math.log2(width) : 0,
    class: oarcClass(stdev),
    distinct: counts.size,
    distinctRatio: n === 0 ? 0 : counts.size / n,
    expectedDistinct: expectedDistinct(n, options.space),
    top,
    topCount,
    topShare: n === 0 ? 0 : topCount / n,
    sequentialShare: n < 2 ? 0 : sequentialPairs / (n - 1),
    min: n === 0 ? null : fold(values, Math.min),
    max: n === 0 ? null : fold(values, Math.max),
  };
}
