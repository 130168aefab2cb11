/**
 * Builds evidence the way a run writes it, for check fixtures and analysis tests: every
 * DNS exchange is a real dns-packet message, encoded to the wire bytes the event carries
 * and decoded back into the event's fields with the resolver's own summarisers, so the
 * decoded fields and `wire` always agree.
 */
import type { Answer, Question } from 'dns-packet';
import { buildQuery, buildResponse } from '../lib/dns/builders.ts';
import { decodeMessage, encodeMessage } from '../lib/dns/codec.ts';
import type { RcodeName } from '../lib/dns/codec.ts';
import { summariseEdns, summariseFlags, summariseQuestions, summariseRecords } from '../lib/dns/summarise.ts';
import type { DecodedMessage } from '../lib/dns/codec.ts';
import type { Endpoint, EvidenceEvent, Microseconds, QueryEvent, ResponseEvent, UnnumberedEvent } from '../lib/evidence/events.ts';

/** The DUT every check fixture is about. */
export const FIXTURE_DUT = 'fixture-dut';
/** The fixture DUT's address. */
export const FIXTURE_CLIENT_ADDRESS = '127.0.10.9';
/** The harness resolver the fixture DUT talks to. */
export const FIXTURE_SERVER: Endpoint = { address: '127.0.10.1', port: 53 };
/** The phase fixtures observe in. */
export const FIXTURE_PHASE = 'baseline';
/** The scenario text the resolver logs when it changes nothing. */
const PASS_THROUGH = 'pass-through';
/** The UDP size the harness resolver advertises when the query carried EDNS. */
const RESOLVER_UDP_SIZE = 1232;

/** One query the DUT sends. */
export interface FixtureQuery {
  /** When the resolver received it. */
  t: Microseconds;
  name: string;
  /** `UNKNOWN_64` is SVCB (dns-packet has no name for it), as DDR asks for `_dns.resolver.arpa`. */
  type: 'A' | 'AAAA' | 'UNKNOWN_64';
  sourcePort: number;
  txid: number;
  /** The UDP size of the OPT record the stub adds, or null for no EDNS. */
  ednsUdpSize: number | null;
  /** The resolver it went to; the harness resolver when absent. */
  server?: Endpoint;
  /** Where a packet capture saw the query (evidence imported from captures); absent for the resolver's own log. */
  capture?: { file: string; frame: number };
}

/** The resolver's answer to it. */
export interface FixtureAnswer {
  /** Microseconds between receiving the query and sending this. */
  latency: Microseconds;
  rcode: RcodeName;
  /** `UNKNOWN_64` (SVCB) data is the RDATA wire bytes. */
  records: { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'UNKNOWN_64'; ttl: number; data: string | Buffer }[];
}

/** The numbered events of one exchange. */
export interface FixtureExchange {
  query: QueryEvent;
  response: ResponseEvent | null;
}

/** An event waiting for its place in the log; responses point at their query's entry. */
interface PendingEntry {
  event: UnnumberedEvent;
  answers: PendingEntry | null;
}

/** Decodes bytes the builder itself encoded (a failure is a bug in the builder, so it throws). */
function decodeOwn(bytes: Buffer): DecodedMessage {
  const decoded = decodeMessage(bytes);
  if (!decoded.ok) throw new Error(`fixture message does not decode: ${decoded.error}`);
  return decoded.message;
}

/** The DNS message fields of an event, from the encoded bytes. */
function messageFields(bytes: Buffer, client: Endpoint, server: Endpoint) {
  const message = decodeOwn(bytes);
  return {
    transport: 'udp' as const, client, server, txid: message.id ?? 0,
    flags: summariseFlags(message), questions: summariseQuestions(message), edns: summariseEdns(message),
    size: bytes.length, wire: bytes.toString('base64'),
  };
}

/**
 * The evidence of one run of the fixture DUT in one baseline phase. Events may be added
 * in any order; {@link FixtureRun.events} sorts them by time and numbers them, as the log
 * of a live run would have.
 */
export class FixtureRun {
  private readonly entries: PendingEntry[] = [];

