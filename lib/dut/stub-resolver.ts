/**
 * The simulated device's stub resolver: real DNS over UDP (and TCP after TC=1) to the
 * resolver the network assigned. Ports, IDs, retries and EDNS follow the profile, so the
 * same code plays a careful device and a careless one.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { buildQuery } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import { deviceTtlLifetime } from './answer-cache.ts';
import { ALL_ANSWER_CHECKS, SLOPPY_ANSWER_CHECKS, failedAnswerChecks } from './answer-acceptance.ts';
import type { AnswerCheck, OutstandingQuery } from './answer-acceptance.ts';
import type { DeviceLog } from './device-log.ts';
import { DnssecValidator } from './dnssec-validator.ts';
import type { DeviceTrustAnchor } from './dnssec-validator.ts';
import type { EncryptedOutcome, EncryptedUpgrade } from './encrypted-upgrade.ts';
import { QuerySockets } from './query-sockets.ts';
import { usableRecords } from './record-validation.ts';
import { tcpExchange } from './tcp-exchange.ts';
import { transactionIds } from './transaction-ids.ts';

/** How long a TCP retry may take in all. */
const TCP_TIMEOUT_MS = 5000;

/** What a lookup came to. */
export type Resolution =
  | { outcome: 'answer'; addresses: string[]; ttl: number }
  | { outcome: 'negative'; rcode: 'NXDOMAIN' | 'NOERROR'; ttl: number | null }
  | { outcome: 'failure'; reason: string };

/** A name the application needs. */
export interface Question {
  name: string;
  type: 'A' | 'AAAA';
}

/** Any question the stub itself asks on the wire (the application's, or a validator's DNSKEY). */
interface WireQuestion {
  name: string;
  type: string;
}

/** EDNS payload size a validating stub advertises when its behaviour speaks no EDNS of its own (DO needs an OPT record). */
const VALIDATING_UDP_SIZE = 1232;

/** A UDP query waiting for its answer. */
interface PendingQuery {
  query: OutstandingQuery;
  socket: Socket;
  /** Settles the attempt: with the accepted answer, or null (timeout, stub closed). */
  finish(message: DecodedMessage | null): void;
  /** lastReplyWins: the latest acceptable reply so far, and the timer that settles with it. */
  latest?: DecodedMessage;
  settling?: NodeJS.Timeout;
}

/** What a stub needs: the device's behaviour, its own address, its resolver, its log. */
export interface StubOptions {
  behaviour: SimulatedBehaviour;
  sourceAddress: string;
  resolver: { address: string; port: number };
  log: DeviceLog;
  /** The RFC 5452 conditions an answer must meet; by default as the behaviour's `validation` says. */
  answerChecks?: readonly AnswerCheck[];
  /** Encrypted DNS found through DDR, tried before port 53 (see `encrypted-upgrade.ts`). */
  upgrade?: EncryptedUpgrade;
  /** Called when a datagram larger than the behaviour's `receiveBufferBytes` arrives and the device does not just drop it. */
  onOverflow?: (size: number) => void;
  /** The lab's DNSSEC trust anchor, as a lab configures it on the device; a `dnssec: validate` device validates names under it. */
  trustAnchor?: DeviceTrustAnchor;
}

/** A stub resolver that resolves one question at a time per call, concurrently across calls. */
export class StubResolver {
  private readonly nextId: () => number;
  private readonly sockets: QuerySockets;
  private readonly pending = new Set<PendingQuery>();
  private readonly answerChecks: readonly AnswerCheck[];
  private closed = false;
  /** Set when the behaviour validates DNSSEC and the device was given a trust anchor. */
  private readonly validator: DnssecValidator | null;

  /** Where queries go: the resolver the network assigned, until a DHCP renewal names another. */
  private resolver: { address: string; port: number };

