/**
 * A compact index of an `events.ndjson` log, so a large run (an imported capture of
 * millions of frames) can be judged without a JavaScript object per event in memory.
 *
 * DNS message events (queries, responses, malformed messages) are kept as fixed-width rows
 * of numbers: times, ports, TXIDs, sizes, and ids of interned strings (addresses, names,
 * files) and of interned values that repeat (flags, questions, EDNS, the scenario fields),
 * with the records of the answer, authority and additional sections in rows of their own.
 * Rows can spill to a temporary file, a few chunks staying in memory (`spillDir`). Only
 * `wire` stays in the log: it is read from the event's line when asked for. Other events
 * (markers, contacts, probes: few) are kept as they are.
 *
 * {@link EventStore.event} hands out read-only views that read those columns: every field
 * of the event, the same values as the logged line (shared values are frozen). Any DNS
 * event whose shape the columns cannot hold exactly (an unknown field, a value out of
 * range) is kept as it is instead.
 *
 * This module lays the rows out and reads them; the pieces under it each do one thing:
 * `row-chunks.ts` (chunked rows, spilled to disk), `interning.ts` (ids for strings and
 * values), `event-shape.ts` (which events fit the rows) and `event-views.ts` (the views).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { heldKind, KIND, TYPE_OF_KIND } from './event-shape.ts';
import type { CaptureRef } from './event-shape.ts';
import { MalformedView, QueryView, ResponseView } from './event-views.ts';
import type { MessageColumns, MessageFieldReaders, Rest } from './event-views.ts';
import type {
  DnsFlags,
  DnsQuestion,
  EdnsSummary,
  Endpoint,
  EvidenceEvent,
  MalformedEvent,
  Microseconds,
  QueryEvent,
  RecordSummary,
  ResponseEvent,
  Transport,
} from './events.ts';
import { Interner, ValueInterner } from './interning.ts';
import { CHUNK_SHIFT, RowChunks } from './row-chunks.ts';

/** Byte offsets of the fields of an event's row (64 bytes; little-endian). */
const E = {
  kind: 0,
  answers: 1,
  authority: 2,
  additional: 3,
  dut: 4,
  phase: 6,
  time: 8,
  lineLength: 16,
  transport: 20,
  clientPort: 22,
  clientAddress: 24,
  serverAddress: 28,
  serverPort: 32,
  txid: 34,
  size: 36,
  flags: 38,
  questions: 40,
  edns: 44,
  rest: 46,
  captureFile: 48,
  captureFrame: 52,
  queryRef: 56,
  recordStart: 60,
} as const;
const EVENT_ROW = 64;
/** Byte offsets of the fields of a record's row (16 bytes). */
const R = { name: 0, data: 4, ttl: 8, type: 12, cls: 14 } as const;
const RECORD_ROW = 16;

/** The fields of each kind kept together as one interned value. */
const QUERY_REST = ['scenario', 'tls', 'http'];
const RESPONSE_REST = ['scenario', 'manipulations', 'reason', 'copies', 'answerSource', 'tls', 'http'];
const MALFORMED_REST = ['error', 'answered'];

/** Tag ids (u16 columns): below {@link TAG_OVERFLOW}; the two top values are markers. */
const TAG_LIMIT = 0xfffe;
/** A DUT or phase too many to tag: read from the event kept as it is. */
const TAG_OVERFLOW = 0xfffe;
/** No capture reference. */
const TAG_NONE = 0xffff;
/** Every this many events the store notes where a line starts exactly; lines between follow each other. */
const OFFSET_EVERY = 64;

const same = <T>(key: T): T => key;
const tags = () => new Interner<string | null, string | null>(TAG_LIMIT, same);
const strings = () => new Interner<string, string>(0xffffffff, same);
const values = (limit: number) => new ValueInterner(limit);

/** Options of {@link EventStore}. */
export interface EventStoreOptions {
  /**
   * Keep only a few chunks of rows in memory, the rest in a temporary file under this
   * directory (removed by `close`): for logs of millions of events. In memory when absent.
   */
  spillDir?: string;
  /** Rows per chunk as a power of two (tests use small ones to spill small logs). */
  chunkShift?: number;
}

/**
 * The index of one log: DNS messages as rows of ids and numbers, other events as they are.
 * Events are added once, in log order; {@link EventStore.event} reads one back.
 */
