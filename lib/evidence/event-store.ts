/**
 * A compact index of an `events.ndjson` log, so a large run (an imported capture of
 * millions of frames) can be judged without a JavaScript object per event in memory.
 *
 * DNS message events (queries, responses, malformed messages) are kept as columns of
 * numbers: times, ports, TXIDs, sizes, and ids of interned strings (addresses, names,
 * files) and of interned values that repeat (flags, questions, EDNS, the scenario fields),
 * with the records of the answer, authority and additional sections in columns of their
 * own. Only `wire` stays on disk: it is read from the event's line when asked for. Other
 * events (markers, contacts, probes: few) are kept as they are.
 *
 * {@link EventStore.event} hands out read-only views that read those columns: every field
 * of the event, the same values as the logged line (shared values are frozen). A view is
 * not a plain object: spreading one copies nothing, and `JSON.stringify` gives the line
 * from the log. Any DNS event whose shape the columns cannot hold exactly (an unknown
 * field, a value out of range) is kept as it is instead.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type {
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

const CHUNK_SHIFT = 13;
const CHUNK = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK - 1;

type NumberArray = Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;

/** A column of numbers in fixed-size chunks: grows without copying what it holds. */
class Column {
  private readonly chunks: NumberArray[] = [];

  constructor(private readonly make: (length: number) => NumberArray) {}

  get(index: number): number {
    return this.chunks[index >>> CHUNK_SHIFT]![index & CHUNK_MASK]!;
  }

  set(index: number, value: number): void {
    const chunk = index >>> CHUNK_SHIFT;
    while (chunk >= this.chunks.length) this.chunks.push(this.make(CHUNK));
    this.chunks[chunk]![index & CHUNK_MASK] = value;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.chunks.reduce((sum, c) => sum + c.byteLength, 0);
  }
}

const f64 = () => new Column((n) => new Float64Array(n));
const u32 = () => new Column((n) => new Uint32Array(n));
const i32 = () => new Column((n) => new Int32Array(n));
const u16 = () => new Column((n) => new Uint16Array(n));
const u8 = () => new Column((n) => new Uint8Array(n));

/** Deep-freezes a value built from JSON (so one copy can be shared by many events). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const isU16 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffff;
const isU32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xfffffffe;
const isI32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff;

/** Keys an object must have, and may have besides. */
interface Shape {
  required: ReadonlySet<string>;
  optional: ReadonlySet<string>;
}

const shape = (required: readonly string[], optional: readonly string[] = []): Shape => ({ required: new Set(required), optional: new Set(optional) });

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
  return typeof value === 'object' && value !== null && hasShape(value, ENDPOINT)
    && typeof (value as Endpoint).address === 'string' && isU16((value as Endpoint).port);
}

function isCaptureRef(value: unknown): value is CaptureRef {
  return typeof value === 'object' && value !== null && hasShape(value, CAPTURE)
    && typeof (value as CaptureRef).file === 'string' && isU32((value as CaptureRef).frame);
}

function isRecordList(value: unknown): value is RecordSummary[] {
  return Array.isArray(value) && value.length <= 0xffff && value.every((r: unknown) => typeof r === 'object' && r !== null && hasShape(r, RECORD)
    && typeof (r as RecordSummary).name === 'string' && typeof (r as RecordSummary).type === 'string'
    && typeof (r as RecordSummary).class === 'string' && typeof (r as RecordSummary).data === 'string' && isU32((r as RecordSummary).ttl));
}

const ENDPOINT = shape(['address', 'port']);
const CAPTURE = shape(['file', 'frame']);
const RECORD = shape(['name', 'type', 'class', 'ttl', 'data']);
const BASE_KEYS = ['type', 'seq', 't', 'dut', 'phase', 'transport', 'client', 'server', 'size', 'wire'];
const MESSAGE_KEYS = [...BASE_KEYS, 'txid', 'flags', 'questions', 'edns'];
const QUERY = shape([...MESSAGE_KEYS, 'scenario'], ['tls', 'http', 'capture']);
const RESPONSE = shape([...MESSAGE_KEYS, 'queryRef', 'answers', 'authority', 'additional', 'scenario', 'manipulations', 'reason'], ['copies', 'tls', 'http', 'capture']);
const MALFORMED = shape([...BASE_KEYS, 'error', 'answered'], ['capture']);
/** The fields of each kind kept together as one interned value. */
const QUERY_REST = ['scenario', 'tls', 'http'];
const RESPONSE_REST = ['scenario', 'manipulations', 'reason', 'copies', 'tls', 'http'];
const MALFORMED_REST = ['error', 'answered'];

