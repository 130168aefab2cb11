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
import type {
  Endpoint,
  EvidenceEvent,
  HttpSummary,
  Microseconds,
  QueryEvent,
  ResponseEvent,
  TlsSummary,
  Transport,
  UnnumberedEvent,
} from '../lib/evidence/events.ts';
import { SVCB_PACKET_TYPE } from '../lib/dns/svcb.ts';

/** The DUT every check fixture is about. */
export const FIXTURE_DUT = 'fixture-dut';
/** The fixture DUT's address. */
export const FIXTURE_CLIENT_ADDRESS = '127.0.10.9';
/** The harness resolver the fixture DUT talks to. */
export const FIXTURE_SERVER: Endpoint = { address: '127.0.10.1', port: 53 };
/** The phase fixtures observe in unless they declare their own. */
export const FIXTURE_PHASE = 'baseline';
/** The scenario text the resolver logs when it changes nothing. */
const PASS_THROUGH = 'pass-through';
/** The UDP size the harness resolver advertises when the query carried EDNS. */
const RESOLVER_UDP_SIZE = 1232;

/** An encrypted channel a query came over (DoT, DoH), as the resolver records it. */
export interface FixtureChannel {
  transport: Extract<Transport, 'dot' | 'doh'>;
  tls: TlsSummary;
  http?: HttpSummary;
  /** Pad the query with EDNS(0) Padding to a multiple of this many octets (RFC 8467). */
  paddingBlock?: number;
}

/** One query the DUT sends. */
export interface FixtureQuery {
  /** When the resolver received it. */
  t: Microseconds;
  name: string;
  /** SVCB, as DDR asks for `_dns.resolver.arpa`; `UNKNOWN_64` is how dns-packet spells it (same type). */
  type: 'A' | 'AAAA' | 'SVCB' | 'UNKNOWN_64' | 'DNSKEY' | 'DS';
  sourcePort: number;
  txid: number;
  /** The UDP size of the OPT record the stub adds, or null for no EDNS. */
  ednsUdpSize: number | null;
  /** The DO bit in that OPT record (RFC 3225). */
  dnssecOk?: boolean;
  /** The CD bit (RFC 4035 §3.2.2). */
  checkingDisabled?: boolean;
  /** UDP unless said otherwise (or a `channel` is given). */
  transport?: 'udp' | 'tcp';
  /** Over DoT or DoH; plain UDP when left out. */
  channel?: FixtureChannel;
  /** The resolver it went to; the harness resolver (or its DoT/DoH port) when absent. */
  server?: Endpoint;
  /** Where a packet capture saw the query (evidence imported from captures); absent for the resolver's own log. */
  capture?: { file: string; frame: number };
}

/** A record in a fixture answer; `data` as dns-packet takes it (an object for MX and SOA). */
export interface FixtureRecord {
  name: string;
  /** `UNKNOWN_64` (SVCB) data is the RDATA wire bytes. */
  type: 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'MX' | 'NS' | 'SOA' | 'UNKNOWN_64' | 'RRSIG' | 'DNSKEY' | 'NSEC';
  ttl: number;
  data: unknown;
}

/** One phase of a fixture run: the experiment it ran and its window. */
export interface FixturePhase {
  name: string;
  experiment: string;
  start: Microseconds;
  end: Microseconds;
  /** The scenario text the resolver logs in it. */
  scenario: string;
}

