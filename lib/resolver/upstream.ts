/**
 * Asking the lab's upstream resolver (profile `resolver.upstream`) for names the zone does
 * not hold. A forwarder's client over dns-packet: one UDP query from a fresh socket (a
 * random source port and a random ID per question, RFC 5452 §9.2), retransmitted on a timer
 * derived from the round-trip times measured so far (RFC 6298's estimator), TCP when the
 * answer comes back truncated (RFC 7766 §5), all within one bounded deadline. Hand-written
 * because the maintained DNS client libraries for Node either hide the raw answer (the
 * built-in `dns` module) or pull in a whole resolver; this is the small part of a stub
 * resolver the harness needs, and every byte it gets is kept as evidence.
 */
import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import type { Answer, Question } from 'dns-packet';
import { buildQuery, flagsWord } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage, RcodeName } from '../dns/codec.ts';
import type { Endpoint } from '../evidence/events.ts';
import { canonicalAddress } from './access-list.ts';

/**
 * How long one question may take, retransmissions and the TCP retry included. Below the
 * 5 s a glibc or musl stub waits before its first retransmission (RES_TIMEOUT), so a DUT
 * hears SERVFAIL from the harness rather than nothing; long enough for two retransmissions
 * at the RTO floor and for a loopback or lab-segment resolver on a loaded host.
 */
export const UPSTREAM_DEADLINE_MS = 2500;
/**
 * Questions out upstream at once, at most; more get SERVFAIL at once. Each holds a socket for
 * up to the deadline: a DUT flooding unknown names must not exhaust the harness's descriptors
 * (nor flood the lab's resolver).
 */
export const MAX_UPSTREAM_IN_FLIGHT = 256;
/** RFC 6298 §2.1: the retransmission timeout before any round trip was measured. */
const INITIAL_RTO_MS = 1000;
/** Floor of the retransmission timeout: a loopback RTT of 0.1 ms must not make it 0.4 ms. */
const MIN_RTO_MS = 200;

/** What the upstream said, as received. */
export interface UpstreamReply {
  /** The upstream's rcode. */
  rcode: string;
  answers: Answer[];
  authorities: Answer[];
  /** `tcp` when the UDP answer was truncated and the question was asked again over TCP. */
  transport: 'udp' | 'tcp';
  /** From the first send to the answer used, ms. */
  rttMs: number;
  /** The upstream's response as received (the one used). */
  wire: Buffer;
}

/** No usable answer within the deadline; the message says what was awaited and what happened. */
export class UpstreamFailure extends Error {
  override name = 'UpstreamFailure';
}

/** The upstream rcodes passed on to the DUT; any other means the upstream could not serve us. */
export const PASSED_ON_RCODES: ReadonlySet<string> = new Set<RcodeName>(['NOERROR', 'NXDOMAIN', 'SERVFAIL']);

/** How a question to the upstream is asked. */
export interface UpstreamQuestion {
  question: Question;
  /** The DUT's DO bit, passed on so DNSSEC records come back when it asked for them. */
  dnssecOk: boolean;
  /** The DUT's CD bit (RFC 4035 §3.2.2). */
  checkingDisabled: boolean;
}

/** The client of one upstream resolver; shared by every DUT that names it. */
export class UpstreamClient {
  private srtt: number | null = null;
  private rttvar = 0;
  private readonly inFlight = new Set<() => void>();
  private closed = false;

  readonly server: Endpoint;

  constructor(
    server: Endpoint,
    private readonly deadlineMs = UPSTREAM_DEADLINE_MS,
  ) {
    this.server = { address: canonicalAddress(server.address), port: server.port };
  }

  /** The current retransmission timeout (RFC 6298 §2). */
  get rtoMs(): number {
    if (this.srtt === null) return INITIAL_RTO_MS;
    return Math.min(Math.max(MIN_RTO_MS, this.srtt + 4 * this.rttvar), this.deadlineMs);
  }

