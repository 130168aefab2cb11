import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import type { Answer } from 'dns-packet';
import { buildResponse } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { UpstreamAnswerEvent } from '../evidence/events.ts';
import { parseUpstreamAddress } from '../profile/upstream-address.ts';
import { AdversarialResolver } from './resolver.ts';
import { MemorySink, query, udpExchange } from './resolver-test-kit.ts';
import { parseScenario } from './scenario.ts';
import { MAX_UPSTREAM_IN_FLIGHT, UpstreamClient } from './upstream.ts';
import { LiveUpstream, ReplayedUpstream } from './upstream-answers.ts';
import type { NameSource } from './upstream-answers.ts';
import { Zone } from './zone.ts';

/** Loopback aliases private to this spec: the harness resolver, the DUT, the lab's upstream, a canary. */
const RESOLVER = '127.0.66.1';
const DUT = '127.0.66.2';
const UPSTREAM = '127.0.66.53';
const CANARY = '127.0.66.77';

/** Names the upstream knows; `big.up.example` has too many records for 512 bytes (TC over UDP). */
const UPSTREAM_RECORDS: Record<string, Answer[]> = {
  'www.up.example': [{ name: 'www.up.example', type: 'A', class: 'IN', ttl: 120, data: '127.0.66.100' }],
  'big.up.example': Array.from(
    { length: 20 },
    (_, i): Answer => ({ name: 'big.up.example', type: 'A', class: 'IN', ttl: 60, data: `127.0.66.${101 + i}` }),
  ),
};

/** A small upstream over dns-packet: UDP and TCP on one port, counting the questions it gets; `silent` ignores them. */
class TestUpstream {
  udp!: Socket;
  tcp!: Server;
  port = 0;
  asked: { name: string; transport: 'udp' | 'tcp' }[] = [];
  silent = false;

  answer(bytes: Buffer, transport: 'udp' | 'tcp'): Buffer | null {
    const decoded = decodeMessage(bytes);
    if (!decoded.ok || this.silent) return null;
    const question = decoded.message.questions![0]!;
    this.asked.push({ name: question.name, transport });
    const records = (UPSTREAM_RECORDS[question.name.toLowerCase()] ?? [])
      .filter((rr) => rr.type === question.type)
      .map((rr) => ({ ...rr, name: question.name }));
    const known = UPSTREAM_RECORDS[question.name.toLowerCase()] !== undefined;
    const full = encodeMessage(
      buildResponse({
        id: decoded.message.id ?? 0,
        questions: [question],
        rcode: known ? 'NOERROR' : 'NXDOMAIN',
        bits: { rd: true, ra: true },
        answers: records,
      }),
    );
    if (transport === 'udp' && full.length > 512) {
      return encodeMessage(
        buildResponse({
          id: decoded.message.id ?? 0,
          questions: [question],
          rcode: 'NOERROR',
          bits: { rd: true, ra: true, tc: true },
        }),
      );
    }
    return full;
  }

  async start(): Promise<void> {
    this.udp = createSocket('udp4');
    await new Promise<void>((r) => this.udp.bind(0, UPSTREAM, () => r()));
    this.port = this.udp.address().port;
    this.udp.on('message', (bytes, rinfo) => {
      const reply = this.answer(bytes, 'udp');
      if (reply) this.udp.send(reply, rinfo.port, rinfo.address);
    });
    this.tcp = createServer((socket) => {
      let pending = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length < 2 || pending.length < 2 + pending.readUInt16BE(0)) return;
        const reply = this.answer(pending.subarray(2, 2 + pending.readUInt16BE(0)), 'tcp');
        if (reply) socket.end(Buffer.concat([Buffer.from([reply.length >> 8, reply.length & 0xff]), reply]));
      });
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((r) => this.tcp.listen(this.port, UPSTREAM, () => r()));
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.udp.close(() => r()));
    await new Promise<void>((r) => this.tcp.close(() => r()));
  }
}

const zone = new Zone([{ name: 'cloud.sim.example', type: 'A', ttl: 30, data: '127.0.66.200' }]);

