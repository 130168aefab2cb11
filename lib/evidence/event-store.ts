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
 * of the event, the same values as the logged line (shared values are frozen). A view is
 * not a plain object: spreading one copies nothing, and `JSON.stringify` gives the line
 * from the log. Any DNS event whose shape the columns cannot hold exactly (an unknown
 * field, a value out of range) is kept as it is instead.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type {
  AnswerSource,
  DnsFlags,
  DnsQuestion,
  EdnsSummary,
  Endpoint,
  EvidenceEvent,
  HttpSummary,
  MalformedEvent,
  Microseconds,
  QueryEvent,
  RecordSummary,
  ResponseEvent,
  TlsSummary,
  Transport,
} from './events.ts';

/** Where a captured event came from (as `lib/capture/capture-evidence.ts` records it). */
interface CaptureRef {
  file: string;
  frame: number;
}

/** What kind of entry an event is in the store. */
export const KIND = { other: 0, query: 1, response: 2, malformed: 3 } as const;
type Kind = (typeof KIND)[keyof typeof KIND];

const TYPE_OF_KIND = ['', 'dns.query', 'dns.response', 'dns.malformed'] as const;

/** Rows per chunk, as a power of two (8192). */
const CHUNK_SHIFT = 13;
/** Chunks of rows a spilling store keeps in memory (of each kind of row). */
const RESIDENT_CHUNKS = 8;

/**
 * Fixed-width rows in chunks of 2^`shift` rows, each chunk one DataView: growing never
 * copies what is held, and a row's fields are read at fixed offsets. Rows are written once,
 * in order. With a spill file, a chunk is written to it once full, and only the
 * {@link RESIDENT_CHUNKS} used last stay in memory (the others are read back when needed):
 * memory then stays the same however many rows there are.
 */
class Rows {
  /** Chunks in memory, by chunk number (absent: on disk only). */
  private readonly resident = new Map<number, DataView>();
  private count = 0;
  private lastNumber = -1;
  private lastChunk: DataView | null = null;
  /** Chunks already on disk written to again (only when an event's records are taken back): written out before they go. */
  private readonly dirty = new Set<number>();
  private fd: number | null = null;

  private readonly mask: number;
  private readonly chunkBytes: number;

  constructor(
    readonly width: number,
    private readonly shift: number,
    private readonly spillFile: string | null,
  ) {
    this.mask = (1 << shift) - 1;
    this.chunkBytes = width << shift;
  }

  /** The chunk holding row `index`, made when new (for writing; rows come in order). */
  writable(index: number): DataView {
    const number = index >>> this.shift;
    if (number === this.lastNumber) return this.lastChunk!;
    if (number < this.count) {
      if (this.spillFile !== null && number < this.count - 1) this.dirty.add(number);
      return this.chunk(index);
    }
    while (this.count <= number) {
      // The chunk before is full: it goes to disk before a new one is made.
      if (this.spillFile !== null && this.count > 0) this.spill(this.count - 1);
      const reused = this.evict(1);
      if (reused !== undefined) new Uint8Array(reused.buffer).fill(0);
      this.resident.set(this.count, reused ?? new DataView(new ArrayBuffer(this.chunkBytes)));
      this.count += 1;
    }
    return this.use(number, this.resident.get(number)!);
  }

  /** The chunk holding row `index` (for reading). */
  chunk(index: number): DataView {
    const number = index >>> this.shift;
    if (number === this.lastNumber) return this.lastChunk!;
    let chunk = this.resident.get(number);
    if (chunk === undefined) {
      // Read back into the buffer of the chunk used longest ago (no new memory once warm).
      chunk = this.evict(1) ?? new DataView(new ArrayBuffer(this.chunkBytes));
      const bytes = new Uint8Array(chunk.buffer);
      for (let read = 0; read < bytes.length; ) {
        const n = readSync(this.fd!, bytes, read, bytes.length - read, number * this.chunkBytes + read);
        if (n === 0) throw new Error(`event store: ${this.spillFile} ends inside chunk ${number}`);
        read += n;
      }
      this.resident.set(number, chunk);
    } else {
      // Most recently used last.
      this.resident.delete(number);
      this.resident.set(number, chunk);
    }
    return this.use(number, chunk);
  }