/** The scenario fields and other rarely varying ones, interned as one value per event. */
interface Rest {
  scenario?: string;
  tls?: TlsSummary;
  http?: HttpSummary;
  manipulations?: string[];
  reason?: string | null;
  copies?: number;
  error?: string;
  answered?: boolean;
}

/** The record sections of a response, in order. */
const SECTIONS = 3;
/** Tag ids (u16 columns): below {@link TAG_OVERFLOW}; the two top values are markers. */
const TAG_LIMIT = 0xfffe;
/** A DUT or phase too many to tag: read from the event kept as it is. */
const TAG_OVERFLOW = 0xfffe;
/** No capture reference. */
const TAG_NONE = 0xffff;
/** Every this many events the store notes where a line starts exactly; lines between follow each other. */
const OFFSET_EVERY = 64;

/** Interned keys with ids below a limit (the width of the columns holding them). */
class Interner<K, V> {
  private readonly ids = new Map<K, number>();
  readonly values: V[] = [];

  constructor(private readonly limit: number) {}

  /** The key's id, interning it (with its value) when new; undefined when the ids are used up. */
  id(key: K, value: (key: K) => V): number | undefined {
    let id = this.ids.get(key);
    if (id === undefined) {
      if (this.values.length >= this.limit) return undefined;
      id = this.values.length;
      this.values.push(value(key));
      this.ids.set(key, id);
    }
    return id;
  }

  /** The key's id when interned. */
  lookup(key: K): number | undefined {
    return this.ids.get(key);
  }

  get size(): number {
    return this.values.length;
  }
}

const same = <T>(key: T): T => key;
/** A value interned by its JSON text: the parsed text, frozen (so one copy serves many events, as the log has it). */
const parsed = (key: string): unknown => deepFreeze(key === 'undefined' ? undefined : JSON.parse(key));

/** The ids of one record, before it is known that all of the event's records fit. */
type RecordIds = [name: number, type: number, cls: number, ttl: number, data: number];

