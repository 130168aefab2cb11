/**
 * Test kit for the simulated device's specs: a resolver on a loopback alias whose every
 * reply the test decides, answer builders, a default behaviour and an in-memory log.
 * Real sockets throughout, so what the specs see is what went over the wire.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import type { Answer, Packet } from 'dns-packet';
import { buildResponse } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import { Application } from './application.ts';
import type { DeviceLog } from './device-log.ts';
import { StubResolver } from './stub-resolver.ts';
import type { StubOptions } from './stub-resolver.ts';

/** Loopback aliases private to the simulated device's specs. */
export const RESOLVER_ADDRESS = '127.0.31.1';
export const DEVICE_ADDRESS = '127.0.31.2';

/** A query the test resolver received. */
export interface SeenQuery {
  query: DecodedMessage;
  transport: 'udp' | 'tcp';
  /** The device's source port. */
  port: number;
  /** Arrival, ms since the epoch. */
  at: number;
}

/** Sends a reply to the query's source, from the resolver's socket unless told otherwise. */
export type Reply = (message: Packet | Buffer, via?: Socket) => void;

/** A resolver under the test's control: `answer` decides, per UDP query, what goes back. */
export class TestResolver {
  udp!: Socket;
  /** A second socket on the resolver's address but another port, for off-path answers. */
  stray!: Socket;
  tcp!: Server;
  port = 0;
  private stopped = false;
  readonly seen: SeenQuery[] = [];
  /** `address`: a loopback alias of the spec's own, so specs running in parallel do not meet. */
  constructor(readonly address: string = RESOLVER_ADDRESS) {}
  answer: (query: DecodedMessage, reply: Reply) => void = () => undefined;
  /** The TCP reply; it is sent in three segments to exercise the device's reassembly. */
  tcpAnswer: (query: DecodedMessage) => Packet | null = () => null;

  async start(): Promise<void> {
    this.udp = createSocket('udp4');
    this.stray = createSocket('udp4');
    await new Promise<void>((resolve) => this.udp.bind(0, this.address, () => resolve()));
    await new Promise<void>((resolve) => this.stray.bind(0, this.address, () => resolve()));
    this.port = this.udp.address().port;
    this.udp.on('message', (bytes, from) => {
      const decoded = decodeMessage(bytes);
      if (!decoded.ok) return;
      this.seen.push({ query: decoded.message, transport: 'udp', port: from.port, at: Date.now() });
      this.answer(decoded.message, (message, via = this.udp) => {
        // A delayed reply may come due after the test has ended and the sockets are closed.
        if (this.stopped) return;
        via.send(Buffer.isBuffer(message) ? message : encodeMessage(message), from.port, from.address);
      });
    });
    this.tcp = createServer((socket) => {
      socket.setNoDelay(true);
      socket.on('data', (data) => {
        const decoded = decodeMessage(data.subarray(2, 2 + data.readUInt16BE(0)));
        if (!decoded.ok) return;
        this.seen.push({ query: decoded.message, transport: 'tcp', port: socket.remotePort ?? 0, at: Date.now() });
        const reply = this.tcpAnswer(decoded.message);
        if (!reply) return;
        const bytes = encodeMessage(reply);
        const framed = Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
        socket.write(framed.subarray(0, 1));
        setTimeout(() => socket.write(framed.subarray(1, 20)), 15);
        setTimeout(() => socket.end(framed.subarray(20)), 30);
      });
    });
    await new Promise<void>((resolve) => this.tcp.listen(this.port, this.address, () => resolve()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.udp.close();
    this.stray.close();
    await new Promise((resolve) => this.tcp.close(resolve));
  }

  /** The UDP queries only. */
  udpQueries(): SeenQuery[] {
    return this.seen.filter((seen) => seen.transport === 'udp');
  }
}

/** Changes to an otherwise faithful answer. */
export interface AnswerChanges {
  id?: number;
  name?: string;
  ttl?: number;
  tc?: boolean;
  answers?: number;
}

/** An A answer to `query` with `data`, altered by `changes`. */
export function aResponse(query: DecodedMessage, data: string, changes: AnswerChanges = {}): Packet {
  const question = query.questions![0]!;
  const name = changes.name ?? question.name;
  const answers: Answer[] = Array.from({ length: changes.answers ?? 1 }, () => ({
    name,
    type: 'A',
    class: 'IN',
    ttl: changes.ttl ?? 60,
    data,
  }));
  return buildResponse({
    id: changes.id ?? query.id ?? 0,
    questions: [{ ...question, name }],
    rcode: 'NOERROR',
    bits: { rd: true, ra: true, tc: changes.tc ?? false },
    answers: changes.tc ? [] : answers,
  });
}

/** A reply with the given rcode, echoing the question, without OPT. */
export function rcodeResponse(query: DecodedMessage, rcode: 'SERVFAIL' | 'FORMERR' | 'REFUSED'): Packet {
  return buildResponse({ id: query.id ?? 0, questions: query.questions!, rcode, bits: { rd: true, ra: true } });
}

/** A negative answer (NXDOMAIN, or NOERROR without records), with an SOA when `soa` is given. */
export function negativeResponse(
  query: DecodedMessage,
  rcode: 'NXDOMAIN' | 'NOERROR',
  soa?: { ttl: number; minimum: number },
): Packet {
  const authorities: Answer[] = soa
    ? [
        {
          name: 'sim.example',
          type: 'SOA',
          class: 'IN',
          ttl: soa.ttl,
          data: {
            mname: 'ns.sim.example',
            rname: 'hostmaster.sim.example',
            serial: 1,
            refresh: 3600,
            retry: 600,
            expire: 86400,
            minimum: soa.minimum,
          },
        },
      ]
    : [];
  return buildResponse({
    id: query.id ?? 0,
    questions: query.questions!,
    rcode,
    bits: { rd: true, ra: true },
    authorities,
  });
}

/** A plain behaviour: one name every 100 ms, kernel-chosen ports, random IDs, TTLs honoured. */
export function testBehaviour(overrides: Partial<SimulatedBehaviour> = {}): SimulatedBehaviour {
  return {
    lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 100 }],
    sourcePort: { strategy: 'os' },
    txid: { strategy: 'random' },
    ttl: { mode: 'honour' },
    retry: { timeoutMs: 300, attempts: 2, backoff: 2, maxTimeoutMs: 1000 },
    edns: { enabled: false },
    tcpOnTruncation: true,
    // The defaults the profile schema fills in.
    validation: 'strict',
    dnssec: 'ignore',
    onOverflow: 'drop',
    dhcpResolver: 'follow',
    ...overrides,
  };
}