  private use(number: number, chunk: DataView): DataView {
    this.lastNumber = number;
    this.lastChunk = chunk;
    return chunk;
  }

  private spill(number: number): void {
    this.fd ??= openSync(this.spillFile!, 'w+');
    const bytes = new Uint8Array(this.resident.get(number)!.buffer);
    for (let written = 0; written < bytes.length; )
      written += writeSync(this.fd, bytes, written, bytes.length - written, number * this.chunkBytes + written);
  }

  /**
   * Lets the least recently used chunks go (all on disk) until `room` more fit, keeping the
   * last one, which may still be filled; returns the buffer of one let go, for reuse.
   */
  private evict(room = 0): DataView | undefined {
    if (this.spillFile === null) return undefined;
    let freed: DataView | undefined;
    for (const [number, chunk] of this.resident) {
      if (this.resident.size + room <= RESIDENT_CHUNKS) break;
      if (number === this.count - 1) continue;
      if (this.dirty.delete(number)) this.spill(number);
      this.resident.delete(number);
      freed = chunk;
    }
    return freed;
  }

  /** Where row `index` starts in its chunk. */
  at(index: number): number {
    return (index & this.mask) * this.width;
  }

  /** Bytes in memory. */
  get bytes(): number {
    return this.resident.size * this.chunkBytes;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

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

/** Deep-freezes a value built from JSON (so one copy can be shared by many events). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Whether `a` would be written as `b` is by `JSON.stringify` (`b` is a parsed, plain value):
 * the same keys in the same order, the same primitives. False also means "not sure".
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i += 1) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (let i = 0; i < keysA.length; i += 1) {
    const key = keysA[i]!;
    if (key !== keysB[i] || !sameJson((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
      return false;
  }
  return true;
}

const isU16 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff;
const isU32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xfffffffe;
const isI32 = (n: unknown): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff;

/** Keys an object must have, and may have besides. */
interface Shape {
  required: ReadonlySet<string>;
  optional: ReadonlySet<string>;
}

const shape = (required: readonly string[], optional: readonly string[] = []): Shape => ({
  required: new Set(required),
  optional: new Set(optional),
});

/** Whether `value` has exactly the shape's required keys, and no others beyond its optional ones. */
function hasShape(value: object, { required, optional }: Shape): boolean {
  let present = 0;
  for (const key in value) {
    if (required.has(key)) present += 1;
    else if (!optional.has(key)) return false;
  }
  return present === required.size;
}

function isEndpoint(value: unknown): value is Endpoint {
  return (
    typeof value === 'object' &&
    value !== null &&
    hasShape(value, ENDPOINT) &&
    typeof (value as Endpoint).address === 'string' &&
    isU16((value as Endpoint).port)
  );
}

function isCaptureRef(value: unknown): value is CaptureRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    hasShape(value, CAPTURE) &&
    typeof (value as CaptureRef).file === 'string' &&
    isU32((value as CaptureRef).frame)
  );
}

function isRecordList(value: unknown): value is RecordSummary[] {
  return (
    Array.isArray(value) &&
    value.length <= 0xffff &&
    value.every(
      (r: unknown) =>
        typeof r === 'object' &&
        r !== null &&
        hasShape(r, RECORD) &&
        typeof (r as RecordSummary).name === 'string' &&
        typeof (r as RecordSummary).type === 'string' &&
        typeof (r as RecordSummary).class === 'string' &&
        typeof (r as RecordSummary).data === 'string' &&
        isU32((r as RecordSummary).ttl),
    )
  );
}

const ENDPOINT = shape(['address', 'port']);
const CAPTURE = shape(['file', 'frame']);
const RECORD = shape(['name', 'type', 'class', 'ttl', 'data']);
const BASE_KEYS = ['type', 'seq', 't', 'dut', 'phase', 'transport', 'client', 'server', 'size', 'wire'];
const MESSAGE_KEYS = [...BASE_KEYS, 'txid', 'flags', 'questions', 'edns'];
const QUERY = shape([...MESSAGE_KEYS, 'scenario'], ['tls', 'http', 'capture']);
const RESPONSE = shape(
  [...MESSAGE_KEYS, 'queryRef', 'answers', 'authority', 'additional', 'scenario', 'manipulations', 'reason'],
  ['copies', 'answerSource', 'tls', 'http', 'capture'],
);
const MALFORMED = shape([...BASE_KEYS, 'error', 'answered'], ['capture']);
/** The fields of each kind kept together as one interned value. */
const QUERY_REST = ['scenario', 'tls', 'http'];
const RESPONSE_REST = ['scenario', 'manipulations', 'reason', 'copies', 'answerSource', 'tls', 'http'];
const MALFORMED_REST = ['error', 'answered'];