/** The resolver's answer to it. */
export interface FixtureAnswer {
  /** Microseconds between receiving the query and sending this. */
  latency: Microseconds;
  rcode: RcodeName;
  records: FixtureRecord[];
  authority?: FixtureRecord[];
  additional?: FixtureRecord[];
  /** The TC bit. */
  tc?: boolean;
  /** The AD bit (RFC 4035 §3.2.3). */
  ad?: boolean;
  /** The scenario primitives that changed the response (empty when none did). */
  manipulations?: string[];
  /** A transaction ID other than the query's (a spoof with the wrong one). */
  txid?: number;
  /** Leave the OPT record out even though the query had one (an EDNS-unaware server's FORMERR). */
  withoutEdns?: boolean;
  /** Records in dns-packet's form appended to the answer section (SVCB, ...). */
  extra?: Answer[];
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
function messageFields(bytes: Buffer, client: Endpoint, query: FixtureQuery) {
  const message = decodeOwn(bytes);
  const { channel } = query;
  return {
    transport: channel?.transport ?? query.transport ?? ('udp' as Transport),
    client,
    server:
      query.server ?? (channel ? { ...FIXTURE_SERVER, port: channel.transport === 'dot' ? 853 : 443 } : FIXTURE_SERVER),
    txid: message.id ?? 0,
    flags: summariseFlags(message),
    questions: summariseQuestions(message),
    edns: summariseEdns(message),
    size: bytes.length,
    wire: bytes.toString('base64'),
    ...(channel ? { tls: channel.tls } : {}),
    ...(channel?.http ? { http: channel.http } : {}),
  };
}

/** The question type as dns-packet takes it. */
function packetType(query: FixtureQuery): Question['type'] {
  return (query.type === 'SVCB' ? SVCB_PACKET_TYPE : query.type) as Question['type'];
}

/** The query's wire form; with a padding block, an OPT record with Padding makes it a whole number of blocks. */
function queryWire(query: FixtureQuery): Buffer {
  const build = (padding: number | null) =>
    encodeMessage(
      buildQuery({
        id: query.txid,
        name: query.name,
        type: packetType(query),
        ...(query.checkingDisabled ? { cd: true } : {}),
        ...(query.ednsUdpSize === null
          ? {}
          : {
              edns: {
                udpSize: query.ednsUdpSize,
                ...(query.dnssecOk ? { do: true } : {}),
                ...(padding === null ? {} : { options: [{ code: 12, data: Buffer.alloc(padding) }] }),
              },
            }),
      }),
    );
  const block = query.channel?.paddingBlock;
  if (!block || query.ednsUdpSize === null) return build(null);
  return build((block - (build(0).length % block)) % block);
}

/**
 * The evidence of one run of the fixture DUT, in one baseline phase unless `phases` are
 * given. Events may be added in any order; {@link FixtureRun.events} sorts them by time and
 * numbers them, as the log of a live run would have.
 */
export class FixtureRun {
  private readonly entries: PendingEntry[] = [];
  readonly phases: readonly FixturePhase[];

  constructor(
    readonly runId: string,
    readonly start: Microseconds,
    readonly end: Microseconds,
    phases?: FixturePhase[],
  ) {
    this.phases = phases ?? [
      {
        name: FIXTURE_PHASE,
        experiment: FIXTURE_PHASE,
        start: start + 1_000,
        end: end - 1_000,
        scenario: PASS_THROUGH,
      },
    ];
    this.push({ type: 'run.start', t: start, dut: FIXTURE_DUT, phase: null, runId });
    for (const phase of this.phases) {
      if (phase.start <= start || phase.end >= end || phase.end <= phase.start)
        throw new RangeError(`phase ${phase.name} does not lie inside the run`);
      // Older fixtures carry no `experiment` on phase.start; the name stands for it.
      const experiment = phases ? { experiment: phase.experiment } : {};
      this.push({
        type: 'phase.start',
        t: phase.start,
        dut: FIXTURE_DUT,
        phase: phase.name,
        name: phase.name,
        ...experiment,
        scenario: phase.scenario,
      });
      this.push({
        type: 'phase.end',
        t: phase.end,
        dut: FIXTURE_DUT,
        phase: phase.name,
        name: phase.name,
        scenario: phase.scenario,
        reason: 'window elapsed',
      });
    }
    this.push({ type: 'run.end', t: end, dut: FIXTURE_DUT, phase: null, runId, reason: 'window elapsed' });
  }

  /** The phase in force at `t`; throws when none is (fixture events belong to a phase). */
  private phaseAt(t: Microseconds): FixturePhase {
    const phase = this.phases.find((p) => t > p.start && t < p.end);
    if (!phase) throw new RangeError(`event at ${t} falls outside every phase`);
    return phase;
  }

  private push(event: UnnumberedEvent, answers: PendingEntry | null = null): PendingEntry {
    const entry = { event, answers };
    this.entries.push(entry);
    return entry;
  }

  /**
   * Adds a query and, unless `answer` is null (no reply yet at the end of the window), its
   * response, or several (a flood, or spoofs raced ahead of the real answer).
   */
  exchange(query: FixtureQuery, answer: FixtureAnswer | FixtureAnswer[] | null): void {
    const phase = this.phaseAt(query.t);
    const client = { address: FIXTURE_CLIENT_ADDRESS, port: query.sourcePort };
    const queryEntry = this.push({
      type: 'dns.query',
      t: query.t,
      dut: FIXTURE_DUT,
      phase: phase.name,
      ...messageFields(queryWire(query), client, query),
      scenario: phase.scenario,
      ...(query.capture ? { capture: { ...query.capture } } : {}),
    } as UnnumberedEvent);
    for (const one of answer === null ? [] : [answer].flat()) this.response(query, one, queryEntry, phase, client);
  }

