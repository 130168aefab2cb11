/**
 * The resolver's decision for one incoming message, independent of transport: decode,
 * attribute to a DUT (or refuse), answer from the zone, let the scenario manipulate the
 * answer, fit it to the transport, and record query and outcome as evidence.
 */
import type { Answer, Question } from 'dns-packet';
import { buildResponse, buildTruncated } from '../dns/builders.ts';
import { HEADER_BYTES, decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage, RcodeName } from '../dns/codec.ts';
import { findOpt, summariseEdns, summariseFlags, summariseQuestions, summariseRecords } from '../dns/summarise.ts';
import { nowMicros } from '../evidence/clock.ts';
import { recordAll } from '../evidence/event-log.ts';
import type { EventRendering, EvidenceSink, ExchangeLink, RecordEntry, RecordedEvent } from '../evidence/event-log.ts';
import type {
  AnswerSource,
  ConnectionEvent,
  DnsFlags,
  DnsQuestion,
  EdnsSummary,
  Endpoint,
  HttpSummary,
  Microseconds,
  QueryEvent,
  ResponseEvent,
  TlsSummary,
  Transport,
} from '../evidence/events.ts';
import type { AccessList } from './access-list.ts';
import type { DesignatedResolvers } from './ddr.ts';
import { answerPlan, applyScenario } from './scenario.ts';
import type { LateAnswersPlan, ResponsePlan, Scenario } from './scenario.ts';
import { buildSpoofs } from './spoof-race.ts';
import type { BuiltSpoof, SpoofSockets } from './spoof-race.ts';
import type { SignedZone } from './signed-zone.ts';
import type { NameSource, SourcedAnswer } from './upstream-answers.ts';
import { RecordBudget } from './record-budget.ts';
import type { SuppressedCount } from './record-budget.ts';
import type { Zone } from './zone.ts';

/** UDP payload limit without EDNS (RFC 1035 §2.3.4). */
export const CLASSIC_UDP_LIMIT = 512;
/** The UDP size the harness advertises in its own OPT records (RFC 9715: avoid fragmentation). */
export const ADVERTISED_UDP_SIZE = 1232;

/** What the resolver serves one DUT. `scenario` may be swapped between phases. */
export interface DutBinding {
  id: string;
  zone: Zone;
  scenario: Scenario;
  /** The profile's signed zone (RRSIGs, DNSKEY, NSEC served to queries with DO). */
  signedZone?: SignedZone;
  /** Where names outside the zone are answered from (upstream, or a replayed run); the zone alone when absent. */
  names?: NameSource | null;
}

/** What a listener sends back for one message: a response, or null for silence. */
export type Reply = Outbound | null;

/** One exchange as the responder works on it. */
interface ExchangeState {
  inbound: Inbound;
  dut: string | null;
  scenario: string;
  exchange: number;
  query: DecodedMessage;
  binding: DutBinding | null;
  /** RFC 3225 §3: the DO bit of the query, copied into the response's OPT record. */
  dnssecOk: boolean;
  /** Where this exchange's template is kept if it may become one (a DUT's query over UDP), else null. */
  templateKey: string | null;
  /** The query as its event summarises it. */
  summary: QuerySummary;
}

/** What a query's event says of the query beyond its ID: the same for every query with the same bytes after the ID. */
interface QuerySummary {
  flags: DnsFlags;
  questions: DnsQuestion[];
  edns: EdnsSummary | null;
}

/**
 * A query answered before, with what the resolver did: the same bytes after the ID, from
 * the same DUT under the same scenario and zone, get the same answer (with their own ID) and
 * the same evidence (with their own time, client, ID and wire). Kept only for an exchange the
 * scenario's steps decide from the question alone (`deterministic`), answered from the zone,
 * over UDP, with one copy and nothing sent around it (spoofs, late answers).
 */
interface ExchangeTemplate {
  scenario: string;
  /** The events' constant members as JSON (see `EventRendering`): the DUT, the summaries, the scenario. */
  json: { dut: string; scenario: string; query: string; responseHead: string; responseTail: string };
  query: QuerySummary;
  /** The response as sent, ID included (overwritten per query). */
  bytes: Buffer;
  response: ResponseSummary;
}

