/**
 * Recommendation #2 in a live run, which its imported-capture fixtures do not reach: the
 * run's own capture stands behind the harness resolver's log, so its queries count as seen
 * on the wire, and DNS the capture saw going elsewhere FAILs; a run that could not capture
 * is INCONCLUSIVE, never PASS.
 */
import { expect } from 'chai';
import type { CheckContext } from '../../lib/checks/check-types.ts';
import { Evidence } from '../../lib/evidence/evidence.ts';
import type { Endpoint } from '../../lib/evidence/events.ts';
import { parseProfile } from '../../lib/profile/load-profile.ts';
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT, FIXTURE_SERVER, FixtureRun } from '../fixture-events.ts';
import check from './assigned-resolver-only.check.ts';

const SECOND = 1_000_000;
const T0 = 1_795_000_000 * SECOND;
const HARDCODED: Endpoint = { address: '127.0.10.53', port: 53 };
const profile = parseProfile(
  JSON.stringify({
    profileVersion: 1,
    dut: { id: FIXTURE_DUT, vendor: 'dnsconform fixtures', model: 'Fixture stub', addresses: [FIXTURE_CLIENT_ADDRESS] },
    device: { kind: 'lab' },
    resolver: { listen: [{ transport: 'udp', ...FIXTURE_SERVER }] },
    zone: [{ name: 'time.fixture.example', type: 'A', ttl: 30, data: '127.0.10.201' }],
  }),
  'resolver-use spec profile',
);
const context: CheckContext = { dutId: FIXTURE_DUT, profile, eventsFile: 'events.ndjson' };

/** A 60 s live run: `logged` queries to the harness, `elsewhere` seen only by the capture, and how the capture went. */
function liveRun(capture: 'captured' | 'unavailable', logged: number, elsewhere: number): Evidence {
  const run = new FixtureRun('fixture-live-capture', T0, T0 + 60 * SECOND);
  const base = {
    dut: FIXTURE_DUT,
    phase: null,
    interface: 'lo',
    filter: `host ${FIXTURE_CLIENT_ADDRESS}`,
    tool: 'dumpcap',
  };
  // The capture starts before the first phase, as in a run.
  run.runEvent(
    capture === 'captured'
      ? { ...base, type: 'capture.start', t: T0 + 500, file: 'capture.pcapng' }
      : { ...base, type: 'capture.unavailable', t: T0 + 500, file: null, reason: 'capture tool dumpcap not found' },
  );
  for (let i = 0; i < logged; i++) {
    run.exchange(
      {
        t: T0 + (i + 1) * SECOND,
        name: 'time.fixture.example',
        type: 'A',
        sourcePort: 40_000 + i,
        txid: 1000 + i,
        ednsUdpSize: null,
      },
      {
        latency: 500,
        rcode: 'NOERROR',
        records: [{ name: 'time.fixture.example', type: 'A', ttl: 30, data: '127.0.10.201' }],
      },
    );
  }
  for (let i = 0; i < elsewhere; i++) {
    run.exchange(
      {
        t: T0 + (i + 1) * SECOND + 300_000,
        name: 'time.fixture.example',
        type: 'A',
        sourcePort: 50_000 + i,
        txid: 2000 + i,
        ednsUdpSize: null,
        server: HARDCODED,
        capture: { file: 'capture.pcapng', frame: i + 1 },
      },
      null,
    );
  }
  return new Evidence(run.events());
}

const judge = (evidence: Evidence) => check.judge(evidence.forExperiments(check.meta.experiments), context);

describe('resolver-use/assigned-resolver-only in a live run', () => {
  it('PASSes when the run captured and everything went to the harness resolver', () => {
    const outcome = judge(liveRun('captured', 12, 0));
    expect(outcome.verdict, outcome.observed).to.equal('PASS');
    expect(outcome.observed).to.equal(`All 12 queries seen on the wire went to ${FIXTURE_SERVER.address}.`);
  });

  it('FAILs naming the resolver when the capture saw queries going elsewhere', () => {
    const outcome = judge(liveRun('captured', 12, 3));
    expect(outcome.verdict).to.equal('FAIL');
    expect(outcome.observed).to.match(/^Hard-coded resolver used: 127\.0\.10\.53.*3 queries on port 53/);
    expect(outcome.figures.hardcodedResolvers).to.deep.equal(['127.0.10.53']);
  });

  it('is INCONCLUSIVE with the reason, never PASS, when the run could not capture', () => {
    const outcome = judge(liveRun('unavailable', 12, 0));
    expect(outcome.verdict).to.equal('INCONCLUSIVE');
    expect(outcome.observed).to.match(/could not capture packets \(capture tool dumpcap not found\)/);
  });

  it('is INCONCLUSIVE on too few queries even with a capture', () => {
    expect(judge(liveRun('captured', 4, 0)).verdict).to.equal('INCONCLUSIVE');
  });
});