  private response(
    query: FixtureQuery,
    answer: FixtureAnswer,
    queryEntry: PendingEntry,
    phase: FixturePhase,
    client: Endpoint,
  ): void {
    const records = (list: FixtureRecord[] | undefined) => (list ?? []).map((r) => ({ ...r, class: 'IN' }) as Answer);
    const responseBytes = encodeMessage(
      buildResponse({
        id: answer.txid ?? query.txid,
        questions: [{ name: query.name, type: packetType(query), class: 'IN' } as Question],
        rcode: answer.rcode,
        bits: {
          rd: true,
          ra: true,
          tc: answer.tc ?? false,
          ad: answer.ad ?? false,
          cd: query.checkingDisabled ?? false,
        },
        answers: [...records(answer.records), ...(answer.extra ?? [])],
        authorities: records(answer.authority),
        additionals: records(answer.additional),
        ...(query.ednsUdpSize === null || answer.withoutEdns
          ? {}
          : { edns: { udpSize: RESOLVER_UDP_SIZE, ...(query.dnssecOk ? { do: true } : {}) } }),
      }),
    );
    const decoded = decodeOwn(responseBytes);
    this.push(
      {
        type: 'dns.response',
        t: query.t + answer.latency,
        dut: FIXTURE_DUT,
        phase: phase.name,
        ...messageFields(responseBytes, client, query),
        queryRef: 0,
        answers: summariseRecords(decoded.answers),
        authority: summariseRecords(decoded.authorities),
        additional: summariseRecords(decoded.additionals),
        scenario: phase.scenario,
        manipulations: answer.manipulations ?? [],
        reason: null,
      },
      queryEntry,
    );
  }

  /** Adds any other event of the fixture DUT within a phase (e.g. an encrypted DNS contact a capture saw). */
  observe(event: UnnumberedEvent): void {
    this.phaseAt(event.t);
    this.push(event);
  }

  /** Adds a run-level event as it is, in no phase (capture markers before the first phase). */
  runEvent(event: UnnumberedEvent): void {
    this.push(event);
  }

  /** A listener the resolver had up before the phases began. */
  listen(transport: Transport, port: number): void {
    this.push({
      type: 'resolver.listen',
      t: this.start + 500,
      dut: null,
      phase: null,
      transport,
      address: FIXTURE_SERVER.address,
      port,
    });
  }

  /** The DUT connected to a canary (what the canary sink records). */
  canaryContact(t: Microseconds, canary: Endpoint, clientPort: number): void {
    this.push({
      type: 'canary.contact',
      t,
      dut: FIXTURE_DUT,
      phase: this.phaseAt(t).name,
      transport: 'tcp',
      client: { address: FIXTURE_CLIENT_ADDRESS, port: clientPort },
      canary,
      payload: '',
      source: 'sink',
    });
  }

  /** One sample of a TCP liveness probe of the DUT's service port. */
  liveness(t: Microseconds, alive: boolean, port = 8080): void {
    this.push({
      type: 'liveness.probe',
      t,
      dut: FIXTURE_DUT,
      phase: this.phaseAt(t).name,
      probe: 'tcp',
      target: `${FIXTURE_CLIENT_ADDRESS}:${port}`,
      alive,
      latencyMs: alive ? 0.4 : null,
      detail: alive ? null : 'connection failed: ECONNREFUSED',
    });
  }

  /** The events, ordered by time (stable), numbered from 1, responses linked to their queries. */
  events(): EvidenceEvent[] {
    const ordered = this.entries
      .map((entry, index) => ({ entry, index }))
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
    return this.events()
      .map((event) => `${JSON.stringify(event)}\n`)
      .join('');
  }
}

/**
 * Declares a check's fixture recipe (`<check>.fixtures.ts` beside the check): a function
 * making its fixtures (at once, or as a promise when it reads a capture) by file suffix (`pass`, `fail`, `pass.glibc-getent`). Identity comes
 * from the file's path, so there is nothing to register; scripts/make-fixtures.ts writes
 * them and suites/fixtures-reproducible.spec.ts holds them to the committed bytes.
 */
export function defineFixtures(recipe: FixtureRecipe): FixtureRecipe {
  return recipe;
}

/** A fixture recipe: made at once, or as a promise when it reads a capture. */
export type FixtureRecipe = () => FixtureSet | Promise<FixtureSet>;
/** What a recipe makes: file suffix (`pass`, `fail.bad-stub`) → run or ndjson text. */
export type FixtureSet = Record<string, FixtureRun | string>;