export class EventStore implements MessageColumns {
  private n = 0;
  private readonly spillDir: string | null;
  private readonly rows: RowChunks;
  private records = 0;
  private readonly recordRows: RowChunks;
  /** Where lines start in the log, every {@link OFFSET_EVERY} events and wherever they do not follow each other. */
  private readonly lineStarts = new Map<number, number>();
  private nextLineStart = 0;
  /** Strings of few values: DUTs, phases, transports, files, record types and classes. */
  private readonly duts = tags();
  private readonly phases = tags();
  private readonly transports = tags();
  private readonly files = tags();
  private readonly recordTags = tags();
  /** Strings of many values: addresses, record names and data. */
  private readonly addresses = strings();
  private readonly recordStrings = strings();
  /** Values interned by their JSON text. */
  private readonly flagValues = values(0x10000);
  private readonly questionValues = values(0xffffffff);
  private readonly ednsValues = values(0x10000);
  private readonly restValues = values(0x10000);
  /** Events kept as they are (added in order, so their indexes ascend). */
  private readonly others = new Map<number, EvidenceEvent>();
  /**
   * Each event's {@link KIND}, also in its row: kept here too (a byte an event) because
   * checks scan every event by kind, and a row may be on disk.
   */
  private kinds = new Uint8Array(1024);
  private file: string | null = null;
  private fd: number | null = null;

  constructor(options: EventStoreOptions = {}) {
    this.spillDir = options.spillDir === undefined ? null : mkdtempSync(join(options.spillDir, 'dnsconform-events-'));
    const shift = options.chunkShift ?? CHUNK_SHIFT;
    this.rows = new RowChunks(EVENT_ROW, shift, this.spillDir === null ? null : join(this.spillDir, 'events.bin'));
    this.recordRows = new RowChunks(
      RECORD_ROW,
      shift,
      this.spillDir === null ? null : join(this.spillDir, 'records.bin'),
    );
  }

  /** Events held. */
  get count(): number {
    return this.n;
  }

  /** The log the lines are read back from (for `wire` and `JSON.stringify`); it may be renamed while open. */
  attach(file: string): void {
    this.close();
    this.file = file;
  }

  /**
   * Adds the next event of the log, whose line starts `offset` bytes into the file and is
   * `length` bytes long (without its newline). Events come in log order, `seq` from 1.
   */
  add(event: EvidenceEvent, offset: number, length: number): void {
    const i = this.n;
    if (event.seq !== i + 1) throw new Error(`event store: event ${i + 1} of the log has seq ${event.seq}`);
    if (i % OFFSET_EVERY === 0 || offset !== this.nextLineStart) this.lineStarts.set(i, offset);
    this.nextLineStart = offset + length + 1;
    const row = this.rows.writable(i);
    const at = this.rows.at(i);
    row.setUint32(at + E.lineLength, length, true);
    row.setFloat64(at + E.time, event.t, true);
    const dut = this.duts.id(event.dut);
    const phase = this.phases.id(event.phase);
    row.setUint16(at + E.dut, dut ?? TAG_OVERFLOW, true);
    row.setUint16(at + E.phase, phase ?? TAG_OVERFLOW, true);
    this.n += 1;
    let kind = heldKind(event);
    if (
      kind !== KIND.other &&
      (dut === undefined ||
        phase === undefined ||
        !this.addMessage(event as QueryEvent | ResponseEvent | MalformedEvent, row, at))
    )
      kind = KIND.other;
    row.setUint8(at + E.kind, kind);
    if (i === this.kinds.length) {
      const grown = new Uint8Array(this.kinds.length * 2);
      grown.set(this.kinds);
      this.kinds = grown;
    }
    this.kinds[i] = kind;
    if (kind === KIND.other) this.others.set(i, event);
  }

