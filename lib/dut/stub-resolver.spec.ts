import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import { StubResolver } from './stub-resolver.ts';
import type { StubOptions } from './stub-resolver.ts';
import {
  aResponse,
  DEVICE_ADDRESS,
  memoryLog,
  negativeResponse,
  RESOLVER_ADDRESS,
  TestResolver,
  testBehaviour,
} from './stub-test-kit.ts';

const X = { name: 'x.sim.example', type: 'A' } as const;

describe('dut/stub-resolver (real sockets on loopback)', () => {
  let resolver: TestResolver;
  let device: ReturnType<typeof memoryLog>;
  let stubs: StubResolver[];

  beforeEach(async () => {
    resolver = new TestResolver();
    await resolver.start();
    device = memoryLog();
    stubs = [];
  });
  afterEach(async () => {
    await Promise.all(stubs.map((s) => s.close()));
    await resolver.stop();
  });

  function stub(behaviour: SimulatedBehaviour, extra: Partial<StubOptions> = {}): StubResolver {
    const s = new StubResolver({
      behaviour,
      sourceAddress: DEVICE_ADDRESS,
      resolver: { address: RESOLVER_ADDRESS, port: resolver.port },
      log: device.log,
      ...extra,
    });
    stubs.push(s);
    return s;
  }
  const answering = (data = '127.0.31.9') => {
    resolver.answer = (q, reply) => reply(aResponse(q, data));
  };
  const ports = () => resolver.udpQueries().map((x) => x.port);
  const ids = () => resolver.udpQueries().map((x) => x.query.id);

  it('takes the first matching reply; with lastReplyWins, a later matching reply overwrites it', async () => {
    // The genuine answer, then two more to the same query (same ID, socket and question) with another address.
    resolver.answer = (q, reply) => {
      reply(aResponse(q, '127.0.31.9'));
      reply(aResponse(q, '127.0.31.77'));
      reply(aResponse(q, '127.0.31.77'));
    };
    expect(await stub(testBehaviour()).resolve(X)).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.9'] });
    expect(await stub(testBehaviour({ lastReplyWins: { waitMs: 50 } })).resolve(X)).to.deep.include({
      outcome: 'answer',
      addresses: ['127.0.31.77'],
    });
    expect(device.events('later-answer')).to.have.length(2);
    // One slot per ID: a reply under another ID does not overwrite (a sloppy stub keeps the first it took).
    resolver.answer = (q, reply) => {
      reply(aResponse(q, '127.0.31.78', { id: ((q.id ?? 0) + 1) & 0xffff }));
      reply(aResponse(q, '127.0.31.9'));
    };
    const sloppy = stub(testBehaviour({ validation: 'sloppy', lastReplyWins: { waitMs: 50 } }));
    expect(await sloppy.resolve(X)).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.78'] });
  });

  it('uses the fixed port for every query and counts transaction IDs', async () => {
    answering();
    const s = stub(
      testBehaviour({ sourcePort: { strategy: 'fixed', port: 40960 }, txid: { strategy: 'counter', start: 10 } }),
    );
    for (let i = 0; i < 3; i += 1)
      expect(await s.resolve(X)).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.9'] });
    expect(resolver.udpQueries().map((x) => [x.port, x.query.id])).to.deep.equal([
      [40960, 10],
      [40960, 11],
      [40960, 12],
    ]);
  });

  it('steps sequential ports and keeps a constant transaction ID', async () => {
    answering();
    const s = stub(
      testBehaviour({
        sourcePort: { strategy: 'sequential', start: 41000, step: 3 },
        txid: { strategy: 'constant', value: 4242 },
      }),
    );
    for (let i = 0; i < 4; i += 1) await s.resolve(X);
    expect(ports()).to.deep.equal([41000, 41003, 41006, 41009]);
    expect(ids()).to.deep.equal([4242, 4242, 4242, 4242]);
  });

  it('takes a fresh random port per query from the range, with random IDs', async () => {
    answering();
    const s = stub(testBehaviour({ sourcePort: { strategy: 'random', min: 50000, max: 60000 } }));
    for (let i = 0; i < 8; i += 1) await s.resolve(X);
    expect(new Set(ports()).size).to.be.above(6);
    expect(ports().every((p) => p >= 50000 && p <= 60000)).to.equal(true);
    expect(new Set(ids()).size).to.be.above(6);
  });

  it('lets the kernel choose the port with the os strategy, a new socket each query', async () => {
    answering();
    const s = stub(testBehaviour({ sourcePort: { strategy: 'os' } }));
    for (let i = 0; i < 5; i += 1) expect((await s.resolve(X)).outcome).to.equal('answer');
    expect(ports().every((p) => p > 0)).to.equal(true);
    // Linux hands out ephemeral ports at random, so five in a row are not all one port.
    expect(new Set(ports()).size).to.be.above(1);
    expect(device.events('query').map((l) => l.port)).to.deep.equal(ports());
  });

  it('moves on to the next candidate port when one is taken', async () => {
    answering();
    const squatter = createSocket('udp4');
    await new Promise<void>((r) => squatter.bind(0, DEVICE_ADDRESS, () => r()));
    const taken = squatter.address().port;
    try {
      const s = stub(testBehaviour({ sourcePort: { strategy: 'pool', ports: [taken, 42001] } }));
      expect((await s.resolve(X)).outcome).to.equal('answer');
      expect(ports()).to.deep.equal([42001]);
      const retries = device.events('bind-retry').map(({ at: _at, ...line }) => line);
      expect(retries).to.deep.equal([{ event: 'bind-retry', port: taken, error: 'EADDRINUSE' }]);
    } finally {
      squatter.close();
    }
  });

  it('accepts only the answer matching ID, question, address and port (RFC 5452)', async () => {
    resolver.answer = (q, reply) => {
      reply(aResponse(q, '127.0.31.66', { id: ((q.id ?? 0) + 1) % 65536 }));
      reply(aResponse(q, '127.0.31.67', { name: 'other.sim.example' }));
      reply(aResponse(q, '127.0.31.68'), resolver.stray);
      setTimeout(() => reply(aResponse(q, '127.0.31.9')), 30);
    };
    const result = await stub(testBehaviour()).resolve(X);
    expect(result).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.9'] });
    expect(device.events('ignored-answer').map((l) => l.reason)).to.deep.equal([
      'fails txid',
      'fails question',
      'fails source',
    ]);
  });

  it('takes the question name in any case (0x20 echo)', async () => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.9', { name: 'X.Sim.EXAMPLE' }));
    expect(await stub(testBehaviour()).resolve(X)).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.9'] });
  });

  it('accepts a mismatched answer only when told to play a sloppy device', async () => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.66', { id: ((q.id ?? 0) + 1) % 65536 }));
    const sloppy = stub(testBehaviour(), { answerChecks: ['source', 'response', 'question'] });
    expect(await sloppy.resolve(X)).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.66'] });
    const careful = stub(testBehaviour({ retry: { timeoutMs: 100, attempts: 1, backoff: 1, maxTimeoutMs: 100 } }));
    expect((await careful.resolve(X)).outcome).to.equal('failure');
  });

  it('logs garbage from the network and keeps waiting for the real answer', async () => {
    resolver.answer = (q, reply) => {
      reply(Buffer.from('not a dns message'));
      reply(Buffer.alloc(40, 0xff));
      setTimeout(() => reply(aResponse(q, '127.0.31.9')), 20);
    };
    expect(await stub(testBehaviour()).resolve(X)).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.9'] });
    expect(device.events('ignored-answer').map((l) => l.reason)).to.deep.equal(['malformed', 'malformed']);
  });

  it('retries a silent resolver with growing timeouts and a new ID each time, then gives up', async () => {
    const s = stub(testBehaviour({ retry: { timeoutMs: 100, attempts: 4, backoff: 2, maxTimeoutMs: 300 } }));
    const result = await s.resolve(X);
    expect(result.outcome).to.equal('failure');
    const seen = resolver.udpQueries();
    expect(seen).to.have.length(4);
    // The timeouts the device chose, from its log: they grow by the back-off and stop at the cap.
    expect(device.events('timeout').map((t) => t.timeoutMs)).to.deep.equal([100, 200, 300, 300]);
    // The wire gaps are not asserted: on a loaded machine datagrams queue behind each other and
    // arrive closer together than they were sent (1 ms apart at load 60), so only the device's own
    // choices above say what it waited.
    expect(new Set(ids()).size).to.equal(4);
    expect(device.events('timeout')).to.have.length(4);
    expect(device.events('give-up')).to.have.length(1);
  });

  it('takes an answer already on its socket when its timeout comes due late (a descheduled device), without a retry', async () => {
    const s = stub(testBehaviour({ retry: { timeoutMs: 100, attempts: 2, backoff: 1, maxTimeoutMs: 100 } }));
    resolver.answer = (q, reply) => {
      reply(aResponse(q, '127.0.31.9'));
      // Once the answer has left (it is sent on the next tick), this process stops running past
      // the device's 100 ms timeout, as a loaded machine deschedules it: the timer is due when it wakes.
      setImmediate(() => {
        const until = Date.now() + 250;
        while (Date.now() < until);
      });
    };
    expect(await s.resolve(X)).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.9'] });
    expect(device.events('timeout')).to.deep.equal([]);
    expect(resolver.udpQueries()).to.have.length(1);
  });

  it('retries over TCP after TC=1, reassembling a reply split across segments', async () => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.9', { tc: true }));
    resolver.tcpAnswer = (q) => aResponse(q, '127.0.31.10', { answers: 3 });
    const result = await stub(testBehaviour({ edns: { enabled: true, udpSize: 1232 } })).resolve(X);
    expect(result).to.deep.include({ outcome: 'answer', addresses: ['127.0.31.10', '127.0.31.10', '127.0.31.10'] });
    const [udp, tcp] = resolver.seen;
    expect([udp?.transport, tcp?.transport]).to.deep.equal(['udp', 'tcp']);
    expect(tcp?.query.questions).to.deep.equal(udp?.query.questions);
    expect(device.events('tcp-retry')).to.have.length(1);
  });

  it('makes do with the truncated answer when it does not retry over TCP, or when the TCP reply does not match', async () => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.9', { tc: true }));
    resolver.tcpAnswer = (q) => aResponse(q, '127.0.31.10', { id: ((q.id ?? 0) + 1) % 65536 });
    expect((await stub(testBehaviour({ tcpOnTruncation: false })).resolve(X)).outcome).to.equal('negative');
    expect(resolver.seen.map((x) => x.transport)).to.deep.equal(['udp']);
    expect((await stub(testBehaviour()).resolve(X)).outcome).to.equal('negative');
    expect(device.events('ignored-answer').map((l) => [l.transport, l.reason])).to.deep.equal([['tcp', 'fails txid']]);
  });

  it('adds an OPT record with its UDP size only when EDNS is enabled, and always asks for recursion', async () => {
    answering();
    await stub(testBehaviour({ edns: { enabled: true, udpSize: 1232 } })).resolve(X);
    await stub(testBehaviour()).resolve(X);
    const opts = resolver
      .udpQueries()
      .map(
        (x) => (x.query.additionals ?? []).find((rr) => rr.type === 'OPT') as { udpPayloadSize?: number } | undefined,
      );
    expect(opts.map((o) => o?.udpPayloadSize ?? null)).to.deep.equal([1232, null]);
    expect(resolver.udpQueries().map((x) => x.query.flag_rd)).to.deep.equal([true, true]);
  });

  it('reads the negative-caching time from the SOA (RFC 2308), and none without one', async () => {
    resolver.answer = (q, reply) => reply(negativeResponse(q, 'NXDOMAIN', { ttl: 120, minimum: 30 }));
    expect(await stub(testBehaviour()).resolve(X)).to.deep.equal({ outcome: 'negative', rcode: 'NXDOMAIN', ttl: 30 });
    resolver.answer = (q, reply) => reply(negativeResponse(q, 'NOERROR', { ttl: 10, minimum: 300 }));
    expect(await stub(testBehaviour()).resolve(X)).to.deep.equal({ outcome: 'negative', rcode: 'NOERROR', ttl: 10 });
    resolver.answer = (q, reply) => reply(negativeResponse(q, 'NXDOMAIN'));
    expect(await stub(testBehaviour()).resolve(X)).to.deep.equal({ outcome: 'negative', rcode: 'NXDOMAIN', ttl: null });
  });

  it('ends an outstanding lookup at once when closed', async () => {
    const s = stub(testBehaviour({ retry: { timeoutMs: 5000, attempts: 3, backoff: 2, maxTimeoutMs: 8000 } }));
    const started = Date.now();
    const lookup = s.resolve(X);
    await new Promise((r) => setTimeout(r, 50));
    await s.close();
    expect(await lookup).to.deep.equal({ outcome: 'failure', reason: 'stub closed' });
    expect(Date.now() - started).to.be.below(500);
    expect(resolver.udpQueries()).to.have.length(1);
  });
});