describe('upstream answers, recorded and replayed', () => {
  let upstream: TestUpstream;
  let resolver: AdversarialResolver | null = null;

  async function serve(names: NameSource, sink: MemorySink, scenario = ''): Promise<{ address: string; port: number }> {
    resolver = new AdversarialResolver({
      listen: [
        { transport: 'udp', address: RESOLVER, port: 0 },
        { transport: 'tcp', address: RESOLVER, port: 0 },
      ],
      duts: [
        { id: 'dut', addresses: [DUT], zone, scenario: await parseScenario(scenario, { canaries: [CANARY] }), names },
      ],
      sink,
    });
    const [udp] = await resolver.start();
    return { address: RESOLVER, port: udp!.port };
  }
  /** Asks and waits for the answer: an upstream answer can take as long as the upstream takes (up to the deadline). */
  const ask = (at: { address: string; port: number }, name: string, id: number) =>
    udpExchange(DUT, at, query(name, 'A', id, 1232), 5000);

  beforeEach(async () => {
    upstream = new TestUpstream();
    await upstream.start();
  });
  afterEach(async () => {
    await resolver?.stop();
    resolver = null;
    await upstream.stop();
  });

  it('parses address[:port] the way a profile writes it', () => {
    expect(parseUpstreamAddress('127.0.0.1')).to.deep.equal({ address: '127.0.0.1', port: 53 });
    expect(parseUpstreamAddress('127.0.0.1:5353')).to.deep.equal({ address: '127.0.0.1', port: 5353 });
    expect(parseUpstreamAddress('[::1]:5353')).to.deep.equal({ address: '::1', port: 5353 });
    expect(parseUpstreamAddress('::1')).to.deep.equal({ address: '::1', port: 53 });
    expect(() => parseUpstreamAddress('resolver.example')).to.throw(/not an IP address/);
    expect(() => parseUpstreamAddress('127.0.0.1:70000')).to.throw(/not 1-65535/);
  });

  it('answers zone names from the zone and other names from upstream, recording each upstream answer', async () => {
    const sink = new MemorySink();
    const at = await serve(new LiveUpstream(new UpstreamClient({ address: UPSTREAM, port: upstream.port })), sink);
    const fromZone = await ask(at, 'cloud.sim.example', 1);
    const fromUpstream = await ask(at, 'WwW.up.example', 2);
    const missing = await ask(at, 'nothing.up.example', 3);
    const ddr = await udpExchange(DUT, at, query('_dns.resolver.arpa', 'SVCB' as 'A', 12, 1232), 5000);

    expect(fromZone?.answers?.map((a) => 'data' in a && a.data)).to.deep.equal(['127.0.66.200']);
    expect(fromUpstream?.rcode).to.equal('NOERROR');
    expect(fromUpstream?.answers?.map((a) => [a.name, 'data' in a && a.data])).to.deep.equal([
      ['WwW.up.example', '127.0.66.100'],
    ]);
    expect(missing?.rcode).to.equal('NXDOMAIN');
    expect(ddr?.rcode, "resolver.arpa is the harness's own (RFC 9462)").to.equal('NXDOMAIN');
    expect(
      upstream.asked.map((q) => q.name),
      'zone names and resolver.arpa never go upstream',
    ).to.deep.equal(['WwW.up.example', 'nothing.up.example']);

    const recorded = sink.ofType('upstream.answer');
    expect(recorded).to.have.length(2);
    expect(recorded[0]).to.deep.include({
      dut: 'dut',
      source: 'upstream',
      upstream: { address: UPSTREAM, port: upstream.port },
      replayOf: null,
      question: { name: 'WwW.up.example', type: 'A', class: 'IN' },
      rcode: 'NOERROR',
      transport: 'udp',
      failure: null,
    });
    expect(recorded[0]!.answers).to.deep.equal([
      { name: 'WwW.up.example', type: 'A', class: 'IN', ttl: 120, data: '127.0.66.100' },
    ]);
    expect(recorded[0]!.t).to.be.at.least(recorded[0]!.askedAt);
    expect(recorded[0]!.rttMs).to.be.a('number');
    expect(recorded[1]).to.include({ rcode: 'NXDOMAIN', failure: null });
    // The answer's exchange: the upstream event and the response name the same query.
    const link = (e: object) => (e as { link?: { exchange: number; role: string } }).link;
    expect(link(recorded[0]!)).to.deep.include({ role: 'upstream' });
    const responses = sink.ofType('dns.response');
    expect(responses.map((r) => r.answerSource)).to.deep.equal(['zone', 'upstream', 'upstream', 'zone']);
    expect(link(recorded[0]!)!.exchange).to.equal(link(responses[1]!)!.exchange);
  });

  it('asks again over TCP when the upstream truncates, and records the TCP answer', async () => {
    const sink = new MemorySink();
    const at = await serve(new LiveUpstream(new UpstreamClient({ address: UPSTREAM, port: upstream.port })), sink);
    const answer = await ask(at, 'big.up.example', 4);
    expect(answer?.answers).to.have.length(20);
    expect(upstream.asked.map((q) => q.transport)).to.deep.equal(['udp', 'tcp']);
    expect(sink.ofType('upstream.answer')[0]).to.include({ transport: 'tcp', rcode: 'NOERROR' });
  });

  it('answers SERVFAIL within the deadline when upstream is silent, and records why', async () => {
    upstream.silent = true;
    const sink = new MemorySink();
    const deadlineMs = 400;
    const at = await serve(
      new LiveUpstream(new UpstreamClient({ address: UPSTREAM, port: upstream.port }, deadlineMs)),
      sink,
    );
    const started = performance.now();
    const answer = await ask(at, 'www.up.example', 5);
    expect(answer?.rcode).to.equal('SERVFAIL');
    expect(performance.now() - started).to.be.at.least(deadlineMs);
    const [failed] = sink.ofType('upstream.answer');
    expect(failed).to.include({ rcode: null, wire: null, transport: null });
    expect(failed!.failure).to.match(
      /no answer from 127\.0\.66\.53:\d+ over UDP within the 400 ms deadline \(\d+ quer(y|ies) sent/,
    );
  });

  it('asks at most MAX_UPSTREAM_IN_FLIGHT questions at once; the others fail at once, saying why', async () => {
    upstream.silent = true;
    const client = new UpstreamClient({ address: UPSTREAM, port: upstream.port }, 300);
    const asks = Array.from({ length: MAX_UPSTREAM_IN_FLIGHT + 1 }, () =>
      client
        .ask({ question: { name: 'www.up.example', type: 'A', class: 'IN' }, dnssecOk: false, checkingDisabled: false })
        .catch((e: Error) => e.message),
    );
    const outcomes = await Promise.all(asks);
    expect(outcomes.filter((m) => /already waiting for answers/.test(String(m)))).to.have.length(1);
    expect(outcomes.filter((m) => /within the 300 ms deadline/.test(String(m)))).to.have.length(MAX_UPSTREAM_IN_FLIGHT);
  });

  it('manipulates upstream answers as it manipulates zone answers (forged A towards the canary)', async () => {
    const sink = new MemorySink();
    const at = await serve(
      new LiveUpstream(new UpstreamClient({ address: UPSTREAM, port: upstream.port })),
      sink,
      `forgeA(${CANARY})`,
    );
    const forged = await ask(at, 'www.up.example', 6);
    expect(forged?.answers?.map((a) => 'data' in a && a.data)).to.deep.equal([CANARY]);
    const [recorded] = sink.ofType('upstream.answer');
    expect(
      recorded!.answers.map((a) => a.data),
      'the evidence keeps what upstream really said',
    ).to.deep.equal(['127.0.66.100']);
    const [response] = sink.ofType('dns.response');
    expect(response).to.deep.include({ answerSource: 'upstream', manipulations: [`forgeA(${CANARY})`] });
  });

  it('replays a recorded run without asking upstream; a name not recorded gets SERVFAIL, recorded', async () => {
    const first = new MemorySink();
    let at = await serve(new LiveUpstream(new UpstreamClient({ address: UPSTREAM, port: upstream.port })), first);
    await ask(at, 'www.up.example', 7);
    await ask(at, 'nothing.up.example', 8);
    await resolver!.stop();
    const recorded = first
      .ofType('upstream.answer')
      .map((e, i) => ({ ...e, seq: i + 1, phase: null }) as UpstreamAnswerEvent);
    const askedBefore = upstream.asked.length;

    const sink = new MemorySink();
    at = await serve(new ReplayedUpstream('run-1', recorded), sink);
    const replayed = await ask(at, 'WWW.UP.EXAMPLE', 9);
    const nxdomain = await ask(at, 'nothing.up.example', 10);
    const unknown = await ask(at, 'never.up.example', 11);
    expect(upstream.asked.length, 'upstream is not asked during a replay').to.equal(askedBefore);
    expect(replayed?.answers?.map((a) => [a.name, 'data' in a && a.data, 'ttl' in a && a.ttl])).to.deep.equal([
      ['WWW.UP.EXAMPLE', '127.0.66.100', 120],
    ]);
    expect(nxdomain?.rcode).to.equal('NXDOMAIN');
    expect(unknown?.rcode).to.equal('SERVFAIL');
    const events = sink.ofType('upstream.answer');
    expect(events.map((e) => [e.source, e.replayOf, e.rcode])).to.deep.equal([
      ['replay', 'run-1', 'NOERROR'],
      ['replay', 'run-1', 'NXDOMAIN'],
      ['replay', 'run-1', null],
    ]);
    expect(events[2]!.failure).to.match(/not recorded in run run-1/);
    expect(sink.ofType('dns.response').map((r) => r.answerSource)).to.deep.equal(['replay', 'replay', 'replay']);
  });
});
