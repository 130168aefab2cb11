import type { DhcpLeaseEvent, Endpoint } from '../../lib/evidence/events.ts';
import { defineFixtures, FIXTURE_DUT, FIXTURE_SERVER, FixtureRun } from '../fixture-events.ts';
import { between, seededRandom } from '../seeded-random.ts';

/** 2026-01-01T00:00:00Z in µs: a fixed clock so the files never change. */
const T0 = 1_767_225_600_000_000;
const SECOND = 1_000_000;
const PHASE = 'resolver-change';
const NEW_RESOLVER: Endpoint = { address: '127.0.10.2', port: 53 };
const MAC = '02:00:00:00:00:09';
const TTL = 10;

interface Plan {
  seed: number;
  /** Seconds the phase lasts after the change. */
  phaseSeconds: number;
  /** Whether the DUT moves to the new resolver after its renewal. */
  follows: boolean;
  /** Whether the evidence holds the resolver change (a DUT with network.dhcp). */
  changed: boolean;
}

function lease(t: number, kind: DhcpLeaseEvent['kind'], resolver: string): Omit<DhcpLeaseEvent, 'seq'> {
  return {
    type: 'dhcp.lease',
    t,
    dut: FIXTURE_DUT,
    phase: PHASE,
    kind,
    mac: MAC,
    address: '127.0.10.9',
    interface: 'lab0',
    xid: String(t % 1_000_000_007),
    requested: [1, 3, 6, 51],
    options: [
      { code: 53, name: 'message-type', value: '5' },
      { code: 54, name: 'server-identifier', value: FIXTURE_SERVER.address },
      { code: 51, name: 'lease-time', value: '2m' },
      { code: 6, name: 'dns-server', value: resolver },
    ],
  };
}

function fixture(plan: Plan): string {
  const random = seededRandom(plan.seed);
  const phaseStart = T0 + SECOND;
  const phaseEnd = phaseStart + (plan.phaseSeconds + 1) * SECOND;
  const run = new FixtureRun(`fixture-resolver-change-${plan.seed.toString(16)}`, T0, phaseEnd + SECOND, [
    { name: PHASE, experiment: PHASE, start: phaseStart, end: phaseEnd, scenario: 'pass-through' },
  ]);
  const changeAt = phaseStart + SECOND / 2;
  const renewAt = changeAt + 60 * SECOND;
  if (plan.changed) {
    run.observe({
      type: 'dhcp.resolver-change',
      t: changeAt,
      dut: FIXTURE_DUT,
      phase: PHASE,
      from: [FIXTURE_SERVER.address],
      to: [NEW_RESOLVER.address],
      leaseSeconds: 120,
      renewSeconds: null,
    });
    if (renewAt < phaseEnd) run.observe(lease(renewAt, 'renewal', NEW_RESOLVER.address));
  }
  let cachedUntil = 0;
  let onNew = false;
  for (let t = phaseStart + 2 * SECOND; t < phaseEnd - SECOND; t += 4 * SECOND + between(random, 0, 400_000)) {
    // The stub re-reads its resolver at the renewal (udhcpc rewrites resolv.conf).
    if (plan.follows && plan.changed && t > renewAt) onNew = true;
    if (t < cachedUntil) continue;
    const server = onNew ? NEW_RESOLVER : FIXTURE_SERVER;
    run.exchange(
      {
        t,
        name: 'time.fixture.example',
        type: 'A',
        sourcePort: between(random, 49152, 65535),
        txid: between(random, 0, 65535),
        ednsUdpSize: null,
        server,
      },
      {
        latency: between(random, 400, 2_000),
        rcode: 'NOERROR',
        records: [{ name: 'time.fixture.example', type: 'A', ttl: TTL, data: '127.0.10.201' }],
      },
    );
    cachedUntil = t + TTL * SECOND;
  }
  return run.ndjson();
}

export default defineFixtures(() => ({
  pass: fixture({ seed: 0x5eed2001, phaseSeconds: 110, follows: true, changed: true }),
  fail: fixture({ seed: 0x5eed2002, phaseSeconds: 110, follows: false, changed: true }),
  inconclusive: fixture({ seed: 0x5eed2003, phaseSeconds: 40, follows: true, changed: true }),
  'not-assessed': fixture({ seed: 0x5eed2004, phaseSeconds: 110, follows: false, changed: false }),
}));
