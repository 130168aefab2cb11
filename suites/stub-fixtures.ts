/**
 * The stub resolvers whose traffic makes the fixtures of the randomness checks and of
 * caching/ttl-honoured, deterministically (seeded PRNG, fixed clock).
 *
 * Two stub resolvers are modelled the way the paper describes them:
 * - a good stub: a random source port in 49152–65535 and a random TXID per query, EDNS
 *   1232, and a cache: the application asks every few seconds but the network sees a
 *   query only once the cached answer's TTL has run out;
 * - a bad stub (the paper's worst findings): always port 4096, a +1 TXID counter, no
 *   EDNS, no cache: every lookup polls, once a second, against a 30 s TTL.
 *
 */
import { FixtureRun } from './fixture-events.ts';
import type { FixtureAnswer } from './fixture-events.ts';
import { between, seededRandom } from './seeded-random.ts';

/** 2026-01-01T00:00:00Z in µs: a fixed clock so the files never change. */
const T0 = 1_767_225_600_000_000;
const SECOND = 1_000_000;
const MS = 1_000;

/** What the harness zone answers for one name the device uses. */
interface ZoneName {
  name: string;
  type: 'A' | 'AAAA';
  ttl: number;
  records: FixtureAnswer['records'];
  /** How often the device's application needs the name. */
  everyMs: number;
}

function addressName(name: string, type: 'A' | 'AAAA', ttl: number, data: string, everyMs: number): ZoneName {
  return { name, type, ttl, everyMs, records: [{ name, type, ttl, data }] };
}

const GOOD_ZONE: ZoneName[] = [
  addressName('time.fixture.example', 'A', 10, '127.0.10.201', 3_000),
  addressName('mqtt.fixture.example', 'A', 10, '127.0.10.206', 2_000),
  addressName('ntp.fixture.example', 'A', 15, '127.0.10.207', 4_000),
  addressName('api.fixture.example', 'A', 20, '127.0.10.202', 3_000),
  addressName('cloud.fixture.example', 'A', 30, '127.0.10.203', 5_000),
  addressName('cloud.fixture.example', 'AAAA', 30, '::1', 5_000),
  {
    name: 'update.fixture.example',
    type: 'A',
    ttl: 60,
    everyMs: 10_000,
    records: [
      { name: 'update.fixture.example', type: 'CNAME', ttl: 60, data: 'cdn.fixture.example' },
      { name: 'cdn.fixture.example', type: 'A', ttl: 60, data: '127.0.10.205' },
    ],
  },
];

const BAD_ZONE: ZoneName[] = [
  addressName('time.fixture.example', 'A', 30, '127.0.10.201', 1_000),
  addressName('api.fixture.example', 'A', 30, '127.0.10.202', 1_000),
];

/** The application's lookups over the window, in time order: each name at its interval plus jitter. */
function lookups(
  zone: readonly ZoneName[],
  windowSeconds: number,
  jitterMs: number,
  random: () => number,
): { t: number; entry: ZoneName }[] {
  const all: { t: number; entry: ZoneName }[] = [];
  for (const entry of zone) {
    let t = T0 + between(random, 100, 900) * MS;
    while (t < T0 + (windowSeconds - 1) * SECOND) {
      all.push({ t, entry });
      t += (entry.everyMs + between(random, 0, jitterMs)) * MS;
    }
  }
  return all.sort((a, b) => a.t - b.t);
}

function answer(entry: ZoneName, random: () => number): FixtureAnswer {
  return { latency: between(random, 400, 2_500), rcode: 'NOERROR', records: entry.records };
}

/** The good stub: random port and TXID, EDNS, and a cache that honours each TTL. */
export function goodStubRun(windowSeconds: number, seed: number): FixtureRun {
  const random = seededRandom(seed);
  const run = new FixtureRun(`fixture-good-${windowSeconds}s`, T0, T0 + windowSeconds * SECOND);
  const expiry = new Map<ZoneName, number>();
  for (const { t, entry } of lookups(GOOD_ZONE, windowSeconds, 1_500, random)) {
    if (t < (expiry.get(entry) ?? 0)) continue; // served from the cache
    const reply = answer(entry, random);
    run.exchange(
      {
        t,
        name: entry.name,
        type: entry.type,
        sourcePort: between(random, 49152, 65535),
        txid: between(random, 0, 65535),
        ednsUdpSize: 1232,
      },
      reply,
    );
    expiry.set(entry, t + reply.latency + entry.ttl * SECOND);
  }
  return run;
}

/** The bad stub: port 4096, a TXID counter from 1, no EDNS, no cache. */
export function badStubRun(windowSeconds: number, seed: number): FixtureRun {
  const random = seededRandom(seed);
  const run = new FixtureRun(`fixture-bad-${windowSeconds}s`, T0, T0 + windowSeconds * SECOND);
  let txid = 1;
  for (const { t, entry } of lookups(BAD_ZONE, windowSeconds, 5, random)) {
    run.exchange(
      { t, name: entry.name, type: entry.type, sourcePort: 4096, txid, ednsUdpSize: null },
      answer(entry, random),
    );
    txid = (txid + 1) % 65536;
  }
  return run;
}

/** The pass, fail and inconclusive fixtures the three checks share. */
export function stubFixtures(): Record<'pass' | 'fail' | 'inconclusive', FixtureRun> {
  return {
    pass: goodStubRun(180, 0x5eed0001),
    fail: badStubRun(40, 0x5eed0002),
    // Too short to see enough queries or to outlast enough TTLs.
    inconclusive: goodStubRun(25, 0x5eed0003),
  };
}
