/**
 * The simulated device's stub resolver: real DNS over UDP (and TCP after TC=1) to the
 * resolver the network assigned. Ports, IDs, retries and EDNS follow the profile, so the
 * same code plays a careful device and a careless one.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { connect } from 'node:net';
import type { Answer } from 'dns-packet';
import { buildQuery } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import type { DeviceLog } from './device-log.ts';
import { sourcePortAllocator } from './source-ports.ts';
import type { SourcePortAllocator } from './source-ports.ts';
import { transactionIds } from './transaction-ids.ts';

/** Ports tried when a chosen source port is taken, before the attempt gives up. */
const BIND_ATTEMPTS = 10;
/** How long a TCP retry may take in all. */
const TCP_TIMEOUT_MS = 5000;

/** What a lookup came to. */
export type Resolution =
  | { outcome: 'answer'; addresses: string[]; ttl: number }
  | { outcome: 'negative'; rcode: 'NXDOMAIN' | 'NOERROR'; ttl: number | null }
  | { outcome: 'failure'; reason: string };

interface Question {
  name: string;
  type: 'A' | 'AAAA';
}

interface PendingQuery {
  txid: number;
  question: Question;
  deliver(message: DecodedMessage): void;
}

export interface StubOptions {
  behaviour: SimulatedBehaviour;
  sourceAddress: string;
  resolver: { address: string; port: number };
  log: DeviceLog;
}

export class StubResolver {
  private readonly ports: SourcePortAllocator;
  private readonly nextId: () => number;
  private shared: Promise<Socket> | undefined;
  private readonly sharedPending = new Set<PendingQuery>();
  private closed = false;

  constructor(private readonly options: StubOptions) {
    this.ports = sourcePortAllocator(options.behaviour.sourcePort);
    this.nextId = transactionIds(options.behaviour.txid);
  }

  /** Resolves a name, retrying with back-off; never throws. */
  async resolve(question: Question): Promise<Resolution> {
    const { retry } = this.options.behaviour;
    let timeout = retry.timeoutMs;
    for (let attempt = 1; attempt <= retry.attempts && !this.closed; attempt += 1) {
      const answer = await this.udpAttempt(question, timeout, attempt);
      if (answer) return this.interpret(question, answer.flag_tc ? await this.afterTruncation(question, answer) : answer);
      timeout = Math.min(timeout * retry.backoff, retry.maxTimeoutMs);
    }
    this.options.log('give-up', { ...question, attempts: retry.attempts });
    return { outcome: 'failure', reason: 'no answer' };
  }

  /** Closes every socket; later lookups fail at once. */
  async close(): Promise<void> {
    this.closed = true;
    const shared = await this.shared?.catch(() => undefined);
    shared?.close();
  }

  /** One query over UDP; resolves with the accepted answer or null on timeout. */
  private async udpAttempt(question: Question, timeoutMs: number, attempt: number): Promise<DecodedMessage | null> {
    const txid = this.nextId();
    const { edns } = this.options.behaviour;
    const bytes = encodeMessage(buildQuery({ id: txid, name: question.name, type: question.type, ...(edns.enabled ? { edns: { udpSize: edns.udpSize } } : {}) }));
    let socket: Socket;
    try {
      socket = this.ports.shared ? await this.sharedSocket() : await this.bindFresh();
    } catch (error) {
      this.options.log('error', { ...question, txid, error: (error as Error).message });
      await delay(timeoutMs);
      return null;
    }
    const port = socket.address().port;
    this.options.log('query', { ...question, txid, port, attempt, transport: 'udp' });
    return new Promise((resolve) => {
      const finish = (message: DecodedMessage | null) => {
        clearTimeout(timer);
        if (this.ports.shared) this.sharedPending.delete(pending);
        else socket.close();
        resolve(message);
      };
      const pending: PendingQuery = { txid, question, deliver: (m) => finish(m) };
      const timer = setTimeout(() => {
        this.options.log('timeout', { ...question, txid, port, attempt, timeoutMs });
        finish(null);
      }, timeoutMs);
      if (this.ports.shared) this.sharedPending.add(pending);
      else socket.on('message', (msg, rinfo) => this.accept(msg, rinfo, [pending]));
      socket.send(bytes, this.options.resolver.port, this.options.resolver.address, (error) => {
        if (error) this.options.log('error', { ...question, txid, error: error.message });
      });
    });
  }

