/**
 * How late the harness itself runs: a timer that should fire every `tickMs` is read against
 * the clock, and each second in which it fired late by `thresholdMs` or more is recorded as
 * a `harness.lateness` event (against no DUT, so in every run's evidence). The resolver reads
 * its sockets on the same event loop, so a datagram that arrived in such a second may have
 * waited unread for up to the lateness plus one tick: what a timing check must allow for
 * before it holds an interval against a DUT (on a loaded machine the harness, not the
 * device, can be the slow one). Node's `monitorEventLoopDelay` gives a histogram only, not
 * when the delays happened, so the timer is read here.
 */
import { nowMicros } from '../evidence/clock.ts';
import type { EvidenceSink } from '../evidence/event-log.ts';
import type { Microseconds } from '../evidence/events.ts';

/** How often the monitor's timer is due. */
export const LATENESS_TICK_MS = 50;
/** Lateness below this is not recorded: timer jitter and short pauses no timing rule is near. */
export const LATENESS_THRESHOLD_MS = 100;
/** The span one event summarises. */
export const LATENESS_SPAN_MS = 1000;

export class LatenessMonitor {
  private timer: NodeJS.Timeout | null = null;
  /** The open span: when it began, and the worst lateness in it so far (ms). */
  private span: { since: Microseconds; worstMs: number } | null = null;
  private due = 0;
  private lostMs = 0;

  constructor(
    private readonly sink: EvidenceSink,
    private readonly options = { tickMs: LATENESS_TICK_MS, thresholdMs: LATENESS_THRESHOLD_MS },
  ) {}

  start(): void {
    if (this.timer) return;
    this.span = { since: nowMicros(), worstMs: 0 };
    this.schedule();
  }

  private schedule(): void {
    this.due = performance.now() + this.options.tickMs;
    this.timer = setTimeout(() => this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  private tick(): void {
    const lateMs = Math.max(0, performance.now() - this.due);
    if (lateMs >= this.options.thresholdMs) this.lostMs += lateMs;
    const span = this.span!;
    span.worstMs = Math.max(span.worstMs, lateMs);
    if ((nowMicros() - span.since) / 1000 >= LATENESS_SPAN_MS) this.close();
    this.schedule();
  }

  /** Records the open span if it was late enough, and opens the next. */
  private close(): void {
    const span = this.span;
    if (!span) return;
    const now = nowMicros();
    if (span.worstMs >= this.options.thresholdMs) {
      this.sink.record({
        type: 'harness.lateness',
        t: now,
        dut: null,
        since: span.since,
        lateMs: Math.round(span.worstMs),
        tickMs: this.options.tickMs,
      });
    }
    this.span = { since: now, worstMs: 0 };
  }

  /**
   * How long the harness has run late since the monitor started: the lateness of every tick
   * at least `thresholdMs` late, summed (ms). A phase observes that much longer than its window.
   */
  get lateMs(): number {
    return this.lostMs;
  }

  /** Stops the timer, recording the last span (its lateness so far included). */
  stop(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    // A stop that itself comes late counts: the datagrams read before it may have waited that long.
    this.span!.worstMs = Math.max(this.span!.worstMs, performance.now() - this.due);
    this.close();
    this.span = null;
  }
}