/** The scenario fields and other rarely varying ones, interned as one value per event. */
interface Rest {
  scenario?: string;
  tls?: TlsSummary;
  http?: HttpSummary;
  manipulations?: string[];
  reason?: string | null;
  copies?: number;
  answerSource?: AnswerSource;
  error?: string;
  answered?: boolean;
}

/** Tag ids (u16 columns): below {@link TAG_OVERFLOW}; the two top values are markers. */
const TAG_LIMIT = 0xfffe;
/** A DUT or phase too many to tag: read from the event kept as it is. */
const TAG_OVERFLOW = 0xfffe;
/** No capture reference. */
const TAG_NONE = 0xffff;
/** Every this many events the store notes where a line starts exactly; lines between follow each other. */
const OFFSET_EVERY = 64;

/** Interned keys with ids below a limit (the width of the fields holding them). */
class Interner<K, V> {
  private readonly ids = new Map<K, number>();
  readonly values: V[] = [];
  /** The two keys asked for last: consecutive events mostly repeat them. */
  private lastKey: K | undefined;
  private lastId = -1;
  private otherKey: K | undefined;
  private otherId = -1;

  constructor(
    private readonly limit: number,
    private readonly make: (key: K) => V,
  ) {}

  /** The key's id, interning it when new; undefined when the ids are used up. */
  id(key: K): number | undefined {
    if (this.lastId >= 0 && key === this.lastKey) return this.lastId;
    if (this.otherId >= 0 && key === this.otherKey) {
      [this.lastKey, this.otherKey, this.lastId, this.otherId] = [
        this.otherKey,
        this.lastKey,
        this.otherId,
        this.lastId,
      ];
      return this.lastId;
    }
    let id = this.ids.get(key);
    if (id === undefined) {
      if (this.values.length >= this.limit) return undefined;
      id = this.values.length;
      this.values.push(this.make(key));
      this.ids.set(key, id);
    }
    this.otherKey = this.lastKey;
    this.otherId = this.lastId;
    this.lastKey = key;
    this.lastId = id;
    return id;
  }

  get size(): number {
    return this.values.length;
  }
}

/**
 * Values interned by their JSON text, remembering the last two: a value that would be written
 * as one of them takes its id without being written out (consecutive events repeat them).
 */
class ValueInterner {
  private readonly interner: Interner<string, unknown>;
  private last: { value: unknown; id: number } | undefined;
  private other: { value: unknown; id: number } | undefined;

  constructor(limit: number) {
    this.interner = new Interner<string, unknown>(limit, parsed);
  }

  get values(): readonly unknown[] {
    return this.interner.values;
  }

  get size(): number {
    return this.interner.size;
  }

  /**
   * The id of the object of `source`'s own `keys` (in that order, those it has), built only
   * when it is not one of the last two.
   */
  idOfFields(source: object, keys: readonly string[]): number | undefined {
    const fields = source as Record<string, unknown>;
    if (ValueInterner.holds(this.last, fields, keys)) return this.last!.id;
    if (ValueInterner.holds(this.other, fields, keys)) {
      [this.last, this.other] = [this.other, this.last];
      return this.last!.id;
    }
    const value: Record<string, unknown> = {};
    for (const key of keys) if (Object.hasOwn(fields, key)) value[key] = fields[key];
    return this.id(value);
  }

  /** Whether the value remembered is the object of `fields`' own `keys` (in that order, those it has). */
  private static holds(
    remembered: { value: unknown } | undefined,
    fields: Record<string, unknown>,
    keys: readonly string[],
  ): boolean {
    if (remembered === undefined) return false;
    const value = remembered.value as Record<string, unknown>;
    for (const key of keys) {
      const has = Object.hasOwn(fields, key);
      if (has !== Object.hasOwn(value, key) || (has && !sameJson(fields[key], value[key]))) return false;
    }
    return true;
  }

