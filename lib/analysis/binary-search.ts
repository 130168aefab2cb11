/**
 * Binary searches over ascending number arrays, plain or typed (times, sequence numbers), for analyses that
 * look up many values in long sorted lists instead of scanning them. Written out: no kept
 * library bisects (d3-array is only vega's own dependency).
 */

/**
 * The index of the first element of `sorted` above `value` (strictly), or `sorted.length`
 * when none is: equal elements are passed over, so it is also how many elements are at or
 * below `value`. `sorted` must ascend (equal neighbours allowed).
 */
export function firstAbove(sorted: ArrayLike<number>, value: number): number {
  return firstIndex(sorted, value, true);
}

/**
 * The index of the first element of `sorted` at or above `value`, or `sorted.length` when
 * none is: the first of equal elements, so it is also how many elements are below `value`.
 * `sorted` must ascend (equal neighbours allowed).
 */
export function firstAtOrAbove(sorted: ArrayLike<number>, value: number): number {
  return firstIndex(sorted, value, false);
}

function firstIndex(sorted: ArrayLike<number>, value: number, strictly: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const element = sorted[mid]!;
    if (strictly ? element > value : element >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
