/**
 * How late the harness may have read what it recorded, from its own `harness.lateness`
 * events (see `lib/resolver/lateness-monitor.ts`): a message recorded in a span where the
 * harness ran late, or while it caught up just after, may have arrived up to that span's
 * lateness plus one tick earlier than its time in the evidence. A timing rule asks this
 * before it holds an interval against a DUT, and sets aside what the harness's lateness
 * could explain.
 */
import type { Evidence } from '../evidence/evidence.ts';
import type { Microseconds } from '../evidence/events.ts';

/** One late span: a message recorded from `from` to `to` may have waited up to `waitMicros`. */
interface LateSpan {
  from: Microseconds;
  to: Microseconds;
  waitMicros: Microseconds;
}

/** The harness's lateness over some evidence. */
export interface HarnessLateness {
  /** The longest a message recorded at `t` may have waited unread before it was recorded, µs (0: the harness was on time). */
  waitAt(t: Microseconds): Microseconds;
  /** Spans recorded late, and the worst lateness among them (ms). */
  spans: number;
  worstMs: number;
}

const cache = new WeakMap<Evidence, HarnessLateness>();

/** The lateness the harness recorded in `evidence` (recorded against no DUT, so every DUT's evidence holds it). */
export function harnessLateness(evidence: Evidence): HarnessLateness {
  const known = cache.get(evidence);
  if (known) return known;
  const spans: LateSpan[] = evidence.ofType('harness.lateness').map((e) => {
    const waitMicros = (e.lateMs + e.tickMs) * 1000;
    // After the span the harness catches up on what queued meanwhile: that too may have waited as long.
    return { from: e.since, to: e.t + waitMicros, waitMicros };
  });
  const lateness: HarnessLateness = {
    waitAt(t) {
      let wait = 0;
      for (const span of spans) {
        // In log order, so spans begin later and later.
        if (span.from > t) break;
        if (t <= span.to) wait = Math.max(wait, span.waitMicros);
      }
      return wait;
    },
    spans: spans.length,
    worstMs: Math.max(0, ...evidence.ofType('harness.lateness').map((e) => e.lateMs)),
  };
  cache.set(evidence, lateness);
  return lateness;
}
