/**
 * The append-only evidence log of one run (`events.ndjson`). Each event is numbered and
 * written with a synchronous write the moment it is recorded, so a crash or Ctrl-C
 * loses nothing already seen; the file is never rewritten.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { nowMicros } from './clock.ts';
import type { EvidenceEvent, Microseconds, UnnumberedEvent } from './events.ts';

/** An event as producers hand it over: the log adds `seq` and the phase in force. */
export type RecordedEvent = UnnumberedEvent extends infer E
  ? E extends UnnumberedEvent
    ? Omit<E, 'phase'>
    : never
  : never;

/**
 * Links a response or drop to its query when producers cannot know the log's numbering
 * (one resolver, many logs): the producer's own exchange number stands in for `queryRef`.
 */
export interface ExchangeLink {
  exchange: number;
  /**
   * `spoof`: an extra answer sent before the reply (spoofed-answer race); it does not close
   * the exchange. `late`: extra answers sent after the reply (late answers); they close it.
   * `upstream`: the upstream answer the reply is made from; it does not close the exchange.
   */
  role: 'query' | 'reply' | 'spoof' | 'late' | 'upstream';
  /** On a reply: late answers follow, so the exchange stays open for them. */
  open?: boolean;
}

/** One event handed over with others, and its exchange link. */
export interface RecordEntry {
  event: RecordedEvent;
  link?: ExchangeLink;
  /**
   * The event as JSON, from a producer that writes the same events over and over and renders
   * them faster than `JSON.stringify` (the resolver's repeated answers): a log writes this
   * text instead of serialising the event. Any other sink sees the event as always.
   */
  rendering?: EventRendering;
}

/** Anything events can be recorded into. */
export interface EvidenceSink {
  record(event: RecordedEvent, link?: ExchangeLink): void;
  /**
   * Records several events, in order, as `record` would one after the other; a log writes
   * them in one write (`recordAll` uses `record` for a sink without it).
   */
  recordMany?(entries: readonly RecordEntry[]): void;
}

/**
 * An event's members as JSON, written by its producer exactly as `JSON.stringify` writes them
 * (the same members in the same order, no braces): `before` runs up to and including
 * `"queryRef":` when the event has a `queryRef`, whose number the log fills in from the
 * exchange link, and `after` is the rest; without one, `before` is all of it and `after` null.
 */
export interface EventRendering {
  before: string;
  after: string | null;
}

/** Records `entries` in order into `sink`: in one call where the sink takes several at once. */
export function recordAll(sink: EvidenceSink, entries: readonly RecordEntry[]): void {
  if (entries.length === 0) return;
  if (sink.recordMany) sink.recordMany(entries);
  else for (const { event, link } of entries) sink.record(event, link);
}

export class EventLog implements EvidenceSink {
  private readonly fd: number;
  private seq = 0;
  private readonly querySeqByExchange = new Map<number, number>();
  private closed = false;
  /** When the log was opened: event times before it are not clock readings of this run (fixtures). */
  private readonly openedAt = nowMicros();
  /** Every phase set, with when: the latest is in force. */
  private readonly phases: { name: string | null; since: Microseconds }[] = [{ name: null, since: -Infinity }];

  /**
   * Opens `file` for appending. `afterSeq` continues the numbering of events already in it
   * (a run finalised after an interruption appends its closing events); 0 for a new file.
   */
  constructor(
    readonly file: string,
    afterSeq = 0,
  ) {
    this.fd = openSync(file, 'a');
    this.seq = afterSeq;
  }

  /** The phase stamped on events from now on. */
  get phase(): string | null {
    return this.phases.at(-1)!.name;
  }

  set phase(name: string | null) {
    this.phases.push({ name, since: nowMicros() });
  }

  /**
   * The phase an event belongs to: the one in force at its time. An event recorded late (a
   * canary contact is recorded once its first bytes are read) still falls in the phase it
   * happened in, not the one that began meanwhile.
   */
  private phaseAt(t: Microseconds): string | null {
    if (!(t >= this.openedAt)) return this.phase;
    for (let i = this.phases.length - 1; i > 0; i -= 1) if (this.phases[i]!.since <= t) return this.phases[i]!.name;
    return this.phases[0]!.name;
  }

  /** Appends an event and returns it as written. */
  record(event: RecordedEvent, link?: ExchangeLink): EvidenceEvent {
    return this.write(event, this.phaseAt(event.t), link);
  }

