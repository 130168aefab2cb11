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
import type { Endpoint, EvidenceEvent, HttpSummary, Microseconds, QueryEvent, ResponseEvent, TlsSummary, Transport, UnnumberedEvent } from '../lib/evidence/events.ts';
import { SVCB_PACKET_TYPE } from '../lib/dns/svcb.ts';

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

/** The one phase a fixture run observes in. */
export interface FixturePhase {
  name: string;
  experiment: string;
  scenario: string;
}

/** The baseline phase most fixtures use. */
const BASELINE_PHASE: FixturePhase = { name: FIXTURE_PHASE, experiment: FIXTURE_PHASE, scenario: PASS_THROUGH };

/** An encrypted channel a query came over (DoT, DoH), as the resolver records it. */
export interface FixtureChannel {
  transport: Extract<Transport, 'dot' | 'doh'>;
  tls: TlsSummary;
  http?: HttpSummary;
  /** Pad the query with EDNS(0) Padding to a multiple of this many octets (RFC 8467). */
  paddingBlock?: number;
}
/** The UDP size the harness resolver advertises when the query carried EDNS. */
const RESOLVER_UDP_SIZE = 1232;

/** One query the DUT sends. */
export interface FixtureQuery {
  /** When the resolver received it. */
  t: Microseconds;
  name: string;
  /** SVCB, as DDR asks for `_dns.resolver.arpa`; `UNKNOWN_64` is how dns-packet spells it (same type). */
  type: 'A' | 'AAAA' | 'SVCB' | 'UNKNOWN_64';
  sourcePort: number;
  txid: number;
  /** The UDP size of the OPT record the stub adds, or null for no EDNS. */
  ednsUdpSize: number | null;
  /** The resolver it went to; the harness resolver (or its DoT/DoH port) when absent. */
  server?: Endpoint;
  /** Where a packet capture saw the query (evidence imported from captures); absent for the resolver's own log. */
  capture?: { file: string; frame: number };
  /** Over DoT or DoH; plain UDP when left out. */
  channel?: FixtureChannel;
}

/** The resolver's answer to it. */
export interface FixtureAnswer {
  /** Microseconds between receiving the query and sending this. */
  latency: Microseconds;
  rcode: RcodeName;
  /** `UNKNOWN_64` (SVCB) data is the RDATA wire bytes. */
  records: { name: string; type: 'A' | 'AAAA' | 'CNAME' | 'UNKNOWN_64'; ttl: number; data: string | Buffer }[];
  /** Records in dns-packet's form appended to the answer section (SVCB, ...). */
  extra?: Answer[];
  /** The scenario primitives the resolver logs as having changed this response. */
  manipulations?: string[];
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
function messageFields(bytes: Buffer, client: Endpoint, server: Endpoint | undefined, channel?: FixtureChannel) {
  const message = decodeOwn(bytes);
  return {
    transport: channel?.transport ?? 'udp' as Transport, client,
    server: server ?? (channel ? { ...FIXTURE_SERVER, port: channel.transport === 'dot' ? 853 : 443 } : FIXTURE_SERVER), txid: message.id ?? 0,
    flags: summariseFlags(message), questions: summariseQuestions(message), edns: summariseEdns(message),
    size: bytes.length, wire: bytes.toString('base64'),
    ...(channel ? { tls: channel.tls } : {}), ...(channel?.http ? { http: channel.http } : {}),
  };
}

/** The query's wire form; with a padding block, an OPT record with Padding makes it a whole number of blocks. */
function queryWire(query: FixtureQuery): Buffer {
  const type = (query.type === 'SVCB' ? SVCB_PACKET_TYPE : query.type) as Question['type'];
  const build = (padding: number | null) => encodeMessage(buildQuery({
    id: query.txid, name: query.name, type,
    ...(query.ednsUdpSize === null ? {} : { edns: { udpSize: query.ednsUdpSize, ...(padding === null ? {} : { options: [{ code: 12, data: Buffer.alloc(padding) }] }) } }),
  }));
  const block = query.channel?.paddingBlock;
  if (!block || query.ednsUdpSize === null) return build(null);
  return build((block - (build(0).length % block)) % block);
}

/**
 * The evidence of one run of the fixture DUT in one baseline phase. Events may be added
 * in any order; {@link FixtureRun.events} sorts them by time and numbers them, as the log
 * of a live run would have.
 */
export class FixtureRun {
  private readonly entries: PendingEntry[] = [];