  /** Folds one measured round trip into the estimator (only unambiguous ones: Karn's rule). */
  private measure(rttMs: number): void {
    if (this.srtt === null) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
      return;
    }
    this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
    this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
  }

  /** Asks one question; rejects with an `UpstreamFailure` saying why when no answer is usable. */
  async ask(asked: UpstreamQuestion): Promise<UpstreamReply> {
    if (this.closed) throw new UpstreamFailure('the upstream client is closed (the run is ending)');
    if (this.inFlight.size >= MAX_UPSTREAM_IN_FLIGHT)
      throw new UpstreamFailure(
        `not asked: ${MAX_UPSTREAM_IN_FLIGHT} questions to ${this.describe()} were already waiting for answers`,
      );
    const started = performance.now();
    const deadline = started + this.deadlineMs;
    const id = randomInt(0, 0x10000);
    const query = encodeMessage({
      ...buildQuery({
        id,
        name: asked.question.name,
        type: asked.question.type,
        rd: true,
        edns: { udpSize: UPSTREAM_UDP_SIZE, do: asked.dnssecOk },
      }),
      flags: flagsWord({ rd: true, cd: asked.checkingDisabled }),
    });
    const udp = await this.askUdp(query, asked.question, deadline);
    if (!udp.message.flag_tc) return reply(udp.message, 'udp', udp.wire, performance.now() - started);
    const tcp = await this.askTcp(query, asked.question, deadline);
    return reply(tcp.message, 'tcp', tcp.wire, performance.now() - started);
  }

  /** Ends every question in flight (they fail) and refuses new ones. */
  close(): void {
    this.closed = true;
    for (const abort of [...this.inFlight]) abort();
  }

  private describe(): string {
    return isIPv6(this.server.address)
      ? `[${this.server.address}]:${this.server.port}`
      : `${this.server.address}:${this.server.port}`;
  }

  private askUdp(
    query: Buffer,
    question: Question,
    deadline: number,
  ): Promise<{ message: DecodedMessage; wire: Buffer }> {
    return new Promise((resolve, reject) => {
      const socket: Socket = createSocket({ type: isIPv6(this.server.address) ? 'udp6' : 'udp4' });
      let attempts = 0;
      let sentAt = 0;
      let retransmit: NodeJS.Timeout | undefined;
      let lastError: string | null = null;
      const finish = (outcome: () => void) => {
        clearTimeout(retransmit);
        clearTimeout(overall);
        this.inFlight.delete(abort);
        socket.close();
        outcome();
      };
      const abort = () =>
        finish(() => reject(new UpstreamFailure(`asking ${this.describe()} was abandoned: the run is ending`)));
      const overall = setTimeout(
        () =>
          finish(() =>
            reject(
              new UpstreamFailure(
                `no answer from ${this.describe()} over UDP within the ${this.deadlineMs} ms deadline (${attempts} ${attempts === 1 ? 'query' : 'queries'} sent${lastError ? `; last error: ${lastError}` : ''})`,
              ),
            ),
          ),
        Math.max(0, deadline - performance.now()),
      );
      this.inFlight.add(abort);
      const send = () => {
        attempts += 1;
        sentAt = performance.now();
        socket.send(query, this.server.port, this.server.address, (error) => {
          if (error) lastError = error.message;
        });
        const wait = Math.min(this.rtoMs * 2 ** (attempts - 1), deadline - performance.now());
        if (wait > 0) retransmit = setTimeout(send, wait);
      };
      // ICMP port unreachable arrives as ECONNREFUSED on a connected socket only; unconnected
      // sockets see nothing, so a dead upstream is a timeout, said as such.
      socket.on('error', (error) => {
        lastError = error.message;
      });
      socket.on('message', (bytes, rinfo) => {
        // RFC 5452 §9.1: only an answer from the server asked, with our ID and our question.
        if (canonicalAddress(rinfo.address) !== this.server.address || rinfo.port !== this.server.port) return;
        const decoded = decodeMessage(bytes);
        if (
          !decoded.ok ||
          !decoded.message.flag_qr ||
          decoded.message.id !== query.readUInt16BE(0) ||
          !sameQuestion(decoded.message, question)
        )
          return;
        // Karn's rule: a round trip is measured only when exactly one query was sent.
        if (attempts === 1) this.measure(performance.now() - sentAt);
        finish(() => resolve({ message: decoded.message, wire: bytes }));
      });
      socket.bind(0, () => send());
    });
  }

  private askTcp(
    query: Buffer,
    question: Question,
    deadline: number,
  ): Promise<{ message: DecodedMessage; wire: Buffer }> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.server.address, port: this.server.port });
      let received = Buffer.alloc(0);
      let done = false;
      const finish = (outcome: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.inFlight.delete(abort);
        socket.destroy();
        outcome();
      };
      const fail = (why: string) =>
        finish(() =>
          reject(new UpstreamFailure(`the UDP answer from ${this.describe()} was truncated, and over TCP ${why}`)),
        );
      const abort = () => fail('asking was abandoned: the run is ending');
      const timer = setTimeout(
        () =>
          fail(`no whole answer came before the ${this.deadlineMs} ms deadline (${received.length} bytes received)`),
        Math.max(0, deadline - performance.now()),
      );
      this.inFlight.add(abort);
      socket.on('error', (error) => fail(`the connection failed: ${error.message}`));
      socket.on('connect', () => {
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(query.length);
        socket.write(Buffer.concat([prefix, query]));
      });
      socket.on('data', (chunk) => {
        received = Buffer.concat([received, chunk]);
        if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
        const wire = received.subarray(2, 2 + received.readUInt16BE(0));
        const decoded = decodeMessage(wire);
        if (!decoded.ok) return fail(`the answer did not decode: ${decoded.error}`);
        if (decoded.message.id !== query.readUInt16BE(0) || !sameQuestion(decoded.message, question))
          return fail('the answer did not match the question (ID or question differs)');
        finish(() => resolve({ message: decoded.message, wire: Buffer.from(wire) }));
      });
      socket.on('close', () => fail(`the connection closed after ${received.length} bytes, before a whole answer`));
    });
  }
}

/** The EDNS UDP size the harness advertises upstream (RFC 9715's 1232, as to its DUTs). */
const UPSTREAM_UDP_SIZE = 1232;

function sameQuestion(message: DecodedMessage, question: Question): boolean {
  const got = message.questions?.[0];
  return (
    (message.questions?.length ?? 0) === 1 &&
    got !== undefined &&
    got.name.toLowerCase() === question.name.toLowerCase() &&
    got.type === question.type &&
    (got.class ?? 'IN') === (question.class ?? 'IN')
  );
}

function reply(message: DecodedMessage, transport: 'udp' | 'tcp', wire: Buffer, rttMs: number): UpstreamReply {
  return {
    rcode: message.rcode,
    answers: message.answers ?? [],
    authorities: message.authorities ?? [],
    transport,
    rttMs: Math.round(rttMs * 1000) / 1000,
    wire,
  };
}
