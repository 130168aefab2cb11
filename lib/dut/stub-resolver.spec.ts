import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Answer, Packet } from 'dns-packet';
import { buildResponse } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import { startSimulatedDevice } from './simulated-device-process.ts';
import type { SimulatedDeviceHandle } from './simulated-device-process.ts';
import { StubResolver } from './stub-resolver.ts';

/** Loopback aliases private to this spec. */
const RESOLVER = '127.0.31.1';
const DEVICE = '127.0.31.2';

interface Seen { query: DecodedMessage; port: number; at: number }
type Reply = (packet: Packet, via?: Socket) => void;

/** A resolver under the test's control: `answer` decides, per query, what goes back. */
class FakeResolver {
  udp!: Socket;
  stray!: Socket;
  tcp!: Server;
  port = 0;
  readonly seen: Seen[] = [];
  answer: (query: DecodedMessage, reply: Reply) => void = () => undefined;
  tcpAnswer: (query: DecodedMessage) => Packet | null = () => null;

  async start(): Promise<void> {
    this.udp = createSocket('udp4');
    this.stray = createSocket('udp4');
    await new Promise<void>((r) => this.udp.bind(0, RESOLVER, () => r()));
    await new Promise<void>((r) => this.stray.bind(0, RESOLVER, () => r()));
    this.port = this.udp.address().port;
    this.udp.on('message', (bytes, rinfo) => {
      const decoded = decodeMessage(bytes);
      if (!decoded.ok) return;
      this.seen.push({ query: decoded.message, port: rinfo.port, at: Date.now() });
      this.answer(decoded.message, (packet, via = this.udp) => via.send(encodeMessage(packet), rinfo.port, rinfo.address));
    });
    this.tcp = createServer((socket) => socket.on('data', (data) => {
      const decoded = decodeMessage(data.subarray(2, 2 + data.readUInt16BE(0)));
      const reply = decoded.ok ? this.tcpAnswer(decoded.message) : null;
      if (!reply) return;
      const bytes = encodeMessage(reply);
      socket.end(Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]));
    }));
    await new Promise<void>((r) => this.tcp.listen(this.port, RESOLVER, () => r()));
  }

  async stop(): Promise<void> {
    this.udp.close();
    this.stray.close();
    await new Promise((r) => this.tcp.close(r));
  }
}

function aResponse(query: DecodedMessage, data: string, changes: { id?: number; name?: string; ttl?: number; tc?: boolean; answers?: number } = {}): Packet {
  const question = query.questions![0]!;
  const name = changes.name ?? question.name;
  const answers: Answer[] = Array.from({ length: changes.answers ?? 1 }, () => ({ name, type: 'A', class: 'IN', ttl: changes.ttl ?? 60, data }));
  return buildResponse({ id: changes.id ?? query.id ?? 0, questions: [{ ...question, name }], rcode: 'NOERROR', bits: { rd: true, ra: true, tc: changes.tc ?? false }, answers: changes.tc ? [] : answers });
}

function behaviour(overrides: Partial<SimulatedBehaviour> = {}): SimulatedBehaviour {
  return {
    lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 100 }],
    sourcePort: { strategy: 'os' },
    txid: { strategy: 'random' },
    ttl: { mode: 'honour' },
    retry: { timeoutMs: 300, attempts: 2, backoff: 2, maxTimeoutMs: 1000 },
    edns: { enabled: false },
    tcpOnTruncation: true,
    ...overrides,
  };
}