  /**
   * RFC 5452 §9.1 acceptance: only from the resolver's address and port, with the query's
   * ID and the same question. Anything else is logged and ignored.
   */
  private accept(msg: Buffer, from: { address: string; port: number }, pending: Iterable<PendingQuery>): void {
    const decoded = decodeMessage(msg);
    if (!decoded.ok) {
      this.options.log('ignored-answer', { reason: `undecodable: ${decoded.error}`, from });
      return;
    }
    const message = decoded.message;
    const fromResolver = from.address === this.options.resolver.address && from.port === this.options.resolver.port;
    const asked = message.questions?.[0];
    for (const candidate of pending) {
      const sameQuestion = message.questions?.length === 1 && asked !== undefined
        && asked.name.toLowerCase() === candidate.question.name.toLowerCase() && asked.type === candidate.question.type && (asked.class ?? 'IN') === 'IN';
      if (fromResolver && message.flag_qr && message.id === candidate.txid && sameQuestion) {
        this.options.log('answer', { ...candidate.question, txid: message.id, rcode: message.rcode, tc: message.flag_tc, records: message.answers?.length ?? 0 });
        candidate.deliver(message);
        return;
      }
    }
    this.options.log('ignored-answer', { reason: 'does not match an outstanding query', txid: message.id, from, question: asked?.name ?? null });
  }

  private sharedSocket(): Promise<Socket> {
    this.shared ??= this.bind(this.ports.next()).then((socket) => {
      socket.on('message', (msg, rinfo) => this.accept(msg, rinfo, this.sharedPending));
      return socket;
    });
    return this.shared;
  }

  /** A socket on the next port of the strategy, moving on when a port is taken. */
  private async bindFresh(): Promise<Socket> {
    let lastError: unknown;
    for (let tries = 0; tries < BIND_ATTEMPTS; tries += 1) {
      const port = this.ports.next();
      try {
        return await this.bind(port);
      } catch (error) {
        lastError = error;
        this.options.log('bind-retry', { port, error: (error as NodeJS.ErrnoException).code ?? String(error) });
      }
    }
    throw lastError;
  }

  private bind(port: number): Promise<Socket> {
    const socket = createSocket({ type: this.options.sourceAddress.includes(':') ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', (error) => { socket.close(); reject(error); });
      socket.bind(port, this.options.sourceAddress, () => {
        socket.removeAllListeners('error');
        socket.on('error', (error) => this.options.log('error', { error: error.message }));
        resolve(socket);
      });
    });
  }

  /** TC=1: retry the question over TCP when the device does that, else make do with it. */
  private async afterTruncation(question: Question, truncated: DecodedMessage): Promise<DecodedMessage> {
    if (!this.options.behaviour.tcpOnTruncation) {
      this.options.log('truncated-accepted', { ...question, txid: truncated.id });
      return truncated;
    }
    const txid = truncated.id ?? 0;
    this.options.log('tcp-retry', { ...question, txid });
    const bytes = encodeMessage(buildQuery({ id: txid, name: question.name, type: question.type }));
    try {
      const reply = await tcpExchange(bytes, this.options.sourceAddress, this.options.resolver);
      const decoded = decodeMessage(reply);
      if (decoded.ok && decoded.message.id === txid) return decoded.message;
      this.options.log('ignored-answer', { ...question, reason: 'TCP reply did not match', txid });
    } catch (error) {
      this.options.log('error', { ...question, txid, transport: 'tcp', error: (error as Error).message });
    }
    return truncated;
  }

  private interpret(question: Question, message: DecodedMessage): Resolution {
    const answers = (message.answers ?? []) as (Answer & { ttl?: number })[];
    const addresses = answers.filter((rr) => rr.type === question.type).map((rr) => String((rr as { data: unknown }).data));
    if (message.rcode === 'NOERROR' && addresses.length > 0) {
      const ttl = Math.min(...answers.filter((rr) => rr.type === question.type || rr.type === 'CNAME').map((rr) => rr.ttl ?? 0));
      return { outcome: 'answer', addresses, ttl };
    }
    if (message.rcode === 'NOERROR' || message.rcode === 'NXDOMAIN') {
      // RFC 2308 §5: a negative answer is cached for min(SOA TTL, SOA MINIMUM), and not at all without an SOA.
      const soa = (message.authorities ?? []).find((rr) => rr.type === 'SOA') as { ttl?: number; data?: { minimum?: number } } | undefined;
      const ttl = soa ? Math.min(soa.ttl ?? 0, soa.data?.minimum ?? 0) : null;
      return { outcome: 'negative', rcode: message.rcode, ttl };
    }
    return { outcome: 'failure', reason: `rcode ${message.rcode}` };
  }
}

/** One length-prefixed exchange over TCP (RFC 1035 §4.2.2); the reply may arrive in pieces. */
function tcpExchange(query: Buffer, localAddress: string, resolver: { address: string; port: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: resolver.address, port: resolver.port, localAddress });
    let received = Buffer.alloc(0);
    socket.setTimeout(TCP_TIMEOUT_MS, () => { socket.destroy(); reject(new Error('TCP timeout')); });
    socket.on('error', reject);
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(query.length);
      socket.write(Buffer.concat([prefix, query]));
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 2 && received.length >= 2 + received.readUInt16BE(0)) {
        socket.end();
        resolve(received.subarray(2, 2 + received.readUInt16BE(0)));
      }
    });
    socket.on('close', () => reject(new Error('TCP connection closed before a whole reply')));
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