  constructor(private readonly options: StubOptions) {
    this.resolver = options.resolver;
    this.nextId = transactionIds(options.behaviour.txid);
    this.answerChecks =
      options.answerChecks ?? (options.behaviour.validation === 'sloppy' ? SLOPPY_ANSWER_CHECKS : ALL_ANSWER_CHECKS);
    const { trustAnchor } = options;
    this.validator =
      options.behaviour.dnssec === 'validate' && trustAnchor
        ? new DnssecValidator(
            trustAnchor,
            (apex) => this.exchange({ name: apex, type: 'DNSKEY' }),
            undefined,
            (ttl) => deviceTtlLifetime(options.behaviour, ttl),
          )
        : null;
    this.sockets = new QuerySockets(
      options.behaviour.sourcePort,
      options.sourceAddress,
      options.log,
      (message, from, socket) => this.receive(message, from, socket),
    );
  }

  /** Resolves a name, retrying with back-off; never throws. `followed` marks a lookup of a target a sloppy stub followed (it follows one level only). */
  async resolve(question: Question, followed = false): Promise<Resolution> {
    const encrypted = await this.overEncrypted(question);
    if (encrypted && 'reply' in encrypted) {
      const bogus = await this.bogus(question, encrypted.reply);
      return bogus
        ? { outcome: 'failure', reason: `DNSSEC bogus: ${bogus}` }
        : this.interpret(question, encrypted.reply, followed);
    }
    if (encrypted) return { outcome: 'failure', reason: encrypted.failed };
    const { retry } = this.options.behaviour;
    let bogus: string | null = null;
    const reply = await this.ask(question, async (message) => {
      bogus = await this.bogus(question, message);
      if (bogus === null) return 'take';
      // A bogus address may be a forgery that beat the genuine answer, so it asks again at once; a
      // bogus denial is a failure like SERVFAIL, left to the application's failure caching (RFC 9520).
      return message.rcode === 'NOERROR' && (message.answers ?? []).length > 0 ? 'again' : 'stop';
    });
    if (reply) return this.interpret(question, reply, followed);
    if (this.closed) return { outcome: 'failure', reason: 'stub closed' };
    this.options.log('give-up', { ...question, attempts: retry.attempts, ...(bogus ? { dnssecBogus: bogus } : {}) });
    return { outcome: 'failure', reason: bogus ? `DNSSEC bogus: ${bogus}` : 'no answer' };
  }

  /**
   * Asks over UDP (TCP after TC=1), retrying with back-off, until `usable` takes a reply; one it
   * refuses (a bogus DNSSEC answer) is asked again at once, or ends the asking. Null when none was taken.
   */
  private async ask(
    question: WireQuestion,
    usable: (message: DecodedMessage) => Promise<'take' | 'again' | 'stop'>,
  ): Promise<DecodedMessage | null> {
    const { retry, edns, ednsFallback } = this.options.behaviour;
    let timeoutMs = retry.timeoutMs;
    let withEdns = edns.enabled || this.validates;
    for (let attempt = 1; attempt <= retry.attempts && !this.closed; attempt += 1) {
      const answer = await this.udpAttempt(question, timeoutMs, attempt, withEdns);
      if (answer?.rcode === 'FORMERR' && withEdns && ednsFallback) {
        // RFC 6891 §7: a server that does not know EDNS answers FORMERR; ask again without the OPT record.
        this.options.log('edns-fallback', { ...question, txid: answer.id });
        withEdns = false;
        continue;
      }
      if (answer) {
        const message = answer.flag_tc ? await this.afterTruncation(question, answer, withEdns) : answer;
        const verdict = await usable(message);
        if (verdict === 'take') return message;
        if (verdict === 'stop') return null;
        continue;
      }
      timeoutMs = Math.min(timeoutMs * retry.backoff, retry.maxTimeoutMs);
    }
    return null;
  }

  /** Whether the behaviour validates DNSSEC (it then sets DO on every query). */
  private get validates(): boolean {
    return this.options.behaviour.dnssec === 'validate';
  }