  constructor(readonly runId: string, readonly start: Microseconds, readonly end: Microseconds) {
    this.push({ type: 'run.start', t: start, dut: FIXTURE_DUT, phase: null, runId });
    this.push({ type: 'phase.start', t: start + 1_000, dut: FIXTURE_DUT, phase: FIXTURE_PHASE, name: FIXTURE_PHASE, scenario: PASS_THROUGH });
    this.push({ type: 'phase.end', t: end - 1_000, dut: FIXTURE_DUT, phase: FIXTURE_PHASE, name: FIXTURE_PHASE, scenario: PASS_THROUGH, reason: 'window elapsed' });
    this.push({ type: 'run.end', t: end, dut: FIXTURE_DUT, phase: null, runId, reason: 'window elapsed' });
  }

  private push(event: UnnumberedEvent, answers: PendingEntry | null = null): PendingEntry {
    const entry = { event, answers };
    this.entries.push(entry);
    return entry;
  }

  /** Adds a query and, unless `answer` is null (no reply yet at the end of the window), its response. */
  exchange(query: FixtureQuery, answer: FixtureAnswer | null): void {
    if (query.t <= this.start + 1_000 || query.t >= this.end - 1_000) throw new RangeError(`query at ${query.t} falls outside the baseline phase`);
    const client = { address: FIXTURE_CLIENT_ADDRESS, port: query.sourcePort };
    const server = query.server ?? FIXTURE_SERVER;
    const queryBytes = encodeMessage(buildQuery({
      id: query.txid, name: query.name, type: query.type as Question['type'], ...(query.ednsUdpSize === null ? {} : { edns: { udpSize: query.ednsUdpSize } }),
    }));
    const queryEntry = this.push({ type: 'dns.query', t: query.t, dut: FIXTURE_DUT, phase: FIXTURE_PHASE, ...messageFields(queryBytes, client, server), scenario: PASS_THROUGH,
      ...(query.capture ? { capture: { ...query.capture } } : {}) } as UnnumberedEvent);
    if (answer === null) return;
    const responseBytes = encodeMessage(buildResponse({
      id: query.txid,
      questions: [{ name: query.name, type: query.type as Question['type'], class: 'IN' } as Question],
      rcode: answer.rcode,
      bits: { rd: true, ra: true },
      answers: answer.records.map((r) => ({ ...r, class: 'IN' }) as Answer),
      ...(query.ednsUdpSize === null ? {} : { edns: { udpSize: RESOLVER_UDP_SIZE } }),
    }));
    const decoded = decodeOwn(responseBytes);
    this.push({
      type: 'dns.response', t: query.t + answer.latency, dut: FIXTURE_DUT, phase: FIXTURE_PHASE, ...messageFields(responseBytes, client, server),
      queryRef: 0, answers: summariseRecords(decoded.answers), authority: summariseRecords(decoded.authorities),
      additional: summariseRecords(decoded.additionals), scenario: PASS_THROUGH, manipulations: [], reason: null,
    }, queryEntry);
  }

  /** Adds any other event of the fixture DUT in the baseline phase (e.g. an encrypted DNS contact a capture saw). */
  observe(event: UnnumberedEvent): void {
    if (event.t <= this.start + 1_000 || event.t >= this.end - 1_000) throw new RangeError(`event at ${event.t} falls outside the baseline phase`);
    this.push(event);
  }

  /** The events, ordered by time (stable), numbered from 1, responses linked to their queries. */
  events(): EvidenceEvent[] {
    const ordered = this.entries.map((entry, index) => ({ entry, index }))
      .sort((a, b) => a.entry.event.t - b.entry.event.t || a.index - b.index);
    const seqOf = new Map<PendingEntry, number>(ordered.map(({ entry }, i) => [entry, i + 1]));
    return ordered.map(({ entry }, i) => {
      const event = { seq: i + 1, ...entry.event } as EvidenceEvent;
      if (event.type === 'dns.response' && entry.answers) event.queryRef = seqOf.get(entry.answers) ?? -1;
      return event;
    });
  }

  /** The events as `events.ndjson` text. */
  ndjson(): string {
    return this.events().map((event) => `${JSON.stringify(event)}\n`).join('');
  }
}
