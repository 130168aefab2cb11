/**
 * {@link Evidence} served from an {@link EventStore}: the same lookups as
 * `InMemoryEvidence`, answered from the store's columns, handing out views of the events
 * asked for. Built by `analyze` for imported captures too large to hold as objects; judging
 * reads it like any evidence. Also the writer and the loader that fill a store from a log.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { BackgroundFileWriter } from './background-write.ts';
import type { FileDigest } from './manifest.ts';
import { KIND, TYPE_OF_KIND } from './event-shape.ts';
import { EventStore } from './event-store.ts';
import type { EventStoreOptions } from './event-store.ts';
import {
  exchangesOf,
  experimentScope,
  phasesNotRunOf,
  phasesOfExperiments,
  phaseWindowsOf,
  spanOf,
} from './evidence.ts';
import type { EdgeTimes, EventOfType, EventType, Evidence, Exchange, PhaseNotRun, PhaseWindow } from './evidence.ts';
import type { DropEvent, EvidenceEvent, Microseconds, QueryEvent, ResponseEvent } from './events.ts';
import { EvidenceFormatError, parseEventLine } from './load-evidence.ts';

/** {@link Evidence} over an {@link EventStore}: all of its events, or those at some of its indexes. */
export class StoredEvidence implements Evidence {
  readonly #store: EventStore;
  /** The events this evidence holds, as ascending store indexes; null for all of them. */
  readonly #indexes: Uint32Array | null;
  /** Index + 1 of the last response to each query seq in range (0: none), and the others by seq. */
  #responseOf: Int32Array | null = null;
  #responseOutOfRange: Map<number, number> | null = null;
  #dropOf: Map<number, DropEvent> | null = null;

  /** @param indexes The store's indexes of the events held, ascending; null (the default) for all of them. */
  constructor(store: EventStore, indexes: Uint32Array | null = null) {
    this.#store = store;
    this.#indexes = indexes;
  }