describe('dut/stub-resolver (real sockets on loopback)', function () {
  this.timeout(10_000);
  let resolver: FakeResolver;
  let dir: string;
  let logLines: () => { event: string; reason?: string }[];
  let stubs: StubResolver[];

  beforeEach(async () => {
    resolver = new FakeResolver();
    await resolver.start();
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-stub-'));
    const logFile = join(dir, 'device.log');
    logLines = () => readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    stubs = [];
  });
  afterEach(async () => {
    await Promise.all(stubs.map((s) => s.close()));
    await resolver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function stub(b: SimulatedBehaviour): StubResolver {
    const s = new StubResolver({
      behaviour: b, sourceAddress: DEVICE, resolver: { address: RESOLVER, port: resolver.port },
      log: (event, fields = {}) => appendFileSync(join(dir, 'device.log'), `${JSON.stringify({ event, ...fields })}\n`),
    });
    stubs.push(s);
    return s;
  }

  it('uses the fixed port for every query and counts transaction IDs', async () => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.9'));
    const s = stub(behaviour({ sourcePort: { strategy: 'fixed', port: 40960 }, txid: { strategy: 'counter', start: 10 } }));
    for (let i = 0; i < 3; i += 1) expect(await s.resolve({ name: 'x.sim.example', type: 'A' })).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.9'] });
    expect(resolver.seen.map((x) => [x.port, x.query.id])).to.deep.equal([[40960, 10], [40960, 11], [40960, 12]]);
  });

  it('takes a fresh random port per query from the range', async () => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.9'));
    const s = stub(behaviour({ sourcePort: { strategy: 'random', min: 50000, max: 60000 } }));
    for (let i = 0; i < 8; i += 1) await s.resolve({ name: 'x.sim.example', type: 'A' });
    const ports = resolver.seen.map((x) => x.port);
    expect(new Set(ports).size).to.be.above(6);
    expect(ports.every((p) => p >= 50000 && p <= 60000)).to.equal(true);
  });

  it('accepts only the answer matching ID, question, address and port (RFC 5452)', async () => {
    resolver.answer = (q, reply) => {
      reply(aResponse(q, '127.0.31.66', { id: ((q.id ?? 0) + 1) % 65536 }));
      reply(aResponse(q, '127.0.31.67', { name: 'other.sim.example' }));
      reply(aResponse(q, '127.0.31.68'), resolver.stray);
      setTimeout(() => reply(aResponse(q, '127.0.31.9')), 30);
    };
    const result = await stub(behaviour()).resolve({ name: 'x.sim.example', type: 'A' });
    expect(result).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.9'] });
    expect(logLines().filter((l) => l.event === 'ignored-answer')).to.have.length(3);
  });

  it('retries a silent resolver with growing timeouts and a new ID each time, then gives up', async () => {
    const s = stub(behaviour({ retry: { timeoutMs: 100, attempts: 3, backoff: 2, maxTimeoutMs: 1000 } }));
    const result = await s.resolve({ name: 'x.sim.example', type: 'A' });
    expect(result.outcome).to.equal('failure');
    expect(resolver.seen).to.have.length(3);
    const gaps = resolver.seen.slice(1).map((x, i) => x.at - resolver.seen[i]!.at);
    expect(gaps[0]).to.be.within(80, 180);
    expect(gaps[1]).to.be.within(170, 320);
    expect(new Set(resolver.seen.map((x) => x.query.id)).size).to.equal(3);
    expect(logLines().map((l) => l.event)).to.include('give-up');
  });

  it('retries over TCP after TC=1 when it is configured to, and not otherwise', async () => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.9', { tc: true }));
    resolver.tcpAnswer = (q) => aResponse(q, '127.0.31.10', { answers: 3 });
    expect(await stub(behaviour()).resolve({ name: 'x.sim.example', type: 'A' })).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.10', '127.0.31.10', '127.0.31.10'] });
    const ignoring = await stub(behaviour({ tcpOnTruncation: false })).resolve({ name: 'x.sim.example', type: 'A' });
    expect(ignoring.outcome).to.equal('negative');
  });

  it('adds an OPT record with its UDP size only when EDNS is enabled', async () => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.9'));
    await stub(behaviour({ edns: { enabled: true, udpSize: 1232 } })).resolve({ name: 'x.sim.example', type: 'A' });
    await stub(behaviour()).resolve({ name: 'x.sim.example', type: 'A' });
    const opts = resolver.seen.map((x) => (x.query.additionals ?? []).find((rr) => rr.type === 'OPT') as { udpPayloadSize?: number } | undefined);
    expect(opts.map((o) => o?.udpPayloadSize ?? null)).to.deep.equal([1232, null]);
  });

  it('runs as its own process from any directory, honours TTLs, and stops cleanly', async () => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.9', { ttl: 1 }));
    const logFile = join(dir, 'process.log');
    const cwd = process.cwd();
    process.chdir(tmpdir());
    let handle: SimulatedDeviceHandle;
    try {
      handle = await startSimulatedDevice({ dutId: 'spec', behaviour: behaviour(), sourceAddress: DEVICE, resolver: { address: RESOLVER, port: resolver.port }, logFile });
    } finally {
      process.chdir(cwd);
    }
    await new Promise((r) => setTimeout(r, 1600));
    const exit = await handle.stop();
    expect(exit).to.deep.equal({ exitCode: 0, signal: null });
    // Needed every 100 ms, valid for 1 s: about two queries in 1.6 s, the rest from the cache.
    expect(resolver.seen.length).to.be.within(2, 3);
    const events = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events[0]).to.equal('start');
    expect(events).to.include('cache-hit');
    expect(events.at(-1)).to.equal('stop');
  });
});