/** A line of the device's log as the specs read it, with when it was written (ms since the epoch). */
export type LogLine = { event: string; at: number } & Record<string, unknown>;

/** A device log kept in memory, which specs wait on and then judge. */
export interface MemoryLog {
  log: DeviceLog;
  lines: LogLine[];
  events(name: string): LogLine[];
  /** What was logged, counted by event ("3 need, 1 resolved"), for failure messages. */
  summary(): string;
  /**
   * Resolves once `done()` holds, checked now, after every line the device logs and every 25 ms (for
   * what the test's own sockets saw): specs wait
   * on what the device did, not on a time, so a loaded machine changes when, not whether. A
   * device that never gets there fails naming `what` after {@link HANG_GUARD_MS}.
   */
  until(what: string, done: () => boolean): Promise<void>;
}

/**
 * How long {@link MemoryLog.until} waits before calling the device hung: a guard, not a time
 * bound (a device slowed by load gets there in seconds), kept under mocha's 180 s limit so the
 * failure says what was awaited.
 */
export const HANG_GUARD_MS = 150_000;

/** A device log kept in memory. */
export function memoryLog(): MemoryLog {
  const lines: LogLine[] = [];
  const waiting = new Set<() => void>();
  const events = (name: string) => lines.filter((line) => line.event === name);
  const summary = () =>
    [...new Set(lines.map((line) => line.event))].map((event) => `${events(event).length} ${event}`).join(', ') ||
    'nothing logged';
  return {
    log: (event, fields = {}) => {
      lines.push({ ...fields, event, at: Date.now() });
      for (const check of waiting) check();
    },
    lines,
    events,
    summary,
    until: (what, done) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!done()) return;
          finish();
          resolve();
        };
        const guard = setTimeout(() => {
          finish();
          reject(new Error(`the device did not get to "${what}" within ${HANG_GUARD_MS} ms: ${summary()}`));
        }, HANG_GUARD_MS);
        // Also looked at now and then: `done` may read what the test's resolver or listener saw.
        const poll = setInterval(check, 25);
        const finish = () => {
          clearTimeout(guard);
          clearInterval(poll);
          waiting.delete(check);
        };
        waiting.add(check);
        check();
      }),
  };
}

/** Addresses the device resolved that it has not yet tried to connect to (it logs each attempt once it ends). */
export function untriedAddresses(device: MemoryLog): number {
  return device.events('resolved').flatMap((e) => e.addresses as string[]).length - device.events('connect').length;
}

/**
 * Runs a simulated device (its application over a stub resolver made from `options`) until
 * `until` resolves (usually a {@link MemoryLog.until}), or for `until` ms; then stops it and
 * closes its sockets.
 */
export async function runDevice(options: StubOptions, until: number | (() => Promise<void>)): Promise<void> {
  const stub = new StubResolver(options);
  const application = new Application(options.behaviour, stub, options.log, options.sourceAddress);
  application.start();
  try {
    await (typeof until === 'number' ? new Promise((r) => setTimeout(r, until)) : until());
  } finally {
    application.stop();
    await stub.close();
  }
}
