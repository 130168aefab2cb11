/**
 * Recommendation #3 samples one source port per lookup: a stub sending A and AAAA from one
 * socket passes however its ports are counted, while fixed and narrow pools keep failing
 * when they pair their queries the same way. The glibc fixture is real traffic
 * (scripts/record-stub-traffic.ts, suites/randomness/real-traffic.ts); the pools are drawn here.
 */
import { expect } from 'chai';
import { fixtureOf } from '../../lib/checks/check-fixtures.ts';
import { discoverChecks } from '../../lib/checks/discover.ts';
import type { CheckContext } from '../../lib/checks/check-types.ts';
import { Evidence } from '../../lib/evidence/evidence.ts';
import type { EvidenceEvent } from '../../lib/evidence/events.ts';
import { loadEvidence } from '../../lib/evidence/load-evidence.ts';
import { parseProfile } from '../../lib/profile/load-profile.ts';
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT } from '../fixture-events.ts';

const checks = await discoverChecks();
const ports = checks.find((c) => c.id === 'randomness/source-port-randomised')!;
const PROFILE = parseProfile(
  JSON.stringify({
    profileVersion: 1,
    description: 'lookup sample',
    dut: { id: FIXTURE_DUT, vendor: 'v', model: 'm', addresses: [FIXTURE_CLIENT_ADDRESS] },
    device: { kind: 'lab' },
    resolver: { listen: [{ transport: 'udp', address: '127.0.10.1', port: 53 }] },
    zone: [],
    scenario: [],
    canaries: [],
    observe: { windowSeconds: 60 },
  }),
  'lookup-sample profile',
);
const CONTEXT: CheckContext = { dutId: FIXTURE_DUT, profile: PROFILE, eventsFile: 'events.ndjson' };

/** `lookups` lookups a second apart, each A then AAAA from one port the allocator chose. */
function pairedLookups(lookups: number, portOf: (lookup: number) => number): Evidence {
  const events = Array.from({ length: lookups * 2 }, (_, i) => ({
    seq: i + 1,
    type: 'dns.query',
    t: Math.floor(i / 2) * 1_000_000 + (i % 2) * 30,
    dut: FIXTURE_DUT,
    phase: 'baseline',
    transport: 'udp',
    client: { address: FIXTURE_CLIENT_ADDRESS, port: portOf(Math.floor(i / 2)) },
    server: { address: '127.0.10.1', port: 53 },
    txid: (i * 40503) % 65536,
    questions: [{ name: `n${i >> 1}.example`, type: i % 2 === 0 ? 'A' : 'AAAA', class: 'IN' }],
  }));
  return new Evidence(events as unknown as EvidenceEvent[]);
}

/** A seeded uniform integer in [min, max] (a 32-bit LCG: enough for a test's draws). */
function uniform(seed: number): (min: number, max: number) => number {
  let state = seed >>> 0;
  return (min, max) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return min + (state % (max - min + 1));
  };
}

describe('Recommendation #3 samples one source port per lookup', () => {
  it("passes glibc's real traffic (A and AAAA from one socket) that a per-query count failed", () => {
    const outcome = ports.judge(loadEvidence(fixtureOf(ports.file, 'pass.glibc-getent')), CONTEXT);
    expect(outcome.verdict, outcome.observed).to.equal('PASS');
    expect(outcome.figures).to.include({ queries: 300, n: 150 });
    expect(outcome.observed).to.match(/^300 UDP queries in 150 lookups/);
  });

  it('fails that traffic when the window is 0 s (every query its own draw): the window parameter decides', () => {
    const parameters = ports.meta.decisionRule.parameters;
    const original = parameters.lookupWindowSeconds;
    parameters.lookupWindowSeconds = 0;
    try {
      const outcome = ports.judge(loadEvidence(fixtureOf(ports.file, 'pass.glibc-getent')), CONTEXT);
      expect(outcome.verdict).to.equal('FAIL');
      expect(outcome.observed).to.match(/distinct source ports, fewer than/);
    } finally {
      parameters.lookupWindowSeconds = original!;
    }
  });

  it('passes random ports paired the same way, and fails fixed, sequential and narrow pools paired so', () => {
    const random = uniform(7);
    expect(
      ports.judge(
        pairedLookups(200, () => random(1024, 65535)),
        CONTEXT,
      ).verdict,
    ).to.equal('PASS');
    expect(
      ports.judge(
        pairedLookups(200, () => 4096),
        CONTEXT,
      ).observed,
    ).to.match(/port 4096 carries 100% of the lookups/);
    expect(
      ports.judge(
        pairedLookups(200, (i) => 30000 + i),
        CONTEXT,
      ).verdict,
    ).to.equal('FAIL');
    // 256 ports spread over the whole range (σ is GREAT): only the distinct count catches it.
    const narrow = uniform(11);
    const pool = pairedLookups(400, () => 1024 + 252 * narrow(0, 255));
    const outcome = ports.judge(pool, CONTEXT);
    expect(outcome.verdict, outcome.observed).to.equal('FAIL');
    expect(outcome.figures.class).to.equal('GREAT');
    expect(outcome.observed).to.match(/distinct source ports, fewer than/);
  });

  it('states the grouping and its window in the decision rule', () => {
    expect(ports.meta.decisionRule.parameters.lookupWindowSeconds).to.equal(1);
    expect(ports.meta.decisionRule.text)
      .to.match(/one per lookup/)
      .and.match(/within 1 s of the lookup's first query/);
  });
});
