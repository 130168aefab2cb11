/** Wall-clock time in microseconds, from the monotonic high-resolution timer anchored at start-up. */
import { performance } from 'node:perf_hooks';
import type { Microseconds } from './events.ts';

/** Now, µs since the Unix epoch. Monotonic within a process, so event order and time order agree. */
export function nowMicros(): Microseconds {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/**
 * The resolution event times are recorded at, µs: whole microseconds (how {@link nowMicros}
 * rounds) or the timer's own step where that is coarser, measured as the smallest positive
 * step between consecutive readings of it.
 */
export function clockResolutionMicros(readings = 2000): number {
  let smallest = Number.POSITIVE_INFINITY;
  let last = performance.now();
  for (let i = 0; i < readings; i += 1) {
    const now = performance.now();
    if (now > last) smallest = Math.min(smallest, now - last);
    last = now;
  }
  return Number.isFinite(smallest) ? Math.max(1, Math.ceil(smallest * 1000)) : 1;
}
