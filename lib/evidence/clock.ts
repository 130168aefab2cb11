/** Wall-clock time in microseconds, from the monotonic high-resolution timer anchored at start-up. */
import { performance } from 'node:perf_hooks';
import type { Microseconds } from './events.ts';

/** Now, µs since the Unix epoch. Monotonic within a process, so event order and time order agree. */
export function nowMicros(): Microseconds {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
