/**
 * The behaviour knobs that make a simulated device handle an experiment well or badly, each
 * exercised over real loopback sockets: using resolved addresses, strict vs sloppy answers,
 * TTL 0 and extreme TTLs, failure back-off vs a storm, EDNS fallback, receive-buffer overflow.
 */
import { expect } from 'chai';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import type { Answer } from 'dns-packet';
import { buildResponse } from '../dns/builders.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import { AnswerCache } from './answer-cache.ts';
import { connectBriefly } from './connect-briefly.ts';
import { DeviceService } from './device-service.ts';
import type { MemoryLog } from './stub-test-kit.ts';
import {
  aResponse,
  memoryLog,
  rcodeResponse,
  runDevice,
  TestResolver,
  testBehaviour,
  untriedAddresses,
} from './stub-test-kit.ts';

/** Loopback aliases private to this spec. */
const RESOLVER = '127.0.63.1';
const DEVICE = '127.0.63.2';
const REAL_SERVER = '127.0.63.5';
const CANARY = '127.0.63.77';

/** A TCP listener on a canary address that keeps who connected; `contacted()` waits for the first. */
async function canaryListener(): Promise<{
  server: Server;
  port: number;
  contacts: string[];
  contacted: () => Promise<void>;
}> {
  const contacts: string[] = [];
  const server = createServer((socket) => {
    contacts.push(socket.remoteAddress ?? '?');
    socket.destroy();
  });
  // The device logs its connection once it is made; the listener may see it a moment later.
  const contacted = () =>
    contacts.length > 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => server.once('connection', () => resolve()));
  await new Promise<void>((resolve) => server.listen(0, CANARY, () => resolve()));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, contacts, contacted };
}