  /** Fills the message fields of the row at `at`; false (nothing kept) when an id does not fit its field. */
  private addMessage(message: QueryEvent | ResponseEvent | MalformedEvent, row: DataView, at: number): boolean {
    const transport = this.transports.id(message.transport);
    const capture = (message as { capture?: CaptureRef }).capture;
    const file = capture === undefined ? TAG_NONE : this.files.id(capture.file);
    const restId = this.restValues.idOfFields(
      message,
      message.type === 'dns.query' ? QUERY_REST : message.type === 'dns.response' ? RESPONSE_REST : MALFORMED_REST,
    );
    if (transport === undefined || file === undefined || restId === undefined) return false;
    const firstRecord = this.records;
    if (message.type !== 'dns.malformed') {
      const flags = this.flagValues.id(message.flags);
      const questions = this.questionValues.id(message.questions);
      const edns = this.ednsValues.id(message.edns);
      if (flags === undefined || questions === undefined || edns === undefined) return false;
      if (message.type === 'dns.response') {
        const { answers, authority, additional } = message;
        if (
          answers.length > 0xff ||
          authority.length > 0xff ||
          additional.length > 0xff ||
          !this.addRecords(answers) ||
          !this.addRecords(authority) ||
          !this.addRecords(additional)
        ) {
          this.records = firstRecord;
          return false;
        }
        row.setInt32(at + E.queryRef, message.queryRef, true);
        row.setUint32(at + E.recordStart, firstRecord, true);
        row.setUint8(at + E.answers, answers.length);
        row.setUint8(at + E.authority, authority.length);
        row.setUint8(at + E.additional, additional.length);
      }
      row.setUint16(at + E.txid, message.txid, true);
      row.setUint16(at + E.flags, flags, true);
      row.setUint32(at + E.questions, questions, true);
      row.setUint16(at + E.edns, edns, true);
    }
    row.setUint16(at + E.transport, transport, true);
    row.setUint32(at + E.clientAddress, this.addresses.id(message.client.address)!, true);
    row.setUint16(at + E.clientPort, message.client.port, true);
    row.setUint32(at + E.serverAddress, this.addresses.id(message.server.address)!, true);
    row.setUint16(at + E.serverPort, message.server.port, true);
    row.setUint16(at + E.size, message.size, true);
    row.setUint16(at + E.captureFile, file, true);
    if (capture !== undefined) row.setUint32(at + E.captureFrame, capture.frame, true);
    row.setUint16(at + E.rest, restId, true);
    return true;
  }

  /** Appends a section's records; false when a type or class does not fit (the caller takes them back). */
  private addRecords(records: readonly RecordSummary[]): boolean {
    for (const record of records) {
      const type = this.recordTags.id(record.type);
      const cls = this.recordTags.id(record.class);
      if (type === undefined || cls === undefined) return false;
      const r = this.records;
      const row = this.recordRows.writable(r);
      const at = this.recordRows.at(r);
      row.setUint32(at + R.name, this.recordStrings.id(record.name)!, true);
      row.setUint32(at + R.data, this.recordStrings.id(record.data)!, true);
      row.setUint32(at + R.ttl, record.ttl, true);
      row.setUint16(at + R.type, type, true);
      row.setUint16(at + R.cls, cls, true);
      this.records += 1;
    }
    return true;
  }

  private u8(index: number, field: number): number {
    return this.rows.chunk(index).getUint8(this.rows.at(index) + field);
  }

  private u16(index: number, field: number): number {
    return this.rows.chunk(index).getUint16(this.rows.at(index) + field, true);
  }

  private u32(index: number, field: number): number {
    return this.rows.chunk(index).getUint32(this.rows.at(index) + field, true);
  }

  /** How the event at `index` is held: a {@link KIND} value. */
  kindOf(index: number): number {
    return this.kinds[index]!;
  }

  /** The indexes of the events held as they are ({@link KIND}.other: every event that is not a DNS message row), ascending. */
  otherIndexes(): IterableIterator<number> {
    return this.others.keys();
  }

  /** The `type` of the event at `index`. */
  typeOf(index: number): EvidenceEvent['type'] {
    const kind = this.kindOf(index);
    return kind === KIND.other ? this.others.get(index)!.type : TYPE_OF_KIND[kind as 1 | 2 | 3];
  }

  /** The `t` of the event at `index`. */
  timeOf(index: number): Microseconds {
    return this.rows.chunk(index).getFloat64(this.rows.at(index) + E.time, true);
  }

  /** The `dut` of the event at `index`. */
  dutOf(index: number): string | null {
    const tag = this.u16(index, E.dut);
    return tag === TAG_OVERFLOW ? this.others.get(index)!.dut : this.duts.values[tag]!;
  }

  /** The `phase` of the event at `index`. */
  phaseOf(index: number): string | null {
    const tag = this.u16(index, E.phase);
    return tag === TAG_OVERFLOW ? this.others.get(index)!.phase : this.phases.values[tag]!;
  }

  /** The `queryRef` of the response at `index` (held as {@link KIND}.response). */
  queryRefOf(index: number): number {
    return this.rows.chunk(index).getInt32(this.rows.at(index) + E.queryRef, true);
  }

  /** The event at `index`: a view of a DNS message, or the event as it was added. */
  event(index: number): EvidenceEvent {
    switch (this.kindOf(index)) {
      case KIND.query:
        return new QueryView(this, index);
      case KIND.response:
        return new ResponseView(this, index);
      case KIND.malformed:
        return new MalformedView(this, index);
      default:
        return this.others.get(index)!;
    }
  }

