import { expect } from 'chai';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import {
  aResponse,
  DEVICE_ADDRESS,
  memoryLog,
  negativeResponse,
  RESOLVER_ADDRESS,
  runDevice,
  TestResolver,
  testBehaviour,
} from './stub-test-kit.ts';
import type { LogLine, MemoryLog } from './stub-test-kit.ts';

describe('dut/application (needs, cache and coalescing over real sockets)', () => {
  // Each spec runs the application until its log shows what the spec is about (a number of needs,
  // cache hits, lookups), then judges the device's own timestamps: how late timers fire on a loaded
  // machine changes when things happen, not whether the device honoured its TTLs. A device that never
  // gets there fails naming what was awaited (the kit's hang guard).
  let resolver: TestResolver;
  let device: MemoryLog;
  const events = (name: string) => device.events(name);

  beforeEach(async () => {
    resolver = new TestResolver();
    await resolver.start();
    device = memoryLog();
  });
  afterEach(() => resolver.stop());

  /**
   * Runs the application until `done()` holds over its log (checked after each line), then stops it
   * and returns how many UDP queries reached the resolver.
   */
  async function runUntil(overrides: Partial<SimulatedBehaviour>, what: string, done: () => boolean): Promise<number> {
    const behaviour = testBehaviour({ lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 50 }], ...overrides });
    const resolverAt = { address: RESOLVER_ADDRESS, port: resolver.port };
    await runDevice({ behaviour, sourceAddress: DEVICE_ADDRESS, resolver: resolverAt, log: device.log }, () =>
      device.until(what, done),
    );
    return resolver.udpQueries().length;
  }
  const summary = () => device.summary();
  const count = (name: string) => () => events(name).length;
  const answerWithTtl = (ttl: number) => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.9', { ttl }));
  };
  /** What the device did with each need logged after `first` and before `until` (the line written right after the need: cache and coalescing decide at once). */
  const outcomes = (first: LogLine, until: number) =>
    device.lines.flatMap((line, i, lines) =>
      line.event === 'need' && i > lines.indexOf(first) && line.at < until ? [lines[i + 1]?.event ?? 'none'] : [],
    );
  /** Every need while the first answer was cached was served from the cache; at least `hits` were. */
  const servedFromCacheWhileValid = (hits: number) => {
    const first = events('resolved')[0] ?? events('negative')[0];
    expect(first, summary()).to.not.equal(undefined);
    const expiresAt = events('cache-hit')[0]?.expiresAt as number;
    // After the answer's line, not its millisecond: the need that asked can share the millisecond.
    const whileCached = outcomes(first!, expiresAt);
    expect(whileCached.length, summary()).to.be.at.least(hits);
    expect(new Set(whileCached), summary()).to.deep.equal(new Set(['cache-hit']));
    const lookups = [...events('resolved'), ...events('negative')].filter((line) => line.at < expiresAt);
    expect(lookups, 'lookups while the first answer was cached').to.have.length(1);
  };
  /** The device looked the name up a second time, and not before its cached answer ran out. */
  const askedAgainAfter = (seconds: number) => {
    const [first, second] = events('resolved');
    expect(second, summary()).to.not.equal(undefined);
    const secondQuery = resolver.udpQueries()[1]!;
    expect(secondQuery.at - first!.at, 'ms between the first answer and the next query').to.be.at.least(seconds * 1000);
  };

  it('honour: asks once and serves every need from the cache until the TTL runs out', async () => {
    answerWithTtl(1);
    await runUntil({ ttl: { mode: 'honour' } }, '6 cache hits', () => count('cache-hit')() >= 6);
    servedFromCacheWhileValid(6);
    expect(events('resolved')[0]).to.deep.include({ ttl: 1, cachedSeconds: 1 });
  });

  it('honour: asks again once the TTL has run out', async () => {
    answerWithTtl(1);
    await runUntil({ ttl: { mode: 'honour' } }, 'a second lookup', () => count('resolved')() >= 2);
    askedAgainAfter(1);
  });

  it('ignore: every need goes to the network', async () => {
    answerWithTtl(3600);
    await runUntil({ ttl: { mode: 'ignore' } }, '3 lookups', () => count('resolved')() >= 3);
    expect(events('cache-hit')).to.have.length(0);
    expect(events('resolved').length, summary()).to.be.at.least(2);
  });

  it('clamp: raises a TTL of 0 to the minimum, where honouring it re-asks at every need', async () => {
    answerWithTtl(0);
    await runUntil({ ttl: { mode: 'clamp', min: 1, max: 60 } }, '6 cache hits', () => count('cache-hit')() >= 6);
    servedFromCacheWhileValid(6);
    expect(events('resolved')[0]).to.deep.include({ ttl: 0, cachedSeconds: 1 });
    device = memoryLog();
    resolver.seen.length = 0;
    await runUntil({ ttl: { mode: 'honour' } }, '3 lookups', () => count('resolved')() >= 3);
    expect(events('cache-hit')).to.have.length(0);
    expect(events('resolved').length, summary()).to.be.at.least(2);
  });

  it('clamp: cuts a long TTL down to the maximum', async () => {
    answerWithTtl(86400);
    await runUntil({ ttl: { mode: 'clamp', min: 0, max: 1 } }, 'a second lookup', () => count('resolved')() >= 2);
    expect(events('resolved')[0]).to.deep.include({ ttl: 86400, cachedSeconds: 1 });
    askedAgainAfter(1);
  });

  it('caches NXDOMAIN for the SOA minimum when honouring TTLs, and not without an SOA or when ignoring them', async () => {
    resolver.answer = (q, reply) => reply(negativeResponse(q, 'NXDOMAIN', { ttl: 3600, minimum: 1 }));
    await runUntil({ ttl: { mode: 'honour' } }, '6 cache hits', () => count('cache-hit')() >= 6);
    servedFromCacheWhileValid(6);
    expect(events('cache-hit')[0]).to.deep.include({ negative: true });
    device = memoryLog();
    resolver.seen.length = 0;
    await runUntil({ ttl: { mode: 'ignore' } }, '3 lookups', () => count('negative')() >= 3);
    expect(events('cache-hit')).to.have.length(0);
    expect(events('negative').length, summary()).to.be.at.least(2);
    device = memoryLog();
    resolver.seen.length = 0;
    resolver.answer = (q, reply) => reply(negativeResponse(q, 'NXDOMAIN'));
    await runUntil({ ttl: { mode: 'honour' } }, '3 lookups', () => count('failed')() >= 3);
    expect(events('cache-hit')).to.have.length(0);
    expect(events('failed').length, summary()).to.be.at.least(2);
  });

  it('coalesces needs that arrive while a lookup for the name is in flight', async () => {
    // The answer comes 300 ms late; needs every 50 ms meanwhile join the lookup in flight.
    resolver.answer = (q, reply) => setTimeout(() => reply(aResponse(q, '127.0.31.9', { ttl: 0 })), 300);
    await runUntil(
      { ttl: { mode: 'ignore' }, retry: { timeoutMs: 1000, attempts: 1, backoff: 1, maxTimeoutMs: 1000 } },
      '4 coalesced needs',
      () => count('coalesced')() >= 4,
    );
    // Each need either joined the lookup in flight or started one, of one query (no cache: TTLs ignored).
    expect(events('query').length, summary()).to.equal(events('need').length - events('coalesced').length);
    expect(events('query').length, summary()).to.be.below(events('need').length);
  });

  it('after a lookup fails, tries again at its next need', async () => {
    const queries = await runUntil(
      {
        lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 150 }],
        retry: { timeoutMs: 100, attempts: 1, backoff: 1, maxTimeoutMs: 100 },
      },
      '3 failed lookups',
      () => count('failed')() >= 3,
    );
    expect(queries, summary()).to.be.at.least(3);
  });

  it('spreads needs by the jitter on top of the interval', async () => {
    answerWithTtl(0);
    await runUntil(
      { ttl: { mode: 'ignore' }, lookups: [{ name: 'x.sim.example', type: 'A', everyMs: 30, jitterMs: 60 }] },
      '12 needs',
      () => count('need')() >= 12,
    );
    const needs = events('need');
    const gaps = needs.slice(1).map((x, i) => x.at - needs[i]!.at);
    expect(Math.min(...gaps), gaps.join(' ')).to.be.at.least(25);
    // At most 30 + 60 ms apart when timers fire on time; a loaded machine fires some late (154 ms
    // seen at load 10), so most gaps, not all, must hold the bound. A wider jitter breaks most of them.
    expect(gaps.filter((g) => g <= 110).length, gaps.join(' ')).to.be.at.least(Math.ceil(gaps.length * 0.75));
    // Without jitter every gap would be 30 ms; uniform 0..60 ms extra makes some far longer.
    expect(gaps.filter((g) => g > 55).length, gaps.join(' ')).to.be.at.least(2);
  });
});