  /**
   * Appends events in order with one write: each numbered and stamped as `record` does, all
   * on disk (in the page cache, as a single line is) before this returns.
   */
  recordMany(entries: readonly RecordEntry[]): void {
    if (this.closed) throw new Error(`${this.file}: evidence log is closed`);
    let text = '';
    for (const { event, link, rendering } of entries) {
      const phase = this.phaseAt(event.t);
      if (!rendering) {
        text += `${JSON.stringify(this.number(event, phase, link))}\n`;
        continue;
      }
      this.seq += 1;
      const linked = this.linkQuery(link, 'queryRef' in event);
      const queryRef = linked ?? ('queryRef' in event ? event.queryRef : null);
      text += `{"seq":${this.seq},${rendering.before}${rendering.after === null ? '' : `${queryRef}${rendering.after}`},"phase":${JSON.stringify(phase)}}\n`;
    }
    if (text !== '') writeSync(this.fd, text);
  }

  private write(event: RecordedEvent, phase: string | null, link?: ExchangeLink): EvidenceEvent {
    if (this.closed) throw new Error(`${this.file}: evidence log is closed`);
    const written = this.number(event, phase, link);
    writeSync(this.fd, `${JSON.stringify(written)}\n`);
    return written;
  }

  /** The event as written: numbered, stamped with `phase`, its `queryRef` resolved from its link. */
  private number(event: RecordedEvent, phase: string | null, link?: ExchangeLink): EvidenceEvent {
    this.seq += 1;
    const written = { seq: this.seq, ...event, phase } as EvidenceEvent;
    const queryRef = this.linkQuery(link, 'queryRef' in written);
    if (queryRef !== null && 'queryRef' in written) written.queryRef = queryRef;
    return written;
  }

  /**
   * Notes the event just numbered (`seq`) under its exchange link. Returns the `queryRef`
   * an answer with one (`hasQueryRef`) is written with, the seq of its exchange's query (-1
   * when that is not in this log); null when the event keeps its own.
   */
  private linkQuery(link: ExchangeLink | undefined, hasQueryRef: boolean): number | null {
    if (link?.role === 'query') this.querySeqByExchange.set(link.exchange, this.seq);
    if (
      (link?.role === 'reply' || link?.role === 'spoof' || link?.role === 'late' || link?.role === 'upstream') &&
      hasQueryRef
    ) {
      const queryRef = this.querySeqByExchange.get(link.exchange) ?? -1;
      if ((link.role === 'reply' && !link.open) || link.role === 'late') this.querySeqByExchange.delete(link.exchange);
      return queryRef;
    }
    return null;
  }

  /**
   * Appends an event found after the fact (a contact read from the capture at the end of
   * the run), stamped with the phase in force at its time rather than now. Such an event's
   * `t` comes before those of the events around it in the file.
   */
  recordInPhase(event: RecordedEvent, phase: string | null): EvidenceEvent {
    return this.write(event, phase);
  }

  /** Number of events written so far. */
  get count(): number {
    return this.seq;
  }

  /** Flushes to disk and closes; later records are refused. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}

/**
 * Sends each event to the log of the DUT it belongs to. Events of no DUT (traffic from
 * undeclared hosts, resolver start-up) go to every log, since each run's evidence must
 * show what the harness did on its network.
 */
export class EvidenceRouter implements EvidenceSink {
  constructor(private readonly logs: ReadonlyMap<string, EvidenceSink>) {}

  record(event: RecordedEvent, link?: ExchangeLink): void {
    if (event.dut !== null) {
      this.logs.get(event.dut)?.record(event, link);
      return;
    }
    for (const log of this.logs.values()) log.record(event, link);
  }

  /** Hands each log its share of `entries`, in order, in one call. */
  recordMany(entries: readonly RecordEntry[]): void {
    const shares = new Map<EvidenceSink, RecordEntry[]>();
    const share = (log: EvidenceSink) => {
      let list = shares.get(log);
      if (!list) shares.set(log, (list = []));
      return list;
    };
    for (const entry of entries) {
      if (entry.event.dut === null) for (const log of this.logs.values()) share(log).push(entry);
      else {
        const log = this.logs.get(entry.event.dut);
        if (log) share(log).push(entry);
      }
    }
    for (const [log, list] of shares) recordAll(log, list);
  }
}