  /** The reason a reply is bogus for a validating device (logged), or null when it may be used. */
  private async bogus(question: WireQuestion, message: DecodedMessage): Promise<string | null> {
    const security = await this.validator?.judge(question, message);
    if (security?.status !== 'bogus') return null;
    this.options.log('dnssec-bogus', { ...question, txid: message.id, reason: security.reason });
    return security.reason;
  }

  /**
   * The validator's DNSKEY question, asked on the device's own behalf: over the encrypted
   * transport once the device has upgraded (it sends no DNS in cleartext then), else over UDP;
   * the first reply, or null.
   */
  private async exchange(question: { name: string; type: 'DNSKEY' }): Promise<DecodedMessage | null> {
    const encrypted = await this.overEncrypted(question);
    if (encrypted) return 'reply' in encrypted ? encrypted.reply : null;
    return this.ask(question, async () => 'take');
  }

  /**
   * Asks over the encrypted transport once the device has upgraded (it then sends no DNS in
   * cleartext): the reply or why it failed; null when the device still asks in cleartext.
   */
  private async overEncrypted(
    question: Question | { name: string; type: 'DNSKEY' },
  ): Promise<Exclude<EncryptedOutcome, { plain: true }> | null> {
    const outcome = await this.options.upgrade?.resolve(question, this.nextId(), this.answerChecks);
    return outcome === undefined || 'plain' in outcome ? null : outcome;
  }

  /**
   * The network assigned another resolver (option 6 of a DHCP renewal): every query from now
   * on goes there, and encrypted DNS is discovered afresh from it (RFC 9462 ties a designated
   * resolver to the unencrypted one that designated it). Answers held stay until they expire.
   */
  useResolver(resolver: { address: string; port: number }): void {
    if (resolver.address === this.resolver.address && resolver.port === this.resolver.port) return;
    this.options.log('resolver-change', { from: this.resolver, to: resolver });
    this.resolver = resolver;
    this.options.upgrade?.resolverChanged(resolver);
  }

  /** Ends every outstanding attempt and closes every socket; later lookups fail at once. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of [...this.pending]) pending.finish(null);
    await Promise.all([this.sockets.close(), this.options.upgrade?.close()]);
  }

  /** The query's wire form: RD=1, and an OPT record when the device speaks EDNS and has not fallen back. */
  private queryBytes(question: WireQuestion, txid: number, withEdns: boolean): Buffer {
    const { edns } = this.options.behaviour;
    const udpSize = edns.enabled ? edns.udpSize : VALIDATING_UDP_SIZE;
    const opt =
      withEdns && (edns.enabled || this.validates)
        ? { edns: { udpSize, ...(this.validates ? { do: true } : {}) } }
        : {};
    return encodeMessage(
      buildQuery({ id: txid, name: question.name, type: question.type as Question['type'], ...opt }),
    );
  }

  /**
   * Sends one query to a server other than the assigned resolver and does not wait for an
   * answer (a hard-coded fallback). It leaves from the device's usual sockets with its usual
   * transaction IDs: a device's DNS code does not change with the server it asks.
   */
  async sendElsewhere(question: Question, server: { address: string; port: number }): Promise<void> {
    if (this.closed) return;
    const txid = this.nextId();
    let socket: Socket;
    try {
      socket = await this.sockets.acquire();
    } catch (error) {
      this.options.log('error', {
        ...question,
        txid,
        server: `${server.address}:${server.port}`,
        error: (error as Error).message,
      });
      return;
    }
    const port = socket.address().port;
    this.options.log('query-elsewhere', { ...question, txid, port, server: `${server.address}:${server.port}` });
    await new Promise<void>((resolve) =>
      socket.send(this.queryBytes(question, txid, true), server.port, server.address, (error) => {
        if (error) this.options.log('error', { ...question, txid, port, error: error.message });
        resolve();
      }),
    );
    this.sockets.release(socket);
  }

