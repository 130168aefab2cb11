/**
 * A pass-through evidence sink that keeps live tallies of what went by, per DUT: the
 * progress display and the `queries` liveness probe read them. It decides nothing; the
 * evidence files stay the only source of verdicts.
 */
import type { Microseconds } from './events.ts';
import { recordAll } from './event-log.ts';
import type { EvidenceSink, ExchangeLink, RecordEntry, RecordedEvent } from './event-log.ts';

/** Live counts for one DUT (or for `null`: traffic of no declared DUT). */
export interface DutTally {
  /** Events by type (`dns.query`, `dns.response`, `canary.contact`, ...). */
  byType: Map<string, number>;
  /** When the DUT's latest DNS query arrived, or null before the first. */
  lastQueryAt: Microseconds | null;
  /** The latest liveness sample per probe target: alive or not. */
  liveness: Map<string, boolean>;
}

export class EventTap implements EvidenceSink {
  private readonly tallies = new Map<string | null, DutTally>();

  constructor(private readonly next: EvidenceSink) {}

  record(event: RecordedEvent, link?: ExchangeLink): void {
    this.next.record(event, link);
    this.tallyEvent(event);
  }

  recordMany(entries: readonly RecordEntry[]): void {
    recordAll(this.next, entries);
    for (const { event } of entries) this.tallyEvent(event);
  }

  private tallyEvent(event: RecordedEvent): void {
    const tally = this.tally(event.dut);
    tally.byType.set(event.type, (tally.byType.get(event.type) ?? 0) + 1);
    if (event.type === 'dns.query') tally.lastQueryAt = event.t;
    if (event.type === 'liveness.probe') tally.liveness.set(`${event.probe} ${event.target}`, event.alive);
  }

  /** The tally of one DUT (created empty on first use). */
  tally(dut: string | null): DutTally {
    let tally = this.tallies.get(dut);
    if (!tally) {
      tally = { byType: new Map(), lastQueryAt: null, liveness: new Map() };
      this.tallies.set(dut, tally);
    }
    return tally;
  }

  /** How many events of a type the DUT produced so far. */
  count(dut: string | null, type: string): number {
    return this.tallies.get(dut)?.byType.get(type) ?? 0;
  }
}
