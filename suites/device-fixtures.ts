/**
 * What the fixture recipes of the checks the adversarial experiments feed share: a fixed
 * clock, the fixture DUT's names and canary, runs through consecutive phases, and queries
 * whose ports and IDs follow simple distinct sequences (these checks do not judge
 * randomness). No randomness, so a recipe makes the same bytes every time.
 */
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT, FixtureRun } from './fixture-events.ts';
import type { FixtureAnswer, FixtureQuery, FixtureRecord } from './fixture-events.ts';

/** 2026-01-01T00:00:00Z in µs: a fixed clock so the files never change. */
export const T0 = 1_767_225_600_000_000;
export const SECOND = 1_000_000;
export const MS = 1_000;
/** The canary the fixture profile declares (check-fixtures.spec.ts). */
export const CANARY = '127.0.10.250';
export const NAMES = ['time.fixture.example', 'api.fixture.example', 'mqtt.fixture.example', 'ntp.fixture.example'];
/** The apex of the fixture profile's signed zone (check-fixtures.spec.ts): a name of its own, as the demo devices' telemetry name. */
export const SIGNED_APEX = 'telemetry.fixture.example';

/** Queries in order get ports and IDs from simple, distinct sequences (these checks do not judge randomness). */
let sequence = 0;

/** A run through consecutive phases of the given experiments and lengths (seconds). */
export function phasedRun(id: string, phases: [experiment: string, seconds: number, scenario: string][]): FixtureRun {
  sequence = 0; // each file stands alone: changing one fixture leaves the others as they are
  let t = T0 + SECOND;
  const windows = phases.map(([experiment, seconds, scenario]) => {
    const window = { name: experiment, experiment, start: t, end: t + seconds * SECOND, scenario };
    t = window.end + MS;
    return window;
  });
  return new FixtureRun(id, T0, t + SECOND, windows);
}

/** The fixture DUT power-cycled at `t` inside `phase` (as a lab device's operator does), recorded as the harness records it. */
export function powerCycle(run: FixtureRun, t: number, phase: string): void {
  run.observe({
    type: 'trigger',
    t,
    dut: FIXTURE_DUT,
    phase,
    trigger: 'power-cycle',
    action: `power-cycle ${FIXTURE_DUT} (${FIXTURE_CLIENT_ADDRESS}) now`,
    exitCode: null,
  });
}

export function query(t: number, name: string, extra: Partial<FixtureQuery> = {}): FixtureQuery {
  sequence += 1;
  return {
    t,
    name,
    type: 'A',
    sourcePort: 40_000 + ((sequence * 7919) % 20_000),
    txid: (sequence * 40_503) % 65_536,
    ednsUdpSize: 1232,
    ...extra,
  };
}

export const a = (name: string, ttl: number, data = '127.0.10.201'): FixtureRecord => ({ name, type: 'A', ttl, data });
export const ok = (records: FixtureRecord[], manipulations: string[] = []): FixtureAnswer => ({
  latency: 800,
  rcode: 'NOERROR',
  records,
  manipulations,
});
export const soa: FixtureRecord = {
  name: 'fixture.example',
  type: 'SOA',
  ttl: 3600,
  data: {
    mname: 'ns.fixture.example',
    rname: 'hostmaster.fixture.example',
    serial: 1,
    refresh: 3600,
    retry: 600,
    expire: 86400,
    minimum: 60,
  },
};

/**
 * An RRSIG over `owner`'s `covered` RRset by the signed zone's key, valid for thirty days from
 * thirty days before T0 on (the rules look for a signature; none verifies one).
 */
export function rrsig(owner: string, covered: string, ttl: number, originalTTL = ttl): FixtureRecord {
  const valid = T0 / SECOND + 30 * 86_400;
  return {
    name: owner,
    type: 'RRSIG',
    ttl,
    data: {
      typeCovered: covered,
      algorithm: 13,
      labels: owner.split('.').length,
      originalTTL,
      expiration: valid,
      inception: valid - 30 * 86_400,
      keyTag: 4242,
      signersName: SIGNED_APEX,
      signature: Buffer.alloc(64, 7),
    },
  };
}

/** `every` seconds from `from` until `until` (seconds into the phase). */
export function times(start: number, from: number, every: number, until: number): number[] {
  const out: number[] = [];
  for (let s = from; s < until; s += every) out.push(start + Math.round(s * SECOND));
  return out;
}