  /** One query over UDP; resolves with the accepted answer or null on timeout. */
  private async udpAttempt(
    question: WireQuestion,
    timeoutMs: number,
    attempt: number,
    withEdns: boolean,
  ): Promise<DecodedMessage | null> {
    const txid = this.nextId();
    let socket: Socket;
    try {
      socket = await this.sockets.acquire();
    } catch (error) {
      this.options.log('error', { ...question, txid, attempt, error: (error as Error).message });
      await delay(timeoutMs);
      return null;
    }
    if (this.closed) {
      this.sockets.release(socket);
      return null;
    }
    const port = socket.address().port;
    this.options.log('query', {
      ...question,
      txid,
      port,
      attempt,
      transport: 'udp',
      timeoutMs,
      edns: withEdns && (this.options.behaviour.edns.enabled || this.validates),
      ...(this.validates && withEdns ? { do: true } : {}),
    });
    return new Promise((resolve) => {
      // A timer that came due while the process was descheduled (a loaded machine) fires before an
      // answer already waiting on the socket is read: libuv runs timers before it polls. The
      // timeout is decided after that poll (setImmediate), so it means no answer had come.
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (!this.pending.has(pending)) return;
            if (!pending.latest) this.options.log('timeout', { ...question, txid, port, attempt, timeoutMs });
            pending.finish(pending.latest ?? null);
          }),
        timeoutMs,
      );
      const pending: PendingQuery = {
        query: { txid, ...question, resolver: this.resolver },
        socket,
        finish: (message) => {
          if (!this.pending.delete(pending)) return;
          clearTimeout(timer);
          clearTimeout(pending.settling);
          this.sockets.release(socket);
          resolve(message);
        },
      };
      this.pending.add(pending);
      socket.send(this.queryBytes(question, txid, withEdns), this.resolver.port, this.resolver.address, (error) => {
        if (error) this.options.log('error', { ...question, txid, port, error: error.message });
      });
    });
  }

  /**
   * A datagram arrived: the first outstanding query on that socket it is acceptable for takes
   * it (and with `lastReplyWins`, keeps taking later ones under the same ID until its wait is over).
   */
  private receive(bytes: Buffer, from: RemoteInfo, socket: Socket): void {
    const source = { address: from.address, port: from.port };
    const { receiveBufferBytes, onOverflow = 'drop' } = this.options.behaviour;
    if (receiveBufferBytes !== undefined && bytes.length > receiveBufferBytes) {
      this.options.log('overflow', { size: bytes.length, receiveBufferBytes, from: source, action: onOverflow });
      if (onOverflow !== 'drop') this.options.onOverflow?.(bytes.length);
      return;
    }
    const decoded = decodeMessage(bytes);
    if (!decoded.ok) {
      this.options.log('ignored-answer', {
        reason: 'malformed',
        error: decoded.error,
        size: bytes.length,
        from: source,
        port: socket.address().port,
      });
      return;
    }
    const message = decoded.message;
    let closest: { pending: PendingQuery; failed: AnswerCheck[] } | undefined;
    for (const pending of this.pending) {
      if (pending.socket !== socket) continue;
      const failed = failedAnswerChecks(message, source, pending.query, this.answerChecks);
      // lastReplyWins keeps one slot per transaction ID: a reply under another ID leaves the kept one.
      if (failed.length === 0 && pending.latest && message.id !== pending.latest.id) continue;
      if (failed.length === 0) {
        this.options.log(pending.latest ? 'later-answer' : 'answer', {
          name: pending.query.name,
          type: pending.query.type,
          txid: message.id,
          port: socket.address().port,
          rcode: message.rcode,
          tc: message.flag_tc,
          records: message.answers?.length ?? 0,
        });
        const wait = this.options.behaviour.lastReplyWins?.waitMs;
        if (wait === undefined) {
          pending.finish(message);
          return;
        }
        // A careless stub lets each later matching reply overwrite the one before.
        pending.latest = message;
        pending.settling ??= setTimeout(() => pending.finish(pending.latest ?? null), wait);
        return;
      }
      if (!closest || failed.length < closest.failed.length) closest = { pending, failed };
    }
    this.options.log('ignored-answer', {
      reason: closest ? `fails ${closest.failed.join(', ')}` : 'no outstanding query',
      txid: message.id,
      question: message.questions?.[0] ? { name: message.questions[0].name, type: message.questions[0].type } : null,
      expected: closest
        ? { name: closest.pending.query.name, type: closest.pending.query.type, txid: closest.pending.query.txid }
        : null,
      from: source,
      port: socket.address().port,
    });
  }

  /** TC=1: retry the question over TCP when the device does that, else make do with it. */
  private async afterTruncation(
    question: WireQuestion,
    truncated: DecodedMessage,
    withEdns: boolean,
  ): Promise<DecodedMessage> {
    const txid = truncated.id ?? 0;
    if (!this.options.behaviour.tcpOnTruncation) {
      this.options.log('truncated-accepted', { ...question, txid });
      return truncated;
    }
    this.options.log('tcp-retry', { ...question, txid });
    const { resolver } = this;
    try {
      const reply = await tcpExchange(this.queryBytes(question, txid, withEdns), {
        localAddress: this.options.sourceAddress,
        server: resolver,
        timeoutMs: TCP_TIMEOUT_MS,
      });
      const decoded = decodeMessage(reply);
      if (!decoded.ok) {
        this.options.log('ignored-answer', {
          ...question,
          transport: 'tcp',
          reason: 'malformed',
          error: decoded.error,
          size: reply.length,
        });
        return truncated;
      }
      // The connection's peer is the resolver, so its source is right by construction.
      const failed = failedAnswerChecks(decoded.message, resolver, { txid, ...question, resolver }, this.answerChecks);
      if (failed.length === 0) {
        this.options.log('answer', {
          ...question,
          transport: 'tcp',
          txid,
          rcode: decoded.message.rcode,
          tc: decoded.message.flag_tc,
          records: decoded.message.answers?.length ?? 0,
        });
        return decoded.message;
      }
      this.options.log('ignored-answer', {
        ...question,
        transport: 'tcp',
        reason: `fails ${failed.join(', ')}`,
        txid: decoded.message.id,
      });
    } catch (error) {
      this.options.log('error', { ...question, txid, transport: 'tcp', error: (error as Error).message });
    }
    return truncated;
  }

  private async interpret(question: Question, message: DecodedMessage, followed: boolean): Promise<Resolution> {
    const usable = usableRecords(message, question, this.options.behaviour.validation ?? 'strict');
    const addresses = usable.addresses.map((rr) => String(rr.data));
    if (message.rcode === 'NOERROR' && addresses.length > 0) {
      // The answer lives as long as its shortest-lived record, CNAMEs of the chain included.
      return {
        outcome: 'answer',
        addresses,
        ttl: Math.min(...usable.lifetimeRecords.map((rr) => (rr as { ttl?: number }).ttl ?? 0)),
      };
    }
    if (message.rcode === 'NOERROR' && usable.follow && !followed) {
      // A sloppy stub takes an MX or NS target for where the name lives, and resolves that instead.
      this.options.log('follow', { ...question, target: usable.follow });
      return this.resolve({ name: usable.follow, type: question.type }, true);
    }
    if (message.rcode === 'NOERROR' && usable.rejected > 0) {
      this.options.log('unusable-answer', { ...question, rejected: usable.rejected });
      return { outcome: 'failure', reason: `${usable.rejected} answer record(s) of the wrong type or class` };
    }
    if (message.rcode === 'NOERROR' || message.rcode === 'NXDOMAIN') {
      // RFC 2308 §5: a negative answer is cached for min(SOA TTL, SOA MINIMUM), and not at all without an SOA.
      const soa = (message.authorities ?? []).find((rr) => rr.type === 'SOA') as
        | { ttl?: number; data?: { minimum?: number } }
        | undefined;
      const ttl = soa ? Math.min(soa.ttl ?? 0, soa.data?.minimum ?? 0) : null;
      return { outcome: 'negative', rcode: message.rcode, ttl };
    }
    return { outcome: 'failure', reason: `rcode ${message.rcode}` };
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
