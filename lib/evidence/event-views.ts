/**
 * Read-only views of the DNS messages held by the event store (`event-store.ts`): each view
 * is an event of the log (every field, the same values as the logged line) read on demand
 * from the store's columns through {@link MessageColumns}. A view is not a plain object:
 * spreading one copies nothing, and `JSON.stringify` gives the line from the log.
 */
import type { CaptureRef } from './event-shape.ts';
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

/** The scenario fields and other rarely varying ones, interned as one value per event. */
export interface Rest {
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

/** Readers of a message's fields by event index, each reading its column. */
export interface MessageFieldReaders {
  transport(index: number): Transport;
  client(index: number): Endpoint;
  server(index: number): Endpoint;
  size(index: number): number;
  txid(index: number): number;
  flags(index: number): DnsFlags;
  questions(index: number): DnsQuestion[];
  edns(index: number): EdnsSummary | null;
  rest(index: number): Rest;
  capture(index: number): CaptureRef | undefined;
  /** The records of a response's answer (0), authority (1) or additional (2) section. */
  records(index: number, section: 0 | 1 | 2): RecordSummary[];
}

/** What a view reads its event from: the store's columns, by event index (`seq` - 1). */
export interface MessageColumns {
  timeOf(index: number): Microseconds;
  dutOf(index: number): string | null;
  phaseOf(index: number): string | null;
  queryRefOf(index: number): number;
  /** The event's line from the log, parsed (for `wire` and `JSON.stringify`). */
  line(index: number): EvidenceEvent;
  readonly read: MessageFieldReaders;
}

/** Fields every DNS message view has. */
abstract class MessageView {
  readonly #store: MessageColumns;
  readonly #index: number;

  constructor(store: MessageColumns, index: number) {
    this.#store = store;
    this.#index = index;
  }

  protected get store(): MessageColumns {
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

/** A stored query, read field by field from the columns. */
export class QueryView extends DecodedView implements QueryEvent {
  get type(): 'dns.query' {
    return 'dns.query';
  }
}

/** A stored response, read field by field from the columns. */
export class ResponseView extends DecodedView implements ResponseEvent {
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

/** A stored malformed, read field by field from the columns. */
export class MalformedView extends MessageView implements MalformedEvent {
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