/** Templates kept per DUT, for the scenario and zone in force when they were made. */
interface DutTemplates {
  scenario: Scenario;
  zone: Zone;
  byQuery: Map<string, ExchangeTemplate>;
}

/** Most templates kept per DUT: the names a device asks over and over; the rest are answered in full each time. */
export const MAX_TEMPLATES_PER_DUT = 256;

/**
 * Names the resolver answers itself and never forwards: `resolver.arpa` (RFC 9462 §4: the
 * DDR query is about this resolver; a forwarder must not pass it on).
 */
function servedLocally(name: string): boolean {
  return /(^|\.)resolver\.arpa\.?$/i.test(name);
}

function hasOpt(query: DecodedMessage): boolean {
  return (query.additionals ?? []).some((rr) => rr.type === 'OPT');
}

/** One message as a transport delivered it. */
export interface Inbound {
  bytes: Buffer;
  transport: Transport;
  client: Endpoint;
  server: Endpoint;
  /** Arrival time, µs. */
  t: Microseconds;
  /** Sockets spoofed answers can leave from (UDP listeners only). */
  spoofSockets?: SpoofSockets;
  /** The TLS session it came in (DoT, DoH). */
  tls?: TlsSummary;
  /** The HTTP request that carried it (DoH). */
  http?: HttpSummary;
}

/** The `tls` and `http` fields of the evidence events for a message, when it had them. */
function encryptedFields(inbound: Inbound): { tls?: TlsSummary; http?: HttpSummary } {
  return { ...(inbound.tls ? { tls: inbound.tls } : {}), ...(inbound.http ? { http: inbound.http } : {}) };
}

/** What a response event says of the response besides who, when and its wire (a template keeps it). */
type ResponseSummary = Pick<
  ResponseEvent,
  'flags' | 'questions' | 'edns' | 'answers' | 'authority' | 'additional' | 'manipulations' | 'reason'
>;

/**
 * The `dns.query` event of a query, answered in full or from a template: one builder, so both
 * paths record the same members in the same order (a template's pre-rendered JSON relies on it).
 */
function queryEvent(
  inbound: Inbound,
  dut: string | null,
  txid: number,
  summary: QuerySummary,
  scenario: string,
): Omit<QueryEvent, 'seq' | 'phase'> {
  return {
    type: 'dns.query',
    t: inbound.t,
    dut,
    transport: inbound.transport,
    client: inbound.client,
    server: inbound.server,
    txid,
    flags: summary.flags,
    questions: summary.questions,
    edns: summary.edns,
    size: inbound.bytes.length,
    wire: inbound.bytes.toString('base64'),
    scenario,
    ...encryptedFields(inbound),
  };
}

/** The `dns.response` event of a response sent at `t` from `server` (see {@link queryEvent}). */
function responseEvent(
  inbound: Inbound,
  sent: { t: Microseconds; dut: string | null; server: Endpoint; exchange: number; txid: number; bytes: Buffer },
  summary: ResponseSummary,
  scenario: string,
  extra: { copies?: number; answerSource?: ResponseEvent['answerSource'] },
): Omit<ResponseEvent, 'seq' | 'phase'> {
  return {
    type: 'dns.response',
    t: sent.t,
    dut: sent.dut,
    transport: inbound.transport,
    client: inbound.client,
    server: sent.server,
    queryRef: sent.exchange,
    txid: sent.txid,
    flags: summary.flags,
    questions: summary.questions,
    edns: summary.edns,
    size: sent.bytes.length,
    wire: sent.bytes.toString('base64'),
    answers: summary.answers,
    authority: summary.authority,
    additional: summary.additional,
    scenario,
    manipulations: summary.manipulations,
    reason: summary.reason,
    ...(extra.copies !== undefined && extra.copies > 1 ? { copies: extra.copies } : {}),
    ...(extra.answerSource ? { answerSource: extra.answerSource } : {}),
    ...encryptedFields(inbound),
  };
}

/** Most copies of one response a scenario may send (response flooding ×100 in the paper). */
export const MAX_COPIES = 100;
/** Safety cap on flooding: extra copies (and spoofed answers) sent per second, across all DUTs. */
export const MAX_EXTRA_COPIES_PER_SECOND = 2000;

