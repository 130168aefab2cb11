/**
 * How much the resolver writes down about one source, per second. Traffic from a host that
 * is not a DUT, and malformed input from anyone, is recorded in full only up to a budget;
 * beyond it the resolver stays silent and counts, and the count becomes one `dns.suppressed`
 * event per source and second. A flood then costs a map lookup per datagram, not a decode,
 * an answer and a line of evidence (which filled the CPU, the kernel's receive buffer and the
 * disk, in that order).
 */
import type { Microseconds, Transport } from '../evidence/events.ts';

/** What was left out for one source in one second. */
export interface SuppressedCount {
  source: string;
  transport: Transport;
  count: number;
  /** Arrival of the first and last message left out, µs. */
  since: Microseconds;
  until: Microseconds;
}

interface SourceWindow extends SuppressedCount {
  second: number;
  used: number;
}

/** Key under which sources beyond `maxSources` share one window (a flood from spoofed addresses). */
export const OTHER_SOURCES = '(other sources)';

/** A per-source, per-second budget of recorded messages. */
export class RecordBudget {
  private readonly windows = new Map<string, SourceWindow>();

  /**
   * @param perSecond messages recorded in full per source and second
   * @param onSuppressed called once per source and second in which anything was left out, when that second is over
   * @param maxSources distinct sources tracked; the rest share one window, so memory stays bounded
   */
  constructor(
    private readonly perSecond: number,
    private readonly onSuppressed: (suppressed: SuppressedCount) => void,
    private readonly maxSources = 4096,
  ) {}

  /** Whether a message from `source` at `t` may be recorded; if not, it is counted. */
  admit(source: string, transport: Transport, t: Microseconds): boolean {
    const second = Math.floor(t / 1_000_000);
    const own = `${transport}|${source}`;
    let key = own;
    let window = this.windows.get(own);
    if (!window && this.windows.size >= this.maxSources) {
      key = `${transport}|${OTHER_SOURCES}`;
      window = this.windows.get(key);
    }
    if (window && window.second !== second) {
      this.report(window);
      window = undefined;
    }
    if (!window) {
      window = { source: key.slice(transport.length + 1), transport, second, used: 0, count: 0, since: t, until: t };
      this.windows.set(key, window);
    }
    if (window.used < this.perSecond) {
      window.used += 1;
      return true;
    }
    if (window.count === 0) window.since = t;
    window.count += 1;
    window.until = t;
    return false;
  }

  /** Reports and forgets windows of seconds before `t` (all of them with `t` = Infinity). */
  flush(t: Microseconds = Infinity): void {
    const second = Math.floor(t / 1_000_000);
    for (const [key, window] of this.windows) {
      if (window.second >= second) continue;
      this.report(window);
      this.windows.delete(key);
    }
  }

  private report(window: SourceWindow): void {
    if (window.count === 0) return;
    const { source, transport, count, since, until } = window;
    this.onSuppressed({ source, transport, count, since, until });
  }
}
