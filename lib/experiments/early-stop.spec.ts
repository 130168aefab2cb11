import { expect } from 'chai';
import { join } from 'node:path';
import { discoverChecks, SUITES_DIR } from '../checks/discover.ts';
import type { CheckContext, LoadedCheck } from '../checks/check-types.ts';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { parseProfile } from '../profile/load-profile.ts';
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT } from '../../suites/fixture-events.ts';
import { checksNeeding, settledReason, settledState } from './early-stop.ts';

const PROFILE = parseProfile(
  JSON.stringify({
    profileVersion: 1,
    dut: { id: FIXTURE_DUT, vendor: 'dnsconform fixtures', model: 'Fixture stub', addresses: [FIXTURE_CLIENT_ADDRESS] },
    device: { kind: 'lab' },
    resolver: { listen: [{ transport: 'udp', address: '127.0.10.1', port: 53 }] },
    zone: [{ name: 'time.fixture.example', type: 'A', ttl: 30, data: '127.0.10.201' }],
    canaries: ['127.0.10.250'],
  }),
  'early-stop spec profile',
);
const CONTEXT: CheckContext = { dutId: FIXTURE_DUT, profile: PROFILE, eventsFile: 'events.ndjson' };
const fixture = (path: string) => loadEvidence(join(SUITES_DIR, path));

describe('experiments/early-stop (sequential decision)', () => {
  let checks: LoadedCheck[];
  before(async () => {
    checks = await discoverChecks();
  });

  it('finds the checks that name an experiment, never the passive ones', () => {
    const ids = checksNeeding(checks, 'spoof-race').map((c) => c.id);
    expect(ids).to.include('validation/spoofed-answers-rejected');
    expect(ids).to.not.include('randomness/source-port-randomised');
  });

  it('settles once a forged answer was used: a contacted canary is a FAIL whatever follows', () => {
    const needed = checks.filter((c) => c.id === 'validation/spoofed-answers-rejected');
    const state = settledState(needed, fixture('validation/fixtures/spoofed-answers-rejected.fail.ndjson'), CONTEXT);
    expect(state).to.deep.equal({
      dut: CONTEXT.dutId,
      settled: true,
      verdicts: [{ check: 'validation/spoofed-answers-rejected', verdict: 'FAIL', settled: true }],
    });
    expect(settledReason(state)).to.equal(
      `settled early (sequential decision): ${CONTEXT.dutId}: validation/spoofed-answers-rejected FAIL`,
    );
  });

  it('does not settle on a PASS so far (a later contact could still fail it), nor with nothing to judge', () => {
    const needed = checks.filter((c) => c.id === 'validation/spoofed-answers-rejected');
    expect(
      settledState(needed, fixture('validation/fixtures/spoofed-answers-rejected.pass.ndjson'), CONTEXT).settled,
    ).to.equal(false);
    expect(
      settledState([], fixture('validation/fixtures/spoofed-answers-rejected.fail.ndjson'), CONTEXT).settled,
    ).to.equal(false);
  });

  it('waits for every needed check: one unsettled check keeps the phase open', () => {
    const needed = checks.filter((c) =>
      ['validation/spoofed-answers-rejected', 'resilience/survives-amplification'].includes(c.id),
    );
    const state = settledState(needed, fixture('validation/fixtures/spoofed-answers-rejected.fail.ndjson'), CONTEXT);
    expect(state.settled).to.equal(false);
    expect(state.verdicts.find((v) => v.check === 'resilience/survives-amplification')?.settled).to.equal(false);
  });

  it('settles a DUT that died under amplification', () => {
    const needed = checks.filter((c) => c.id === 'resilience/survives-amplification');
    expect(
      settledState(needed, fixture('resilience/fixtures/survives-amplification.fail.ndjson'), CONTEXT).settled,
    ).to.equal(true);
    expect(
      settledState(needed, fixture('resilience/fixtures/survives-amplification.pass.ndjson'), CONTEXT).settled,
    ).to.equal(false);
  });
});