/** One message to send back, possibly several times. */
export interface Outbound {
  bytes: Buffer;
  copies: number;
  /** Spoofed answers to send, in order, before `bytes` (already recorded as evidence). */
  spoofs?: BuiltSpoof[];
  /** Late answers to send after `bytes`, `copies` times (already recorded as evidence). */
  late?: { bytes: Buffer; copies: number };
}

/** The largest response the client can take on this transport. */
function responseLimit(transport: Transport, query: DecodedMessage): number {
  if (transport !== 'udp') return 65535;
  const opt = (query.additionals ?? []).find((rr) => rr.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return opt?.udpPayloadSize ? Math.max(CLASSIC_UDP_LIMIT, opt.udpPayloadSize) : CLASSIC_UDP_LIMIT;
}

export class Responder {
  /** Set once the resolver's encrypted listeners are bound (DDR advertises them). */
  designatedResolvers: DesignatedResolvers | null = null;
  private exchange = 0;
  /** Flood budget: the second it is for, and the extra copies already sent in it. */
  private floodSecond = 0;
  private floodSent = 0;
  /** Messages from hosts that are not DUTs recorded (and refused) per source and second; the rest are counted. */
  private readonly strangers: RecordBudget;
  /** Malformed messages recorded per source and second; the rest are counted. */
  private readonly garbage: RecordBudget;
  /** Connection events recorded per source and second; the rest are counted. */
  private readonly connections: RecordBudget;
  /** Exchange templates per DUT (see `ExchangeTemplate`). */
  private readonly templates = new Map<DutBinding, DutTemplates>();
  /** The burst open now, if any: its evidence and the answers waiting for it to be written. */
  private burst: { entries: RecordEntry[]; sends: (() => void)[] } | null = null;

  constructor(
    private readonly acl: AccessList,
    private readonly duts: ReadonlyMap<string, DutBinding>,
    private readonly sink: EvidenceSink,
  ) {
    this.strangers = new RecordBudget(STRANGER_MESSAGES_PER_SECOND, (s) =>
      this.recordSuppressed(
        s,
        `over the budget of ${STRANGER_MESSAGES_PER_SECOND} recorded messages per second for a host that is not a DUT: not decoded, not answered`,
      ),
    );
    this.connections = new RecordBudget(MALFORMED_MESSAGES_PER_SECOND, (s) =>
      this.recordSuppressed(
        s,
        `connection events (refusals, timeouts, resets) over the budget of ${MALFORMED_MESSAGES_PER_SECOND} per source and second: counted, not recorded`,
      ),
    );
    this.garbage = new RecordBudget(MALFORMED_MESSAGES_PER_SECOND, (s) =>
      this.recordSuppressed(
        s,
        `malformed, over the budget of ${MALFORMED_MESSAGES_PER_SECOND} recorded malformed messages per second per source: not recorded, not answered`,
      ),
    );
  }

  /**
   * Opens a burst unless one is open: the evidence recorded from now until the event loop's
   * check phase (after the datagrams the socket had queued were read, as many as libuv reads
   * at once) is written in one write, and the answers handed to `afterEvidence` meanwhile
   * leave only once it is written. An answer never leaves before its query and response are
   * in the evidence; writing them a burst at a time saves a system call per event (bench/RESOLVER.md).
   */
  openBurst(): void {
    if (this.burst) return;
    this.burst = { entries: [], sends: [] };
    setImmediate(() => this.closeBurst());
  }

  /** Writes the evidence of the open burst, then sends its answers in order. Stream listeners call it before they handle a message, so their answers are never held and never overtake evidence held here. */
  closeBurst(): void {
    const burst = this.burst;
    if (!burst) return;
    this.burst = null;
    recordAll(this.sink, burst.entries);
    for (const send of burst.sends) send();
  }

  /** Runs `send` once the evidence recorded so far is written: now, or at the end of the open burst. */
  afterEvidence(send: () => void): void {
    if (this.burst) this.burst.sends.push(send);
    else send();
  }

  /** Records an event: at once, or with the open burst (then with its JSON, when rendered ahead). */
  private record(event: RecordedEvent, link?: ExchangeLink, rendering?: EventRendering): void {
    if (!this.burst) {
      this.sink.record(event, link);
      return;
    }
    const entry: RecordEntry = { event };
    if (link) entry.link = link;
    if (rendering) entry.rendering = rendering;
    this.burst.entries.push(entry);
  }

  /** The DUT owning an address, or null for a host that is not a DUT. */
  ownerOf(address: string): string | null {
    return this.acl.ownerOf(address);
  }

  /** Records what a stream listener did to a connection, attributed to the client's DUT (or none), within the per-source budget. */
  recordConnection(event: Pick<ConnectionEvent, 'transport' | 'client' | 'server' | 'action' | 'reason'>): void {
    const t = nowMicros();
    if (!this.connections.admit(event.client.address, event.transport, t)) return;
    this.record({ type: 'resolver.connection', t, dut: this.acl.ownerOf(event.client.address), ...event });
  }

  /** Records the counts of messages left out in seconds before `t` (all of them by default). */
  flushSuppressed(t: Microseconds = Infinity): void {
    this.strangers.flush(t);
    this.garbage.flush(t);
    this.connections.flush(t);
  }

  private recordSuppressed(suppressed: SuppressedCount, reason: string): void {
    const { source, transport, count, since, until } = suppressed;
    this.record({
      type: 'dns.suppressed',
      t: until,
      dut: this.acl.ownerOf(source),
      transport,
      source,
      count,
      since,
      until,
      reason,
    });
  }

  /**
   * Handles one message; returns what to send back, or null for silence. A promise when
   * the answer must first be asked of the upstream resolver (a name outside the zone);
   * zone answers, replayed answers and refusals are returned at once.
   */
  handle(inbound: Inbound): Reply | Promise<Reply> {
    // The access list first, on the address alone: a host that is not a DUT costs a map
    // lookup once over its budget, never a decode.
    const dut = this.acl.ownerOf(inbound.client.address);
    if (dut === null && !this.strangers.admit(inbound.client.address, inbound.transport, inbound.t)) return null;
    const known = dut === null ? undefined : this.duts.get(dut);
    // A DUT's query over UDP is keyed by its bytes after the ID: answered before, it is answered again at once.
    const templateKey =
      known && inbound.transport === 'udp' && inbound.bytes.length > HEADER_BYTES
        ? inbound.bytes.toString('latin1', 2)
        : null;
    if (templateKey !== null) {
      const template = this.templateFor(known!, templateKey);
      if (template) return this.replay(template, inbound, dut!);
    }
    const decoded = decodeMessage(inbound.bytes);
    if (!decoded.ok) return single(this.malformed(inbound, decoded.error, decoded.txid));
    const query = decoded.message;
    if (query.flag_qr) return single(this.malformed(inbound, 'a response (QR=1) sent to the resolver', null));

    const exchange = ++this.exchange;
    const binding = dut === null ? undefined : this.duts.get(dut);
    const scenario = binding?.scenario.text ?? 'none (not a DUT)';
    const summary: QuerySummary = {
      flags: summariseFlags(query),
      questions: summariseQuestions(query),
      edns: summariseEdns(query),
    };
    this.record(queryEvent(inbound, dut, query.id ?? 0, summary, scenario), { exchange, role: 'query' });

    const question = query.questions?.[0];
    const dnssecOk = findOpt(query)?.flag_do === true;
    const context: ExchangeState = {
      inbound,
      dut,
      scenario,
      exchange,
      query,
      binding: binding ?? null,
      dnssecOk,
      templateKey,
      summary,
    };
    if (!binding)
      return this.respond(
        context,
        emptyPlan('REFUSED'),
        `client ${inbound.client.address} is not a declared DUT address`,
      );
    if (query.opcode !== 'QUERY')
      return this.respond(context, emptyPlan('NOTIMP'), `opcode ${query.opcode} is not supported`);
    if (!question || (query.questions?.length ?? 0) !== 1)
      return this.respond(context, emptyPlan('FORMERR'), `question count ${query.questions?.length ?? 0}, expected 1`);
    const signed = binding.signedZone;
    if (
      binding.names &&
      !binding.zone.has(question.name) &&
      !signed?.covers(question.name) &&
      !servedLocally(question.name)
    ) {
      const sourced = binding.names.answer({ question, dnssecOk, checkingDisabled: query.flag_cd });
      const serve = (answer: SourcedAnswer): Reply => {
        this.record(
          { type: 'upstream.answer', dut, queryRef: exchange, ...answer.record },
          { exchange, role: 'upstream' },
        );
        return this.answer(context, answer.rcode, answer.answers, answer.authorities, binding.names!.kind);
      };
      return sourced instanceof Promise ? sourced.then(serve) : serve(sourced);
    }
    const plain = binding.zone.lookup(question.name, question.type);
    const found = signed?.covers(question.name) ? signed.answer(question.name, question.type, plain, dnssecOk) : plain;
    return this.answer(context, found.rcode, found.answers, found.authorities, 'zone');
  }

  /** An answer from the zone or from upstream, put through the DUT's scenario. */
  private answer(
    context: ExchangeState,
    rcode: RcodeName,
    answers: Answer[],
    authorities: Answer[],
    source: AnswerSource,
  ): Reply {
    const { inbound, query, binding } = context;
    const plan = answerPlan(rcode, answers, authorities);
    const manipulations = applyScenario(binding!.scenario, plan, {
      dutId: binding!.id,
      question: query.questions![0]!,
      client: inbound.client,
      transport: inbound.transport,
      zone: binding!.zone,
      queryHasEdns: hasOpt(query),
      dnssecOk: context.dnssecOk,
      signedZone: binding!.signedZone ?? null,
      clientLimit: responseLimit(inbound.transport, query),
      designatedResolvers: this.designatedResolvers,
    });
    if (plan.drop !== null) {
      this.record(
        {
          type: 'dns.drop',
          t: nowMicros(),
          dut: context.dut,
          queryRef: context.exchange,
          transport: inbound.transport,
          client: inbound.client,
          scenario: context.scenario,
          reason: plan.drop,
        },
        { exchange: context.exchange, role: 'reply' },
      );
      return null;
    }
    return this.respond(context, plan, null, manipulations, source);
  }

  /** Builds, caps and records the response to send for a plan. */
  private respond(
    context: ExchangeState,
    plan: ResponsePlan,
    why: string | null,
    manipulations: string[] = [],
    source?: AnswerSource,
  ): Outbound {
    const { inbound, dut, scenario, exchange, query } = context;
    let reason = why;
    const hasEdns = hasOpt(query);
    const limit = responseLimit(inbound.transport, query);
    const padding = plan.ednsPadding > 0 ? [{ code: EDNS_PADDING, data: Buffer.alloc(plan.ednsPadding) }] : [];
    const packet = buildResponse({
      id: query.id ?? 0,
      questions: (query.questions ?? []) as Question[],
      rcode: plan.rcode,
      bits: { rd: query.flag_rd, ra: true, cd: query.flag_cd, tc: plan.truncated, ad: plan.authenticData },
      answers: plan.answers,
      authorities: plan.authorities,
      additionals: plan.additionals,
      ...(hasEdns && !plan.withholdOpt
        ? { edns: { udpSize: ADVERTISED_UDP_SIZE, ...(context.dnssecOk ? { do: true } : {}), options: padding } }
        : {}),
    });
    let bytes = encodeMessage(packet);
    if (bytes.length > limit && !plan.exceedClientLimit) {
      reason = `full answer of ${bytes.length} bytes exceeds the client's ${limit}-byte limit: sent TC=1`;
      bytes = encodeMessage(buildTruncated(packet));
    }
    const copies = this.allowCopies(Math.min(Math.max(plan.copies, 1), MAX_COPIES), inbound.t);
    if (copies < plan.copies)
      reason = `flood capped at ${copies} of ${plan.copies} copies (${MAX_EXTRA_COPIES_PER_SECOND} extra copies per second)`;
    // Spoofs are extra datagrams too: they share the flood budget.
    const allowedSpoofs = this.allowCopies(plan.spoofs.length + 1, inbound.t) - 1;
    if (allowedSpoofs < plan.spoofs.length)
      reason = [
        reason,
        `${plan.spoofs.length - allowedSpoofs} of ${plan.spoofs.length} spoofs not sent: flood cap of ${MAX_EXTRA_COPIES_PER_SECOND} extra datagrams per second`,
      ]
        .filter((r) => r !== null)
        .join('; ');
    const race = buildSpoofs(plan.spoofs.slice(0, allowedSpoofs), query, inbound.server, inbound.spoofSockets);
    for (const spoof of race.built) {
      this.recordResponse(
        inbound,
        dut,
        scenario,
        exchange,
        spoof.bytes,
        spoof.plan.step ? [spoof.plan.step] : [],
        `spoofed answer sent before the genuine one: ${spoof.defect}; its record points at canary ${spoof.plan.canary}`,
        1,
        { server: spoof.from, role: 'spoof' },
      );
    }
    if (race.unsent.length > 0) reason = [reason, ...race.unsent].filter((r) => r !== null).join('; ');
    // The spoof and late-answer steps changed those answers (recorded on their own), not this one.
    const extraSteps = new Set([...plan.spoofs.map((sp) => sp.step), plan.lateAnswers?.step]);
    const allowedLate =
      plan.lateAnswers && inbound.transport === 'udp'
        ? this.lateAnswers(plan.lateAnswers, query, hasEdns && !plan.withholdOpt, inbound.t)
        : null;
    if (allowedLate && allowedLate.copies < plan.lateAnswers!.copies)
      reason = [
        reason,
        `${plan.lateAnswers!.copies - allowedLate.copies} of ${plan.lateAnswers!.copies} late answers not sent: flood cap of ${MAX_EXTRA_COPIES_PER_SECOND} extra datagrams per second`,
      ]
        .filter((r) => r !== null)
        .join('; ');
    const late = allowedLate && allowedLate.copies > 0 ? allowedLate : null;
    const recorded = this.recordResponse(
      inbound,
      dut,
      scenario,
      exchange,
      bytes,
      manipulations.filter((m) => !extraSteps.has(m)),
      reason,
      copies,
      { server: inbound.server, role: 'reply', open: late !== null, ...(source ? { source } : {}) },
    );
    if (late) {
      this.recordResponse(
        inbound,
        dut,
        scenario,
        exchange,
        late.bytes,
        plan.lateAnswers!.step ? [plan.lateAnswers!.step] : [],
        `late answer sent after the genuine one, matching the query (ID, port, question); its record points at canary ${plan.lateAnswers!.canary}`,
        late.copies,
        { server: inbound.server, role: 'late' },
      );
    }
    if (
      context.templateKey !== null &&
      source === 'zone' &&
      copies === 1 &&
      plan.copies <= 1 &&
      plan.spoofs.length === 0 &&
      race.unsent.length === 0 &&
      plan.lateAnswers === null
    )
      this.keepTemplate(context, bytes, recorded);
    return { bytes, copies, ...(race.built.length > 0 ? { spoofs: race.built } : {}), ...(late ? { late } : {}) };
  }

  /** The template for a query's bytes after the ID, if one was kept under the DUT's scenario and zone in force. */
  private templateFor(binding: DutBinding, key: string): ExchangeTemplate | undefined {
    const kept = this.templates.get(binding);
    if (!kept || kept.scenario !== binding.scenario || kept.zone !== binding.zone) return undefined;
    return kept.byQuery.get(key);
  }

  /**
   * Keeps what was answered to this exchange as a template, when nothing in it but the
   * question decided the answer: a deterministic scenario, a zone answer (not upstream, not
   * a signed zone's, not the resolver's own names).
   */
  private keepTemplate(context: ExchangeState, bytes: Buffer, recorded: ResponseEvent): void {
    const binding = context.binding!;
    const name = context.query.questions?.[0]?.name ?? '';
    if (binding.signedZone || servedLocally(name) || !binding.scenario.steps.every((step) => step.deterministic))
      return;
    let kept = this.templates.get(binding);
    if (!kept || kept.scenario !== binding.scenario || kept.zone !== binding.zone) {
      kept = { scenario: binding.scenario, zone: binding.zone, byQuery: new Map() };
      this.templates.set(binding, kept);
    }
    if (kept.byQuery.size >= MAX_TEMPLATES_PER_DUT) return;
    // Shared by every event made from the template: frozen, so no reader can change another's.
    const frozen = <T>(value: T): T => deepFreeze(structuredClone(value));
    const query = frozen(context.summary);
    const response = frozen({
      flags: recorded.flags,
      questions: recorded.questions,
      edns: recorded.edns,
      answers: recorded.answers,
      authority: recorded.authority,
      additional: recorded.additional,
      manipulations: recorded.manipulations,
      reason: recorded.reason,
    });
    // Members as JSON.stringify writes them: `{…}` of an object literal without its braces.
    const members = (value: object) => JSON.stringify(value).slice(1, -1);
    kept.byQuery.set(context.templateKey!, {
      scenario: context.scenario,
      json: {
        dut: JSON.stringify(binding.id),
        scenario: JSON.stringify(context.scenario),
        query: members({ flags: query.flags, questions: query.questions, edns: query.edns }),
        responseHead: members({ flags: response.flags, questions: response.questions, edns: response.edns }),
        responseTail: members({
          answers: response.answers,
          authority: response.authority,
          additional: response.additional,
          scenario: context.scenario,
          manipulations: response.manipulations,
          reason: response.reason,
          answerSource: 'zone',
        }),
      },
      query,
      bytes: Buffer.from(bytes),
      response,
    });
  }

  /**
   * Answers a query from its template: the same evidence, in the same form, as answering it
   * in full would record (its own time, client, ID and wire), and the same response with its ID.
   */
  private replay(template: ExchangeTemplate, inbound: Inbound, dut: string): Outbound {
    const exchange = ++this.exchange;
    const txid = inbound.bytes.readUInt16BE(0);
    const { query, response, json } = template;
    // Rendered as JSON only for a log that writes a burst at once; one event at a time, the log serialises the event.
    const render = this.burst !== null;
    // The members every event of this exchange shares, as JSON: who, over what, between which endpoints.
    const parties = render
      ? `"dut":${json.dut},"transport":${JSON.stringify(inbound.transport)},"client":${JSON.stringify(inbound.client)},"server":${JSON.stringify(inbound.server)}`
      : '';
    const asked = queryEvent(inbound, dut, txid, query, template.scenario);
    this.record(
      asked,
      { exchange, role: 'query' },
      render
        ? {
            before: `"type":"dns.query","t":${inbound.t},${parties},"txid":${txid},${json.query},"size":${inbound.bytes.length},"wire":"${asked.wire}","scenario":${json.scenario}`,
            after: null,
          }
        : undefined,
    );
    const bytes = Buffer.allocUnsafe(template.bytes.length);
    template.bytes.copy(bytes);
    bytes.writeUInt16BE(txid, 0);
    const sent = { t: nowMicros(), dut, server: inbound.server, exchange, txid, bytes };
    const answered = responseEvent(inbound, sent, response, template.scenario, { answerSource: 'zone' });
    this.record(
      answered,
      { exchange, role: 'reply' },
      render
        ? {
            before: `"type":"dns.response","t":${sent.t},${parties},"queryRef":`,
            after: `,"txid":${txid},${json.responseHead},"size":${bytes.length},"wire":"${answered.wire}",${json.responseTail}`,
          }
        : undefined,
    );
    return { bytes, copies: 1 };
  }

  /**
   * The late answers of a plan: a NOERROR answer to the query (its ID, its question, the
   * genuine answer's header bits and OPT) whose one record, for the asked name, points at the
   * canary; as many copies as the flood budget allows (perhaps none).
   */
  private lateAnswers(
    late: LateAnswersPlan,
    query: DecodedMessage,
    withOpt: boolean,
    t: number,
  ): { bytes: Buffer; copies: number } {
    const copies = this.allowCopies(late.copies + 1, t) - 1;
    const asked = query.questions?.[0];
    const type = late.canary.includes(':') ? 'AAAA' : 'A';
    const answers: Answer[] = asked
      ? [{ name: asked.name, type, class: 'IN', ttl: LATE_ANSWER_TTL, data: late.canary }]
      : [];
    const bytes = encodeMessage(
      buildResponse({
        id: query.id ?? 0,
        questions: (query.questions ?? []) as Question[],
        rcode: 'NOERROR',
        bits: { rd: query.flag_rd, ra: true, cd: query.flag_cd },
        answers,
        ...(withOpt ? { edns: { udpSize: ADVERTISED_UDP_SIZE } } : {}),
      }),
    );
    return { bytes, copies };
  }

  /** How many of `wanted` copies the flood budget allows now (the first copy is always allowed). */
  private allowCopies(wanted: number, t: number): number {
    const second = Math.floor(t / 1_000_000);
    if (second !== this.floodSecond) {
      this.floodSecond = second;
      this.floodSent = 0;
    }
    const extra = Math.min(wanted - 1, MAX_EXTRA_COPIES_PER_SECOND - this.floodSent);
    this.floodSent += Math.max(extra, 0);
    return 1 + Math.max(extra, 0);
  }

  /**
   * Records bytes that are not a usable query. A declared DUT whose header was readable
   * gets FORMERR (RFC 1035 §4.1.1); anyone else gets silence, so garbage is never amplified.
   */
  malformed(inbound: Inbound, error: string, txid: number | null): Buffer | null {
    if (!this.garbage.admit(inbound.client.address, inbound.transport, inbound.t)) return null;
    const dut = this.acl.ownerOf(inbound.client.address);
    const answerable =
      dut !== null && txid !== null && inbound.bytes.length >= HEADER_BYTES && (inbound.bytes[2]! & 0x80) === 0;
    this.record({
      type: 'dns.malformed',
      t: inbound.t,
      dut,
      transport: inbound.transport,
      client: inbound.client,
      server: inbound.server,
      size: inbound.bytes.length,
      error,
      answered: answerable,
      wire: inbound.bytes.toString('base64'),
    });
    if (!answerable) return null;
    return encodeMessage(buildResponse({ id: txid, questions: [], rcode: 'FORMERR', bits: { ra: true } }));
  }

  private recordResponse(
    inbound: Inbound,
    dut: string | null,
    scenario: string,
    exchange: number,
    bytes: Buffer,
    manipulations: string[],
    reason: string | null,
    copies = 1,
    via: { server: Endpoint; role: 'reply' | 'spoof' | 'late'; open?: boolean; source?: AnswerSource } = {
      server: inbound.server,
      role: 'reply',
    },
  ): ResponseEvent {
    const sent = decodeMessage(bytes);
    if (!sent.ok) throw new Error(`the resolver built a response it cannot decode: ${sent.error}`);
    const response = sent.message;
    const sentAt = { t: nowMicros(), dut, server: via.server, exchange, txid: response.id ?? 0, bytes };
    const summary: ResponseSummary = {
      flags: summariseFlags(response),
      questions: summariseQuestions(response),
      edns: summariseEdns(response),
      answers: summariseRecords(response.answers),
      authority: summariseRecords(response.authorities),
      additional: summariseRecords(response.additionals),
      manipulations,
      reason,
    };
    const event = responseEvent(inbound, sentAt, summary, scenario, {
      copies,
      ...(via.source ? { answerSource: via.source } : {}),
    });
    this.record(event, { exchange, role: via.role, ...(via.open ? { open: true } : {}) });
    return event as ResponseEvent;
  }
}

/** Messages of a host that is not a DUT recorded (and refused) per second; a stranger gets silence beyond. */
export const STRANGER_MESSAGES_PER_SECOND = 20;
/** Malformed messages recorded (and answered FORMERR where due) per source and second; silence beyond. */
export const MALFORMED_MESSAGES_PER_SECOND = 50;

/** TTL of a late answer's record. */
const LATE_ANSWER_TTL = 300;

function emptyPlan(rcode: RcodeName): ResponsePlan {
  return answerPlan(rcode);
}

function single(bytes: Buffer | null): Reply {
  return bytes ? { bytes, copies: 1 } : null;
}

/** EDNS(0) Padding option code (RFC 7830). */
const EDNS_PADDING = 12;

/** Freezes a value and everything in it (a template's summaries, shared by every event made from it). */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