export class EventStore {
  private n = 0;
  private readonly kind = u8();
  private readonly time = f64();
  private readonly dut = u16();
  private readonly phase = u16();
  private readonly lineLength = u32();
  private readonly lineStarts = new Map<number, number>();
  private nextLineStart = 0;
  private readonly transport = u16();
  private readonly clientAddress = u32();
  private readonly clientPort = u16();
  private readonly serverAddress = u32();
  private readonly serverPort = u16();
  private readonly txid = u16();
  private readonly size = u16();
  private readonly flags = u16();
  private readonly questions = u32();
  private readonly edns = u16();
  private readonly rest = u16();
  private readonly captureFile = u16();
  private readonly captureFrame = u32();
  private readonly queryRef = i32();
  private readonly recordStart = u32();
  private readonly recordCount = u8();
  private records = 0;
  private readonly recordName = u32();
  private readonly recordType = u16();
  private readonly recordClass = u16();
  private readonly recordTtl = u32();
  private readonly recordData = u32();
  /** Strings of many values (addresses, names, record data). */
  private readonly strings = new Interner<string, string>(0xffffffff);
  /** Strings of few values (DUTs, phases, transports, files, record types and classes). */
  private readonly tags = new Interner<string | null, string | null>(TAG_LIMIT);
  /** Values interned by their JSON text, one table per column. */
  private readonly flagValues = new Interner<string, unknown>(0x10000);
  private readonly questionValues = new Interner<string, unknown>(0xffffffff);
  private readonly ednsValues = new Interner<string, unknown>(0x10000);
  private readonly restValues = new Interner<string, unknown>(0x10000);
  /** Events kept as they are. */
  private readonly others = new Map<number, EvidenceEvent>();
  private file: string | null = null;
  private fd: number | null = null;

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
    this.lineLength.set(i, length);
    this.time.set(i, event.t);
    const dut = this.tags.id(event.dut, same);
    const phase = this.tags.id(event.phase, same);
    this.dut.set(i, dut ?? TAG_OVERFLOW);
    this.phase.set(i, phase ?? TAG_OVERFLOW);
    this.n += 1;
    let kind = this.fits(event);
    if (kind !== KIND.other && (dut === undefined || phase === undefined || !this.addMessage(event as QueryEvent | ResponseEvent | MalformedEvent, i))) kind = KIND.other;
    this.kind.set(i, kind);
    if (kind === KIND.other) this.others.set(i, event);
  }

  /** Fills the message columns of event `i`; false (nothing kept) when an id does not fit its column. */
  private addMessage(message: QueryEvent | ResponseEvent | MalformedEvent, i: number): boolean {
    const transport = this.tags.id(message.transport, same);
    const capture = (message as { capture?: CaptureRef }).capture;
    const file = capture === undefined ? TAG_NONE : this.tags.id(capture.file, same);
    const rest: Record<string, unknown> = {};
    const restKeys = message.type === 'dns.query' ? QUERY_REST : message.type === 'dns.response' ? RESPONSE_REST : MALFORMED_REST;
    for (const key of restKeys) if (Object.hasOwn(message, key)) rest[key] = (message as unknown as Record<string, unknown>)[key];
    const restId = this.restValues.id(JSON.stringify(rest), parsed);
    if (transport === undefined || file === undefined || restId === undefined) return false;
    let flags = 0;
    let questions = 0;
    let edns = 0;
    let records: RecordIds[] = [];
    if (message.type !== 'dns.malformed') {
      const flagsId = this.flagValues.id(JSON.stringify(message.flags), parsed);
      const questionsId = this.questionValues.id(JSON.stringify(message.questions), parsed);
      const ednsId = this.ednsValues.id(JSON.stringify(message.edns) ?? 'undefined', parsed);
      if (flagsId === undefined || questionsId === undefined || ednsId === undefined) return false;
      [flags, questions, edns] = [flagsId, questionsId, ednsId];
      if (message.type === 'dns.response') {
        const sections = [message.answers, message.authority, message.additional];
        if (sections.some((section) => section.length > 0xff)) return false;
        records = sections.flat().map((r): RecordIds => [this.strings.id(r.name, same)!, this.tags.id(r.type, same) ?? -1, this.tags.id(r.class, same) ?? -1, r.ttl, this.strings.id(r.data, same)!]);
        if (records.some((r) => r[1] < 0 || r[2] < 0)) return false;
        this.queryRef.set(i, message.queryRef);
        this.recordStart.set(i, this.records);
        sections.forEach((section, s) => this.recordCount.set(i * SECTIONS + s, section.length));
      }
    }
    this.transport.set(i, transport);
    this.clientAddress.set(i, this.strings.id(message.client.address, same)!);
    this.clientPort.set(i, message.client.port);
    this.serverAddress.set(i, this.strings.id(message.server.address, same)!);
    this.serverPort.set(i, message.server.port);
    this.size.set(i, message.size);
    this.captureFile.set(i, file);
    if (capture !== undefined) this.captureFrame.set(i, capture.frame);
    this.rest.set(i, restId);
    if (message.type === 'dns.malformed') return true;
    this.txid.set(i, message.txid);
    this.flags.set(i, flags);
    this.questions.set(i, questions);
    this.edns.set(i, edns);
    for (const [name, type, cls, ttl, data] of records) {
      const r = this.records;
      this.recordName.set(r, name);
      this.recordType.set(r, type);
      this.recordClass.set(r, cls);
      this.recordTtl.set(r, ttl);
      this.recordData.set(r, data);
      this.records += 1;
    }
    return true;
  }

  /** The kind an event is held as: a DNS kind when its shape fits the columns, else other. */
  private fits(event: EvidenceEvent): Kind {
    if (event.type !== 'dns.query' && event.type !== 'dns.response' && event.type !== 'dns.malformed') return KIND.other;
    if (!Number.isFinite(event.t) || !(event.dut === null || typeof event.dut === 'string') || !(event.phase === null || typeof event.phase === 'string')
      || typeof event.transport !== 'string' || !isEndpoint(event.client) || !isEndpoint(event.server) || !isU16(event.size)
      || typeof event.wire !== 'string') return KIND.other;
    const capture = (event as { capture?: unknown }).capture;
    if (capture !== undefined && !isCaptureRef(capture)) return KIND.other;
    if (event.type === 'dns.malformed') return hasShape(event, MALFORMED) ? KIND.malformed : KIND.other;
    if (!isU16(event.txid) || typeof event.flags !== 'object' || event.flags === null || !Array.isArray(event.questions)
      || (event.edns !== null && typeof event.edns !== 'object')) return KIND.other;
    if (event.type === 'dns.query') return hasShape(event, QUERY) ? KIND.query : KIND.other;
    return hasShape(event, RESPONSE) && isI32(event.queryRef)
      && isRecordList(event.answers) && isRecordList(event.authority) && isRecordList(event.additional) ? KIND.response : KIND.other;
  }

  kindOf(index: number): number {
    return this.kind.get(index);
  }

  /** The `type` of the event at `index`. */
  typeOf(index: number): EvidenceEvent['type'] {
    const kind = this.kind.get(index);
    return kind === KIND.other ? this.others.get(index)!.type : TYPE_OF_KIND[kind as 1 | 2 | 3];
  }

  timeOf(index: number): Microseconds {
    return this.time.get(index);
  }

  private tagOf(column: Column, index: number, field: 'dut' | 'phase'): string | null {
    const tag = column.get(index);
    return tag === TAG_OVERFLOW ? this.others.get(index)![field] : this.tags.values[tag]!;
  }

  dutOf(index: number): string | null {
    return this.tagOf(this.dut, index, 'dut');
  }

  phaseOf(index: number): string | null {
    return this.tagOf(this.phase, index, 'phase');
  }

  queryRefOf(index: number): number {
    return this.queryRef.get(index);
  }

  /** The event at `index`: a view of a DNS message, or the event as it was added. */
  event(index: number): EvidenceEvent {
    switch (this.kind.get(index)) {
      case KIND.query: return new QueryView(this, index);
      case KIND.response: return new ResponseView(this, index);
      case KIND.malformed: return new MalformedView(this, index);
      default: return this.others.get(index)!;
    }
  }

  /** Where the event's line starts in the log. */
  private lineStart(index: number): number {
    let bytes = 0;
    let i = index;
    for (let start = this.lineStarts.get(i); ; start = this.lineStarts.get(i)) {
      if (start !== undefined) return start + bytes;
      i -= 1;
      bytes += this.lineLength.get(i) + 1;
    }
  }

  /** The event's line from the log, parsed. */
  line(index: number): EvidenceEvent {
    if (this.file === null) throw new Error('event store: no log attached to read lines from');
    this.fd ??= openSync(this.file, 'r');
    const length = this.lineLength.get(index);
    const buffer = Buffer.allocUnsafe(length);
    const position = this.lineStart(index);
    for (let read = 0; read < length;) {
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

  /** Approximate bytes held: columns, interned strings and values (for benchmarks). */
  get bytes(): number {
    const columns = [this.kind, this.time, this.dut, this.phase, this.lineLength, this.transport, this.clientAddress, this.clientPort,
      this.serverAddress, this.serverPort, this.txid, this.size, this.flags, this.questions, this.edns, this.rest, this.captureFile, this.captureFrame,
      this.queryRef, this.recordStart, this.recordCount, this.recordName, this.recordType, this.recordClass, this.recordTtl, this.recordData];
    const strings = [...this.strings.values, ...this.tags.values].reduce((sum, s) => sum + (s?.length ?? 0) + 40, 0);
    const values = [this.flagValues, this.questionValues, this.ednsValues, this.restValues].reduce((sum, v) => sum + v.size * 200, 0);
    return columns.reduce((sum, c) => sum + c.bytes, 0) + strings + values + this.lineStarts.size * 40;
  }

  /** @internal Field readers for the views. */
  read = {
    transport: (i: number) => this.tags.values[this.transport.get(i)] as Transport,
    client: (i: number): Endpoint => ({ address: this.strings.values[this.clientAddress.get(i)]!, port: this.clientPort.get(i) }),
    server: (i: number): Endpoint => ({ address: this.strings.values[this.serverAddress.get(i)]!, port: this.serverPort.get(i) }),
    size: (i: number) => this.size.get(i),
    txid: (i: number) => this.txid.get(i),
    flags: (i: number) => this.flagValues.values[this.flags.get(i)] as DnsFlags,
    questions: (i: number) => this.questionValues.values[this.questions.get(i)] as DnsQuestion[],
    edns: (i: number) => this.ednsValues.values[this.edns.get(i)] as EdnsSummary | null,
    rest: (i: number) => this.restValues.values[this.rest.get(i)] as Rest,
    capture: (i: number): CaptureRef | undefined => {
      const file = this.captureFile.get(i);
      return file === TAG_NONE ? undefined : { file: this.tags.values[file]!, frame: this.captureFrame.get(i) };
    },
    records: (i: number, section: number): RecordSummary[] => {
      let r = this.recordStart.get(i);
      for (let s = 0; s < section; s += 1) r += this.recordCount.get(i * SECTIONS + s);
      const count = this.recordCount.get(i * SECTIONS + section);
      const out: RecordSummary[] = new Array<RecordSummary>(count);
      for (let k = 0; k < count; k += 1, r += 1) {
        out[k] = {
          name: this.strings.values[this.recordName.get(r)]!, type: this.tags.values[this.recordType.get(r)]!, class: this.tags.values[this.recordClass.get(r)]!,
          ttl: this.recordTtl.get(r), data: this.strings.values[this.recordData.get(r)]!,
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