  /** The store's indexes of this evidence's events, in order. */
  #each(visit: (index: number) => void): void {
    if (this.#indexes === null) {
      for (let i = 0, n = this.#store.count; i < n; i += 1) visit(i);
    } else {
      for (const i of this.#indexes) visit(i);
    }
  }

  /** Events held. */
  get count(): number {
    return this.#indexes === null ? this.#store.count : this.#indexes.length;
  }

  /** Lets the store go (its log and spill files): this evidence, and any narrowed from it, cannot be read after. */
  dispose(): void {
    this.#store.dispose();
  }

  /** Every event, in order: one view per event (for a large log, prefer the lookups). */
  get events(): readonly EvidenceEvent[] {
    const events: EvidenceEvent[] = [];
    this.#each((i) => events.push(this.#store.event(i)));
    return events;
  }

  ofType<K extends EventType>(...types: K[]): EventOfType<K>[] {
    const wanted = new Set<string>(types);
    const events: EventOfType<K>[] = [];
    // Events of other types than DNS messages are all held as they are: only those need looking at.
    if (this.#indexes === null && !types.some((type) => DNS_MESSAGE_TYPES.has(type))) {
      for (const i of this.#store.otherIndexes())
        if (wanted.has(this.#store.typeOf(i))) events.push(this.#store.event(i) as EventOfType<K>);
      return events;
    }
    this.#each((i) => {
      if (wanted.has(this.#store.typeOf(i))) events.push(this.#store.event(i) as EventOfType<K>);
    });
    return events;
  }

  /** Visits the events of one type (by the store's kind when the rows hold it), of one DUT or of anyone, until a visit returns false. */
  #visit<E extends EvidenceEvent>(
    type: E['type'],
    kind: number,
    dut: string | undefined,
    visit: (event: E) => boolean | void,
  ): void {
    const n = this.count;
    for (let k = 0; k < n; k += 1) {
      const i = this.#indexes === null ? k : this.#indexes[k]!;
      const held = this.#store.kindOf(i);
      if (
        (held === kind || (held === KIND.other && this.#store.typeOf(i) === type)) &&
        (dut === undefined || this.#store.dutOf(i) === dut) &&
        visit(this.#store.event(i) as E) === false
      )
        return;
    }
  }

  /** Events of one type, of one DUT or of anyone. */
  #messages<E extends EvidenceEvent>(type: E['type'], kind: number, dut: string | undefined): E[] {
    const events: E[] = [];
    this.#visit<E>(type, kind, dut, (event) => {
      events.push(event);
    });
    return events;
  }

  eachQuery(dut: string | undefined, visit: (query: QueryEvent) => boolean | void): void {
    this.#visit<QueryEvent>('dns.query', KIND.query, dut, visit);
  }

  eachResponse(dut: string | undefined, visit: (response: ResponseEvent) => boolean | void): void {
    this.#visit<ResponseEvent>('dns.response', KIND.response, dut, visit);
  }

  /** Views of the queries and responses asked for, made once (views never change): each call copies only the list. */
  readonly #views = new Map<string, EvidenceEvent[]>();

  #cached<E extends EvidenceEvent>(type: E['type'], kind: number, dut: string | undefined): E[] {
    const key = `${type}\u0000${dut ?? '\u0001'}`;
    let views = this.#views.get(key);
    if (views === undefined) {
      views = this.#messages<E>(type, kind, dut);
      this.#views.set(key, views);
    }
    return views.slice() as E[];
  }

  queries(dut?: string): QueryEvent[] {
    return this.#cached<QueryEvent>('dns.query', KIND.query, dut);
  }

  responses(dut?: string): ResponseEvent[] {
    return this.#cached<ResponseEvent>('dns.response', KIND.response, dut);
  }

  exchanges(dut?: string): Exchange[] {
    return exchangesOf(this, dut);
  }

  responseTo(query: QueryEvent): ResponseEvent | undefined {
    if (this.#responseOf === null) {
      const n = this.#store.count;
      const responseOf = new Int32Array(n);
      const outOfRange = new Map<number, number>();
      this.#each((i) => {
        const kind = this.#store.kindOf(i);
        let ref: number;
        if (kind === KIND.response) ref = this.#store.queryRefOf(i);
        else if (kind === KIND.other && this.#store.typeOf(i) === 'dns.response')
          ref = (this.#store.event(i) as ResponseEvent).queryRef;
        else return;
        // The last response logged for a query wins, as in InMemoryEvidence.
        if (Number.isInteger(ref) && ref >= 1 && ref <= n) responseOf[ref - 1] = i + 1;
        else outOfRange.set(ref, i);
      });
      this.#responseOf = responseOf;
      this.#responseOutOfRange = outOfRange;
    }
    const seq = query.seq;
    const index =
      Number.isInteger(seq) && seq >= 1 && seq <= this.#responseOf.length
        ? this.#responseOf[seq - 1]! - 1
        : (this.#responseOutOfRange!.get(seq) ?? -1);
    return index < 0 ? undefined : (this.#store.event(index) as ResponseEvent);
  }

  dropOf(query: QueryEvent): DropEvent | undefined {
    if (this.#dropOf === null) {
      const drops = new Map<number, DropEvent>();
      for (const drop of this.ofType('dns.drop')) drops.set(drop.queryRef, drop);
      this.#dropOf = drops;
    }
    return this.#dropOf.get(query.seq);
  }

  seqsInPhase(phase: string): Set<number> {
    const seqs = new Set<number>();
    // An event's seq is its index in the store plus one (the store takes them in log order).
    this.#each((i) => {
      if (this.#store.phaseOf(i) === phase) seqs.add(i + 1);
    });
    return seqs;
  }

  /** The phase windows, worked out once (the evidence never changes). */
  #phases: PhaseWindow[] | null = null;

  phases(): PhaseWindow[] {
    this.#phases ??= phaseWindowsOf(this, this.#edgeTimes().last);
    return this.#phases.map((window) => ({ ...window }));
  }

  phasesNotRun(): PhaseNotRun[] {
    return phasesNotRunOf(this);
  }

  forExperiments(experiments: readonly string[]): Evidence {
    if (experiments.includes('*')) return this;
    const inScope = experimentScope(phasesOfExperiments(this, experiments));
    const indexes: number[] = [];
    this.#each((i) => {
      if (inScope(this.#store.typeOf(i), this.#store.phaseOf(i))) indexes.push(i);
    });
    return new StoredEvidence(this.#store, Uint32Array.from(indexes));
  }

  #edgeTimes(): EdgeTimes {
    const n = this.count;
    if (n === 0) return { first: undefined, last: undefined };
    const at = (k: number) => (this.#indexes === null ? k : this.#indexes[k]!);
    return { first: this.#store.timeOf(at(0)), last: this.#store.timeOf(at(n - 1)) };
  }

  span(): { start: Microseconds; end: Microseconds } {
    return spanOf(this, () => this.#edgeTimes());
  }
}

/** The types of the events an {@link EventStore} can hold as rows; any other type is held as it is. */
const DNS_MESSAGE_TYPES: ReadonlySet<string> = new Set(TYPE_OF_KIND.slice(1));

const WRITE_BYTES = 1 << 20;

/**
 * Writes an `events.ndjson` (created, never overwritten) from events handed over one at a
 * time, indexing each in an {@link EventStore} as it goes: what `analyze` keeps of a large
 * capture is the file and the store. The bytes are those of `JSON.stringify` per line. The
 * writing itself, and the file's SHA-256, happen on a worker thread
 * ({@link BackgroundFileWriter}): this thread only lays the lines into its buffers.
 */
export class StoredEventLog {
  readonly store: EventStore;
  private writer: BackgroundFileWriter | null;
  private buffer: Buffer;
  private used = 0;
  /** Bytes of the file before the buffer. */
  private flushed = 0;
  #digest: FileDigest | null = null;

  constructor(
    readonly file: string,
    options: EventStoreOptions = {},
  ) {
    this.writer = new BackgroundFileWriter(openSync(file, 'wx'), WRITE_BYTES);
    this.buffer = this.writer.buffer();
    this.store = new EventStore(options);
  }

  /** The file's SHA-256 and size, once {@link finish} has written it. */
  get digest(): FileDigest | null {
    return this.#digest;
  }

  /** Appends the next event (numbered in order, from 1). */
  append(event: EvidenceEvent): void {
    const line = JSON.stringify(event);
    const offset = this.flushed + this.used;
    let length: number;
    // A UTF-16 code unit takes at most three bytes in UTF-8.
    if (this.used + line.length * 3 + 1 > WRITE_BYTES) this.flush();
    if (line.length * 3 + 1 > WRITE_BYTES) {
      // A line longer than a buffer goes through them piece by piece.
      const bytes = Buffer.from(`${line}\n`, 'utf8');
      for (let at = 0; at < bytes.length; at += WRITE_BYTES) {
        this.used = bytes.copy(this.buffer, 0, at, Math.min(at + WRITE_BYTES, bytes.length));
        this.flush();
      }
      length = bytes.length - 1;
    } else {
      length = this.buffer.write(line, this.used, 'utf8');
      this.buffer[this.used + length] = 0x0a;
      this.used += length + 1;
    }
    this.store.add(event, offset, length);
  }

  private flush(): void {
    this.writer!.write(this.used);
    this.flushed += this.used;
    this.used = 0;
    this.buffer = this.writer!.buffer();
  }

  /** Writes what is buffered, waits for the file to be synced to disk and closed; the store reads lines from `file` afterwards. */
  finish(): EventStore {
    if (this.writer === null) return this.store;
    this.writer.write(this.used);
    this.flushed += this.used;
    this.used = 0;
    this.#digest = this.writer.finish();
    this.writer = null;
    this.store.attach(this.file);
    return this.store;
  }

  /** Stops writing (what was handed over is written, the file closed) and lets the store go (after a failure). */
  abandon(): void {
    this.writer?.abandon();
    this.writer = null;
    this.store.dispose();
  }
}

const READ_BYTES = 1 << 20;

/**
 * Loads an events file into a {@link StoredEvidence}, reading it in chunks: memory grows
 * with the store's columns, not with the file. Errors are those of `loadEvidence`.
 */
export function loadStoredEvidence(file: string, options: EventStoreOptions = {}): StoredEvidence {
  const store = new EventStore(options);
  const fd = openSync(file, 'r');
  try {
    let carry = Buffer.alloc(0);
    let offset = 0;
    let lineNo = 0;
    const line = (bytes: Buffer) => {
      lineNo += 1;
      const event = parseEventLine(bytes.toString('utf8'), file, lineNo, offset);
      if (event !== null) {
        if (event.seq !== store.count + 1)
          throw new EvidenceFormatError(
            file,
            lineNo,
            offset,
            `event seq ${event.seq} where ${store.count + 1} was next`,
          );
        store.add(event, offset, bytes.length);
      }
      offset += bytes.length + 1;
    };
    for (;;) {
      const chunk = Buffer.allocUnsafe(READ_BYTES);
      const n = readSync(fd, chunk, 0, READ_BYTES, null);
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let at = data.indexOf(0x0a); at !== -1; at = data.indexOf(0x0a, start)) {
        line(data.subarray(start, at));
        start = at + 1;
      }
      carry = Buffer.from(data.subarray(start));
      if (n === 0) break;
    }
    if (carry.length > 0) line(carry);
  } finally {
    closeSync(fd);
  }
  store.attach(file);
  return new StoredEvidence(store);
}