describe('dut behaviour knobs (good and bad handling, over real sockets)', () => {
  let resolver: TestResolver;
  let device: MemoryLog;

  beforeEach(async () => {
    resolver = new TestResolver(RESOLVER);
    await resolver.start();
    device = memoryLog();
  });
  afterEach(() => resolver.stop());

  /**
   * Runs the application until its log shows `until.what` (`until.done()` holds), and then for
   * `until.quietMs` more where a spec asserts that nothing else follows (load only delays what a
   * faulty device would still send, so the quiet time can miss a fault, never invent one);
   * returns the UDP queries that reached the resolver.
   */
  async function run(
    overrides: Partial<SimulatedBehaviour>,
    until: { what: string; done: () => boolean; quietMs?: number },
    onOverflow?: (size: number) => void,
  ) {
    const behaviour = testBehaviour({ lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 100 }], ...overrides });
    const resolverAt = { address: RESOLVER, port: resolver.port };
    await runDevice(
      {
        behaviour,
        sourceAddress: DEVICE,
        resolver: resolverAt,
        log: device.log,
        ...(onOverflow ? { onOverflow } : {}),
      },
      async () => {
        await device.until(until.what, until.done);
        if (until.quietMs) await new Promise((r) => setTimeout(r, until.quietMs));
      },
    );
    return resolver.udpQueries();
  }
  const count = (event: string) => device.events(event).length;
  /** The device tried a connection to every address it resolved (it logs each attempt once it ends). */
  const triedEveryAddress = {
    what: 'a connection attempt to every address resolved',
    done: () => count('resolved') > 0 && untriedAddresses(device) <= 0,
  };

  describe('connect: the application uses what it resolved', () => {
    let canary: Awaited<ReturnType<typeof canaryListener>>;
    beforeEach(async () => {
      canary = await canaryListener();
    });
    afterEach(() => new Promise((resolve) => canary.server.close(resolve)));

    it('connects from its own address to an address it resolved, once per resolution', async () => {
      resolver.answer = (q, reply) => reply(aResponse(q, CANARY, { ttl: 60 }));
      await run(
        { connect: { port: canary.port, timeoutMs: 500 } },
        // Needs every 100 ms: the third comes well after the first connection ended, from the cache.
        {
          what: 'a connection and 2 cache hits',
          done: () => device.events('connect').length > 0 && device.events('cache-hit').length >= 2,
        },
      );
      await canary.contacted();
      expect(canary.contacts).to.deep.equal([DEVICE]);
      expect(device.events('connect')[0]).to.deep.include({ address: CANARY, connected: true });
    });

    it('strict: never contacts an address offered only in the additional section; sloppy does', async () => {
      const additional: Answer = { name: 'evil.sim.example', type: 'A', class: 'IN', ttl: 60, data: CANARY };
      resolver.answer = (q, reply) =>
        reply(
          buildResponse({
            id: q.id ?? 0,
            questions: q.questions!,
            rcode: 'NOERROR',
            bits: { rd: true, ra: true },
            answers: [{ name: 'x.sim.example', type: 'A', class: 'IN', ttl: 60, data: REAL_SERVER }],
            additionals: [additional],
          }),
        );
      await run({ connect: { port: canary.port, timeoutMs: 300 }, validation: 'strict' }, triedEveryAddress);
      expect(device.events('connect').map((e) => e.address)).to.deep.equal([REAL_SERVER]);
      expect(canary.contacts).to.have.length(0);
      device = memoryLog();
      await run({ connect: { port: canary.port, timeoutMs: 300 }, validation: 'sloppy' }, triedEveryAddress);
      await canary.contacted();
      expect(canary.contacts).to.deep.equal([DEVICE]);
    });

    it('sloppy: takes a reply with a wrong transaction ID that strict ignores', async () => {
      resolver.answer = (q, reply) => reply(aResponse(q, CANARY, { id: ((q.id ?? 0) + 1) & 0xffff }));
      const strict = await run(
        {
          connect: { port: canary.port, timeoutMs: 300 },
          retry: { timeoutMs: 200, attempts: 1, backoff: 1, maxTimeoutMs: 200 },
        },
        { what: 'the lookup to fail', done: () => count('failed') >= 1 },
      );
      expect(strict.length).to.be.at.least(1);
      expect(count('connect')).to.equal(0);
      expect(canary.contacts).to.have.length(0);
      expect(count('ignored-answer')).to.be.at.least(1);
      device = memoryLog();
      await run({ connect: { port: canary.port, timeoutMs: 300 }, validation: 'sloppy' }, triedEveryAddress);
      await canary.contacted();
      expect(canary.contacts).to.deep.equal([DEVICE]);
    });
  });

  describe('TTL 0 and extreme TTLs', () => {
    it('TTL 0: a minimum cache time keeps to one query per second; a storm re-asks at its fixed rate up to its cap', async () => {
      resolver.answer = (q, reply) => reply(aResponse(q, REAL_SERVER, { ttl: 0 }));
      await run(
        { ttl: { mode: 'clamp', min: 1, max: 60 } },
        { what: '3 cache hits', done: () => count('cache-hit') >= 3 },
      );
      // Every query before the clamped second ran out: the first alone.
      const expiresAt = device.events('cache-hit')[0]!.expiresAt as number;
      expect(resolver.udpQueries().filter((q) => q.at < expiresAt)).to.have.length(1);
      expect(device.events('resolved')[0]).to.deep.include({ ttl: 0, cachedSeconds: 1 });
      resolver.seen.length = 0;
      device = memoryLog();
      const storm = await run(
        {
          ttl: { mode: 'ignore' },
          lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 5000 }],
          requeryStorm: { intervalMs: 50, maxQueries: 6 },
        },
        // Each TTL-0 answer is logged resolved; the storm stops at its cap (a 7th re-query would follow in 50 ms).
        { what: 'the first answer and 6 re-queries answered', done: () => count('resolved') >= 7, quietMs: 300 },
      );
      // One need: the first query and exactly the storm's cap of re-queries, then nothing.
      expect(storm).to.have.length(7);
      expect(device.events('storm-requery')).to.have.length(6);
    });

    it('a top-bit TTL counts as 0 under RFC 2181 §8, then the clamp applies', () => {
      const cache = new AnswerCache({ mode: 'clamp', min: 1, max: 10 }, Date.now, { topBitAsZero: true });
      expect(cache.lifetime(2 ** 31)).to.equal(1);
      expect(cache.lifetime(4294967295)).to.equal(1);
      expect(cache.lifetime(1e9)).to.equal(10);
      expect(new AnswerCache({ mode: 'honour' }).lifetime(2 ** 31)).to.equal(2 ** 31);
    });

    it('pinAboveSeconds keeps an extreme TTL even where ordinary TTLs are ignored', async () => {
      const cache = new AnswerCache({ mode: 'ignore' }, Date.now, { pinAboveSeconds: 86400 });
      expect(cache.lifetime(300)).to.equal(0);
      expect(cache.lifetime(1e9)).to.equal(1e9);
      resolver.answer = (q, reply) => reply(aResponse(q, REAL_SERVER, { ttl: 1e9 }));
      const pinned = await run(
        { ttl: { mode: 'ignore' }, ttlPinAboveSeconds: 86400 },
        { what: '3 cache hits', done: () => count('cache-hit') >= 3 },
      );
      expect(pinned).to.have.length(1);
    });
  });

  describe('suspect TTLs', () => {
    it('ttlSuspect keeps a TTL far beyond the normal range only briefly, so the next need re-validates it', async () => {
      const cache = new AnswerCache({ mode: 'clamp', min: 1, max: 5 }, Date.now, {
        topBitAsZero: true,
        suspect: { aboveSeconds: 86400, keepSeconds: 0 },
      });
      expect(cache.lifetime(1e9)).to.equal(0);
      expect(cache.lifetime(86400)).to.equal(0);
      expect(cache.lifetime(3600)).to.equal(5);
      // The top bit counts as 0 first: 2^31 is not suspect but expired, then clamped.
      expect(cache.lifetime(2 ** 31)).to.equal(1);
      resolver.answer = (q, reply) => reply(aResponse(q, REAL_SERVER, { ttl: 1e9 }));
      const lookups = [{ name: 'x.sim.example', type: 'A' as const, everyMs: 100 }];
      const threeHits = { what: '3 cache hits', done: () => count('cache-hit') >= 3 };
      expect(await run({ ttl: { mode: 'clamp', min: 1, max: 5 }, lookups }, threeHits)).to.have.length(1);
      resolver.seen.length = 0;
      device = memoryLog();
      const suspect: Partial<SimulatedBehaviour> = {
        ttl: { mode: 'clamp', min: 1, max: 5 },
        ttlSuspect: { aboveSeconds: 86400, keepSeconds: 0 },
        lookups,
      };
      const asked = await run(suspect, {
        what: '3 needs',
        done: () => count('need') >= 3 && count('resolved') >= 3,
      });
      expect(count('cache-hit')).to.equal(0);
      expect(asked.length).to.be.at.least(3);
    });
  });

  describe('persistent failure', () => {
    it('failure cache: SERVFAIL holds the name down, longer after each failure (1, 2, 4 … s)', async () => {
      resolver.answer = (q, reply) => reply(rcodeResponse(q, 'SERVFAIL'));
      const queries = await run(
        {
          failureCache: { minSeconds: 0.2, maxSeconds: 5, backoff: 2 },
          lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 20 }],
        },
        { what: '4 failed lookups held down', done: () => count('hold-down') >= 4 },
      );
      // Hold-downs of 0.2, 0.4, 0.8 s (the device's own log) after the 1st, 2nd and 3rd failure.
      expect(device.events('hold-down').map((e) => e.seconds)).to.deep.equal([0.2, 0.4, 0.8, 1.6]);
      expect(queries).to.have.length(4);
      // No query before the hold-down before it ran out: needs meanwhile were held (failure-cached).
      const held = device.events('hold-down');
      for (const [i, query] of queries.slice(1).entries())
        expect(query.at, `query ${i + 2}`).to.be.at.least(held[i]!.holdUntil as number);
      expect(count('failure-cached')).to.be.at.least(3);
    });

    it('storm: SERVFAIL makes it re-ask at a fixed rate, never backing off, within its cap', async () => {
      resolver.answer = (q, reply) => reply(rcodeResponse(q, 'SERVFAIL'));
      const queries = await run(
        {
          requeryStorm: { intervalMs: 50, maxQueries: 10 },
          lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 10_000 }],
        },
        // The storm ends at its cap: the device logs it gave up on the last re-query.
        { what: '10 storm re-queries answered', done: () => device.events('failed').length >= 11 },
      );
      expect(queries).to.have.length(11);
      // A fixed rate: every re-query waited the same interval (the device's own log), never a growing one.
      expect(device.events('storm-requery').map((e) => e.afterMs)).to.deep.equal(new Array(10).fill(50));
      const gaps = queries.slice(1).map((q, i) => q.at - queries[i]!.at);
      expect(Math.min(...gaps), 'timers never fire early').to.be.at.least(45);
    });

    it('retry backlog: needs kept while a name fails are all looked up at once when it resolves again', async () => {
      const burstAfterRecovery = async (overrides: Partial<SimulatedBehaviour>) => {
        resolver.seen.length = 0;
        device = memoryLog();
        // The name recovers once 8 needs came while it was failing (kept, or joined to the lookup in flight).
        const waiting = () => device.events('kept-need').length + device.events('coalesced').length;
        let recoveredAt = Number.POSITIVE_INFINITY;
        resolver.answer = (q, reply) => {
          // From the arrival of the query it answers (the test resolver stamps each query as it reads it).
          if (recoveredAt === Number.POSITIVE_INFINITY && waiting() >= 8) recoveredAt = resolver.seen.at(-1)!.at;
          reply(Date.now() < recoveredAt ? rcodeResponse(q, 'SERVFAIL') : aResponse(q, REAL_SERVER, { ttl: 0 }));
        };
        const queries = await run(
          {
            ttl: { mode: 'ignore' },
            requeryStorm: { intervalMs: 50, maxQueries: 50 },
            lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 20 }],
            ...overrides,
          },
          { what: '9 answers after the recovery', done: () => device.events('resolved').length >= 9 },
        );
        return queries.filter((q) => q.at >= recoveredAt && q.at < recoveredAt + 120).length;
      };
      // The storm's next query gets the answer, then the 8 kept needs go out together.
      expect(await burstAfterRecovery({ retryBacklog: { maxNeeds: 8 } })).to.be.at.least(9);
      expect(device.events('backlog-replay')[0]).to.deep.include({ needs: 8 });
      expect(await burstAfterRecovery({})).to.be.at.most(7);
    });

    it('strict: a TXT answer to an A query is a failure, held down like SERVFAIL', async () => {
      resolver.answer = (q, reply) =>
        reply(
          buildResponse({
            id: q.id ?? 0,
            questions: q.questions!,
            rcode: 'NOERROR',
            bits: { rd: true, ra: true },
            answers: [{ name: 'x.sim.example', type: 'TXT', class: 'IN', ttl: 60, data: 'x' }],
          }),
        );
      const asked = await run(
        { failureCache: { minSeconds: 5, maxSeconds: 5, backoff: 1 } },
        { what: 'the lookup to fail and 3 needs held down', done: () => count('failure-cached') >= 3 },
      );
      expect(asked).to.have.length(1);
      expect(device.events('unusable-answer')).to.have.length(1);
    });

    it('sloppy: an MX answer sends it after the exchange name (one level only)', async () => {
      resolver.answer = (q, reply) =>
        reply(
          buildResponse({
            id: q.id ?? 0,
            questions: q.questions!,
            rcode: 'NOERROR',
            bits: { rd: true, ra: true },
            answers: [
              {
                name: q.questions![0]!.name,
                type: 'MX',
                class: 'IN',
                ttl: 60,
                data: { preference: 10, exchange: 'mx.dnsconform.invalid' },
              },
            ],
          }),
        );
      const queries = await run(
        { validation: 'sloppy', lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 10_000 }] },
        // One level only: nothing after the exchange name's lookup ends.
        { what: 'the exchange name looked up', done: () => resolver.udpQueries().length >= 2, quietMs: 300 },
      );
      expect(queries.map((q) => q.query.questions![0]!.name)).to.deep.equal(['x.sim.example', 'mx.dnsconform.invalid']);
    });
  });

  describe('EDNS fallback on FORMERR', () => {
    const formerrToEdns = (q: DecodedMessage, reply: (m: ReturnType<typeof buildResponse>) => void) => {
      const withOpt = (q.additionals ?? []).some((rr) => rr.type === 'OPT');
      reply(withOpt ? rcodeResponse(q, 'FORMERR') : aResponse(q, REAL_SERVER, { ttl: 60 }));
    };

    it('with ednsFallback, asks again without the OPT record and gets its answer', async () => {
      resolver.answer = formerrToEdns;
      const queries = await run(
        { edns: { enabled: true, udpSize: 1232 }, ednsFallback: true },
        { what: 'an answer', done: () => count('resolved') >= 1 },
      );
      expect(queries.map((q) => (q.query.additionals ?? []).some((rr) => rr.type === 'OPT'))).to.deep.equal([
        true,
        false,
      ]);
      expect(device.events('resolved')).to.have.length(1);
    });

    it('without it, gives up on FORMERR: never a query without EDNS', async () => {
      resolver.answer = formerrToEdns;
      const queries = await run(
        { edns: { enabled: true, udpSize: 4096 } },
        { what: '2 failed lookups', done: () => count('failed') >= 2 },
      );
      expect(queries.length).to.be.at.least(2);
      expect(queries.every((q) => (q.query.additionals ?? []).some((rr) => rr.type === 'OPT'))).to.equal(true);
      expect(device.events('resolved')).to.have.length(0);
    });
  });

  describe('receive buffer overflow and the device service', () => {
    const bigAnswer = (q: DecodedMessage, reply: (m: ReturnType<typeof buildResponse>) => void) =>
      reply(aResponse(q, REAL_SERVER, { answers: 60 }));

    it('drop: a datagram over the buffer is dropped and the device carries on', async () => {
      resolver.answer = bigAnswer;
      let overflows = 0;
      await run(
        {
          receiveBufferBytes: 512,
          onOverflow: 'drop',
          retry: { timeoutMs: 100, attempts: 2, backoff: 1, maxTimeoutMs: 100 },
        },
        // Carries on: the lookup times out after its retries and the next need asks again.
        { what: 'an overflow and 2 failed lookups', done: () => count('overflow') >= 1 && count('failed') >= 2 },
        () => {
          overflows += 1;
        },
      );
      expect(overflows).to.equal(0);
      expect(device.events('overflow').length).to.be.at.least(1);
      expect(device.events('overflow')[0]!.size as number).to.be.greaterThan(512);
    });

    it('hang/exit: the device is told, so it can stop (the process does the rest)', async () => {
      resolver.answer = bigAnswer;
      const sizes: number[] = [];
      await run(
        { receiveBufferBytes: 512, onOverflow: 'hang' },
        { what: 'the device told of an overflow', done: () => sizes.length >= 1 },
        (size) => sizes.push(size),
      );
      expect(sizes.length).to.be.at.least(1);
      expect(sizes[0]).to.be.greaterThan(512);
    });

    it('the service accepts connections until it is closed, then refuses them', async () => {
      const service = new DeviceService(DEVICE, 47_163, device.log);
      await service.start();
      expect((await connectBriefly(DEVICE, 47_163, 500)).connected).to.equal(true);
      await service.close();
      const after = await connectBriefly(DEVICE, 47_163, 500);
      expect(after).to.deep.include({ connected: false, error: 'ECONNREFUSED' });
    });
  });
});