  /** Where the event's line starts in the log. */
  private lineStart(index: number): number {
    let bytes = 0;
    let i = index;
    for (let start = this.lineStarts.get(i); ; start = this.lineStarts.get(i)) {
      if (start !== undefined) return start + bytes;
      i -= 1;
      bytes += this.u32(i, E.lineLength) + 1;
    }
  }

  /** The event's line from the log, parsed. */
  line(index: number): EvidenceEvent {
    if (this.file === null) throw new Error('event store: no log attached to read lines from');
    this.fd ??= openSync(this.file, 'r');
    const length = this.u32(index, E.lineLength);
    const buffer = Buffer.allocUnsafe(length);
    const position = this.lineStart(index);
    for (let read = 0; read < length; ) {
      const n = readSync(this.fd, buffer, read, length - read, position + read);
      if (n === 0) throw new Error(`event store: ${this.file} ends inside event ${index + 1}`);
      read += n;
    }
    return JSON.parse(buffer.toString('utf8')) as EvidenceEvent;
  }

  /** Closes the log (reopened when a line is read again). */
  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Closes the log and removes the spill file: the store cannot be read any more. */
  dispose(): void {
    this.close();
    this.rows.close();
    this.recordRows.close();
    if (this.spillDir !== null) rmSync(this.spillDir, { recursive: true, force: true });
  }

  /** Approximate bytes held: rows, interned strings and values (for benchmarks). */
  get bytes(): number {
    const strings = [this.addresses, this.recordStrings].reduce(
      (sum, t) => sum + t.values.reduce((s, v) => s + v.length + 40, 0),
      0,
    );
    const values = [this.flagValues, this.questionValues, this.ednsValues, this.restValues].reduce(
      (sum, v) => sum + v.size * 200,
      0,
    );
    return this.rows.bytes + this.recordRows.bytes + strings + values + this.lineStarts.size * 40;
  }

  /** Endpoints handed out, by address id and port: few distinct ones, read for every message a check looks at. */
  private readonly endpoints = new Map<number, Endpoint>();

  /** The endpoint of an interned address and a port, one frozen object for each (as every shared value). */
  private endpoint(address: number, port: number): Endpoint {
    const key = address * 0x10000 + port;
    let endpoint = this.endpoints.get(key);
    if (endpoint === undefined) {
      endpoint = Object.freeze({ address: this.addresses.values[address]!, port });
      this.endpoints.set(key, endpoint);
    }
    return endpoint;
  }

  /** Field readers for the views. */
  readonly read: MessageFieldReaders = {
    transport: (i: number) => this.transports.values[this.u16(i, E.transport)] as Transport,
    client: (i: number): Endpoint => this.endpoint(this.u32(i, E.clientAddress), this.u16(i, E.clientPort)),
    server: (i: number): Endpoint => this.endpoint(this.u32(i, E.serverAddress), this.u16(i, E.serverPort)),
    size: (i: number) => this.u16(i, E.size),
    txid: (i: number) => this.u16(i, E.txid),
    flags: (i: number) => this.flagValues.values[this.u16(i, E.flags)] as DnsFlags,
    questions: (i: number) => this.questionValues.values[this.u32(i, E.questions)] as DnsQuestion[],
    edns: (i: number) => this.ednsValues.values[this.u16(i, E.edns)] as EdnsSummary | null,
    rest: (i: number) => this.restValues.values[this.u16(i, E.rest)] as Rest,
    capture: (i: number): CaptureRef | undefined => {
      const file = this.u16(i, E.captureFile);
      return file === TAG_NONE ? undefined : { file: this.files.values[file]!, frame: this.u32(i, E.captureFrame) };
    },
    records: (i: number, section: 0 | 1 | 2): RecordSummary[] => {
      const counts = [this.u8(i, E.answers), this.u8(i, E.authority), this.u8(i, E.additional)];
      let r = this.u32(i, E.recordStart);
      for (let s = 0; s < section; s += 1) r += counts[s]!;
      const count = counts[section]!;
      const out: RecordSummary[] = new Array<RecordSummary>(count);
      for (let k = 0; k < count; k += 1, r += 1) {
        const row = this.recordRows.chunk(r);
        const ra = this.recordRows.at(r);
        out[k] = {
          name: this.recordStrings.values[row.getUint32(ra + R.name, true)]!,
          type: this.recordTags.values[row.getUint16(ra + R.type, true)]!,
          class: this.recordTags.values[row.getUint16(ra + R.cls, true)]!,
          ttl: row.getUint32(ra + R.ttl, true),
          data: this.recordStrings.values[row.getUint32(ra + R.data, true)]!,
        };
      }
      return out;
    },
  };
}
