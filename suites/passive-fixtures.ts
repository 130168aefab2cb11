/**
 * Runs for the fixtures of the passive resolver-use and encryption checks, deterministic (seeded PRNG, fixed clock), as if imported from a capture: queries
 * carry a capture reference, encrypted DNS shows as contact events.
 */
import type { Endpoint } from '../lib/evidence/events.ts';
import { FIXTURE_DUT, FIXTURE_PHASE, FixtureRun } from './fixture-events.ts';
import { between, seededRandom } from './seeded-random.ts';

/** 2026-01-01T00:00:00Z in µs: a fixed clock so the files never change. */
export const T0 = 1_767_225_600_000_000;
export const SECOND = 1_000_000;
const WINDOW_SECONDS = 180;
/** The capture file the queries are said to come from (a name only: fixtures hold no packets). */
const CAPTURE_FILE = 'fixture-capture.pcap';
/** A hard-coded public resolver (Cisco OpenDNS), as the sifely hub capture shows one. */
const OPENDNS: Endpoint = { address: '208.67.222.222', port: 53 };
const NAMES = ['time.fixture.example', 'api.fixture.example', 'mqtt.fixture.example'];

export interface Plan {
  seed: number;
  /** Seconds between queries. */
  everySeconds: number;
  /** Share of queries sent to OpenDNS instead of the assigned resolver. */
  hardcodedShare: number;
  /** Whether a capture saw the queries (else only the harness resolver logged them). */
  captured: boolean;
  /** Encrypted DNS contacts a capture saw: protocol, server, name. */
  contacts: { t: number; protocol: 'dot' | 'doh'; server: Endpoint; sni: string | null }[];
  /** When the DUT's DDR query was answered with an SVCB record, if it was. */
  ddrAt: number | null;
}

/** An SVCB record's RDATA (RFC 9460): priority 1, target dns.fixture.example., alpn=dot. */
function svcbRdata(): Buffer {
  const target = Buffer.concat(
    ['dns', 'fixture', 'example']
      .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]))
      .concat([Buffer.from([0])]),
  );
  const alpn = Buffer.from([3, ...Buffer.from('dot')]);
  return Buffer.concat([Buffer.from([0, 1]), target, Buffer.from([0, 1, 0, alpn.length]), alpn]);
}

export function passiveRun(name: string, plan: Plan): string {
  const random = seededRandom(plan.seed);
  const run = new FixtureRun(`fixture-${name}`, T0, T0 + WINDOW_SECONDS * SECOND);
  let frame = 0;
  const capture = () => (plan.captured ? { capture: { file: CAPTURE_FILE, frame: (frame += 2) - 1 } } : {});
  if (plan.ddrAt !== null) {
    run.exchange(
      {
        t: plan.ddrAt,
        name: '_dns.resolver.arpa',
        type: 'UNKNOWN_64',
        sourcePort: between(random, 49152, 65535),
        txid: between(random, 0, 65535),
        ednsUdpSize: 1232,
        ...capture(),
      },
      {
        latency: 800,
        rcode: 'NOERROR',
        records: [{ name: '_dns.resolver.arpa', type: 'UNKNOWN_64', ttl: 300, data: svcbRdata() }],
      },
    );
  }
  if (plan.everySeconds > 0) {
    for (
      let t = T0 + 2 * SECOND;
      t < T0 + (WINDOW_SECONDS - 2) * SECOND;
      t += plan.everySeconds * SECOND + between(random, 0, 500_000)
    ) {
      const hardcoded = random() < plan.hardcodedShare;
      const queryName = NAMES[between(random, 0, NAMES.length - 1)]!;
      run.exchange(
        {
          t,
          name: queryName,
          type: 'A',
          sourcePort: between(random, 49152, 65535),
          txid: between(random, 0, 65535),
          ednsUdpSize: 1232,
          ...(hardcoded ? { server: OPENDNS } : {}),
          ...capture(),
        },
        {
          latency: between(random, 400, 2_500),
          rcode: 'NOERROR',
          records: [{ name: queryName, type: 'A', ttl: 60, data: '127.0.10.201' }],
        },
      );
    }
  }
  for (const c of plan.contacts) {
    run.observe({
      type: 'dns.encrypted-contact',
      t: c.t,
      dut: FIXTURE_DUT,
      phase: FIXTURE_PHASE,
      protocol: c.protocol,
      server: c.server,
      sni: c.sni,
      alpn: c.protocol === 'dot' ? ['dot'] : ['h2', 'http/1.1'],
      contacts: 3,
      source: 'capture',
      ...capture(),
    } as Parameters<FixtureRun['observe']>[0]);
  }
  return run.ndjson();
}

/** A DUT that asks only the assigned resolver, in plain DNS, every 6 s, seen by a capture. */
export const plainOnly: Plan = {
  seed: 0x5eed1001,
  everySeconds: 6,
  hardcodedShare: 0,
  captured: true,
  contacts: [],
  ddrAt: null,
};