  constructor(readonly runId: string, readonly start: Microseconds, readonly end: Microseconds, readonly phase: FixturePhase = BASELINE_PHASE) {
    const { name, scenario } = phase;
    this.push({ type: 'run.start', t: start, dut: FIXTURE_DUT, phase: null, runId });
    this.push({ type: 'phase.start', t: start + 1_000, dut: FIXTURE_DUT, phase: name, name, ...(phase === BASELINE_PHASE ? {} : { experiment: phase.experiment }), scenario });
    this.push({ type: 'phase.end', t: end - 1_000, dut: FIXTURE_DUT, phase: name, name, scenario, reason: 'window elapsed' });
    this.push({ type: 'run.end', t: end, dut: FIXTURE_DUT, phase: null, runId, reason: 'window elapsed' });
  }

  private push(event: UnnumberedEvent, answers: PendingEntry | null = null): PendingEntry {
    const entry = { event, answers };
    this.entries.push(entry);
    return entry;
  }

  /** Adds a query and, unless `answer` is null (no reply yet at the end of the window), its response. */
  exchange(query: FixtureQuery, answer: FixtureAnswer | null): void {
    if (query.t <= this.start + 1_000 || query.t >= this.end - 1_000) throw new RangeError(`query at ${query.t} falls outside the ${this.phase.name} phase`);
    const client = { address: FIXTURE_CLIENT_ADDRESS, port: query.sourcePort };
    const { name: phase, scenario } = this.phase;
    const queryBytes = queryWire(query);
    const queryEntry = this.push({ type: 'dns.query', t: query.t, dut: FIXTURE_DUT, phase, ...messageFields(queryBytes, client, query.server, query.channel), scenario,
      ...(query.capture ? { capture: { ...query.capture } } : {}) } as UnnumberedEvent);
    if (answer === null) return;
    const responseBytes = encodeMessage(buildResponse({
      id: query.txid,
      questions: [{ name: query.name, type: query.type === 'SVCB' ? SVCB_PACKET_TYPE : query.type, class: 'IN' } as Question],
      rcode: answer.rcode,
      bits: { rd: true, ra: true },
      answers: [...answer.records.map((r) => ({ ...r, class: 'IN' }) as Answer), ...(answer.extra ?? [])],
      ...(query.ednsUdpSize === null ? {} : { edns: { udpSize: RESOLVER_UDP_SIZE } }),
    }));
    const decoded = decodeOwn(responseBytes);
    this.push({
      type: 'dns.response', t: query.t + answer.latency, dut: FIXTURE_DUT, phase, ...messageFields(responseBytes, client, query.server, query.channel),
      queryRef: 0, answers: summariseRecords(decoded.answers), authority: summariseRecords(decoded.authorities),
      additional: summariseRecords(decoded.additionals), scenario, manipulations: answer.manipulations ?? [], reason: null,
    }, queryEntry);
  }

  /** Adds any other event of the fixture DUT within the phase (e.g. an encrypted DNS contact a capture saw). */
  observe(event: UnnumberedEvent): void {
    if (event.t <= this.start + 1_000 || event.t >= this.end - 1_000) throw new RangeError(`event at ${event.t} falls outside the ${this.phase.name} phase`);
    this.push(event);
  }

  /** A listener the resolver had up before the phase began. */
  listen(transport: Transport, port: number): void {
    this.push({ type: 'resolver.listen', t: this.start + 500, dut: null, phase: null, transport, address: FIXTURE_SERVER.address, port });
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