  /** The id of the value written as `value` would be, or undefined when the ids are used up. */
  id(value: unknown): number | undefined {
    if (this.last !== undefined && sameJson(value, this.last.value)) return this.last.id;
    if (this.other !== undefined && sameJson(value, this.other.value)) {
      [this.last, this.other] = [this.other, this.last];
      return this.last!.id;
    }
    const id = this.interner.id(JSON.stringify(value) ?? 'undefined');
    if (id === undefined) return undefined;
    this.other = this.last;
    this.last = { value: this.interner.values[id], id };
    return id;
  }
}

const same = <T>(key: T): T => key;
/** A value interned by its JSON text: the parsed text, frozen (so one copy serves many events, as the log has it). */
const parsed = (key: string): unknown => deepFreeze(key === 'undefined' ? undefined : JSON.parse(key));
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

export class EventStore {
  private n = 0;
  private readonly spillDir: string | null;
  private readonly rows: Rows;
  private records = 0;
  private readonly recordRows: Rows;
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
  /** Events kept as they are. */
  private readonly others = new Map<number, EvidenceEvent>();
  private file: string | null = null;
  private fd: number | null = null;

  constructor(options: EventStoreOptions = {}) {
    this.spillDir = options.spillDir === undefined ? null : mkdtempSync(join(options.spillDir, 'dnsconform-events-'));
    const shift = options.chunkShift ?? CHUNK_SHIFT;
    this.rows = new Rows(EVENT_ROW, shift, this.spillDir === null ? null : join(this.spillDir, 'events.bin'));
    this.recordRows = new Rows(RECORD_ROW, shift, this.spillDir === null ? null : join(this.spillDir, 'records.bin'));
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
    let kind = this.fits(event);
    if (
      kind !== KIND.other &&
      (dut === undefined ||
        phase === undefined ||
        !this.addMessage(event as QueryEvent | ResponseEvent | MalformedEvent, row, at))
    )
      kind = KIND.other;
    row.setUint8(at + E.kind, kind);
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

  /** The kind an event is held as: a DNS kind when its shape fits the fields, else other. */
  private fits(event: EvidenceEvent): Kind {
    if (event.type !== 'dns.query' && event.type !== 'dns.response' && event.type !== 'dns.malformed')
      return KIND.other;
    if (
      !Number.isFinite(event.t) ||
      !(event.dut === null || typeof event.dut === 'string') ||
      !(event.phase === null || typeof event.phase === 'string') ||
      typeof event.transport !== 'string' ||
      !isEndpoint(event.client) ||
      !isEndpoint(event.server) ||
      !isU16(event.size) ||
      typeof event.wire !== 'string'
    )
      return KIND.other;
    const capture = (event as { capture?: unknown }).capture;
    if (capture !== undefined && !isCaptureRef(capture)) return KIND.other;
    if (event.type === 'dns.malformed') return hasShape(event, MALFORMED) ? KIND.malformed : KIND.other;
    if (
      !isU16(event.txid) ||
      typeof event.flags !== 'object' ||
      event.flags === null ||
      !Array.isArray(event.questions) ||
      (event.edns !== null && typeof event.edns !== 'object')
    )
      return KIND.other;
    if (event.type === 'dns.query') return hasShape(event, QUERY) ? KIND.query : KIND.other;
    return hasShape(event, RESPONSE) &&
      isI32(event.queryRef) &&
      isRecordList(event.answers) &&
      isRecordList(event.authority) &&
      isRecordList(event.additional)
      ? KIND.response
      : KIND.other;
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

  kindOf(index: number): number {
    return this.u8(index, E.kind);
  }

  /** The `type` of the event at `index`. */
  typeOf(index: number): EvidenceEvent['type'] {
    const kind = this.kindOf(index);
    return kind === KIND.other ? this.others.get(index)!.type : TYPE_OF_KIND[kind as 1 | 2 | 3];
  }

  timeOf(index: number): Microseconds {
    return this.rows.chunk(index).getFloat64(this.rows.at(index) + E.time, true);
  }

  dutOf(index: number): string | null {
    const tag = this.u16(index, E.dut);
    return tag === TAG_OVERFLOW ? this.others.get(index)!.dut : this.duts.values[tag]!;
  }

  phaseOf(index: number): string | null {
    const tag = this.u16(index, E.phase);
    return tag === TAG_OVERFLOW ? this.others.get(index)!.phase : this.phases.values[tag]!;
  }

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

  /** @internal Field readers for the views. */
  read = {
    transport: (i: number) => this.transports.values[this.u16(i, E.transport)] as Transport,
    client: (i: number): Endpoint => ({
      address: this.addresses.values[this.u32(i, E.clientAddress)]!,
      port: this.u16(i, E.clientPort),
    }),
    server: (i: number): Endpoint => ({
      address: this.addresses.values[this.u32(i, E.serverAddress)]!,
      port: this.u16(i, E.serverPort),
    }),
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

/** Fields every DNS message view has. */
abstract class MessageView {
  readonly #store: EventStore;
  readonly #index: number;

  constructor(store: EventStore, index: number) {
    this.#store = store;
    this.#index = index;
  }

  protected get store(): EventStore {
    return this.#store;
  }

  protected get index(): number {
    return this.#index;
  }

  get seq(): number {
    return this.#index + 1;
  }

  get t(): Microseconds {
    return this.#store.timeOf(this.#index);
  }

  get dut(): string | null {
    return this.#store.dutOf(this.#index);
  }

  get phase(): string | null {
    return this.#store.phaseOf(this.#index);
  }

  get transport(): Transport {
    return this.#store.read.transport(this.#index);
  }

  get client(): Endpoint {
    return this.#store.read.client(this.#index);
  }

  get server(): Endpoint {
    return this.#store.read.server(this.#index);
  }

  get size(): number {
    return this.#store.read.size(this.#index);
  }

  /** Read from the log: the one field left on disk. */
  get wire(): string {
    return (this.#store.line(this.#index) as QueryEvent).wire;
  }

  get capture(): CaptureRef | undefined {
    return this.#store.read.capture(this.#index);
  }

  /** The logged line, as `JSON.stringify` should write the event. */
  toJSON(): EvidenceEvent {
    return this.#store.line(this.#index);
  }
}

/** Fields of decoded messages (queries and responses). */
abstract class DecodedView extends MessageView {
  get txid(): number {
    return this.store.read.txid(this.index);
  }

  get flags(): DnsFlags {
    return this.store.read.flags(this.index);
  }

  get questions(): DnsQuestion[] {
    return this.store.read.questions(this.index);
  }

  get edns(): EdnsSummary | null {
    return this.store.read.edns(this.index);
  }

  get scenario(): string {
    return this.store.read.rest(this.index).scenario!;
  }

  get tls(): TlsSummary | undefined {
    return this.store.read.rest(this.index).tls;
  }

  get http(): HttpSummary | undefined {
    return this.store.read.rest(this.index).http;
  }
}

class QueryView extends DecodedView implements QueryEvent {
  get type(): 'dns.query' {
    return 'dns.query';
  }
}

class ResponseView extends DecodedView implements ResponseEvent {
  get type(): 'dns.response' {
    return 'dns.response';
  }

  get queryRef(): number {
    return this.store.queryRefOf(this.index);
  }

  get answers(): RecordSummary[] {
    return this.store.read.records(this.index, 0);
  }

  get authority(): RecordSummary[] {
    return this.store.read.records(this.index, 1);
  }

  get additional(): RecordSummary[] {
    return this.store.read.records(this.index, 2);
  }

  get manipulations(): string[] {
    return this.store.read.rest(this.index).manipulations!;
  }

  get reason(): string | null {
    return this.store.read.rest(this.index).reason!;
  }

  get copies(): number | undefined {
    return this.store.read.rest(this.index).copies;
  }

  get answerSource(): AnswerSource | undefined {
    return this.store.read.rest(this.index).answerSource;
  }
}

class MalformedView extends MessageView implements MalformedEvent {
  get type(): 'dns.malformed' {
    return 'dns.malformed';
  }

  get error(): string {
    return this.store.read.rest(this.index).error!;
  }

  get answered(): boolean {
    return this.store.read.rest(this.index).answered!;
  }
}
