import { expect } from 'chai';
import { join } from 'node:path';
import { discoverChecks, SUITES_DIR } from '../lib/checks/discover.ts';
import type { CheckContext, LoadedCheck } from '../lib/checks/check-types.ts';
import { judgeCheck } from '../lib/checks/mocha-binding.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import { parseProfile } from '../lib/profile/load-profile.ts';
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT } from './fixture-events.ts';
import { SEQUENTIAL, sprt, sprtSettles } from './sequential.ts';

const PROFILE = parseProfile(
  JSON.stringify({
    profileVersion: 1,
    dut: { id: FIXTURE_DUT, vendor: 'dnsconform fixtures', model: 'Fixture stub', addresses: [FIXTURE_CLIENT_ADDRESS] },
    device: { kind: 'lab' },
    resolver: { listen: [{ transport: 'udp', address: '127.0.10.1', port: 53 }] },
    zone: [{ name: 'time.fixture.example', type: 'A', ttl: 30, data: '127.0.10.201' }],
    canaries: ['127.0.10.250'],
  }),
  'sequential spec profile',
);
const CONTEXT: CheckContext = { dutId: FIXTURE_DUT, profile: PROFILE, eventsFile: 'events.ndjson' };

describe('suites/sequential (when a verdict is settled before the window ends)', () => {
  it("Wald's SPRT: accepts H0 after enough clean trials, H1 after a run of bad ones, waits in between", () => {
    // p0 = 0.01 against p1 = 0.1, α = β = 0.01: each clean trial adds log(0.9/0.99) ≈ −0.095 and
    // H0 needs −4.595, so 49 clean trials; each bad one adds log 10 ≈ 2.30 and H1 needs 4.595.
    expect(sprt(0, 48, 0.1, SEQUENTIAL)).to.equal(null);
    expect(sprt(0, 49, 0.1, SEQUENTIAL)).to.equal('H0');
    expect(sprt(2, 2, 0.1, SEQUENTIAL)).to.equal('H1');
    expect(sprt(1, 30, 0.1, SEQUENTIAL)).to.equal(null);
    expect(sprt(0, 0, 0.1, SEQUENTIAL)).to.equal(null);
    expect(sprtSettles('PASS', 0, 60, 0.1, SEQUENTIAL)).to.equal(true);
    expect(sprtSettles('FAIL', 0, 60, 0.1, SEQUENTIAL)).to.equal(false);
  });

  describe('checks declare a settled PASS, never a settled share FAIL', () => {
    let checks: Map<string, LoadedCheck>;
    before(async () => {
      checks = new Map((await discoverChecks()).map((check) => [check.id, check]));
    });
    const judged = (id: string, fixture: string) =>
      judgeCheck(checks.get(id)!, loadEvidence(join(SUITES_DIR, fixture)), CONTEXT);

    it('ttl-honoured: a PASS on a clean phase is settled by the SPRT; its FAIL on a share is not', () => {
      expect(judged('caching/ttl-honoured', 'caching/fixtures/ttl-honoured.pass.ndjson')).to.include({
        verdict: 'PASS',
        settled: true,
      });
      const fail = judged('caching/ttl-honoured', 'caching/fixtures/ttl-honoured.fail.ndjson');
      expect(fail.verdict).to.equal('FAIL');
      expect(fail.settled ?? false).to.equal(false);
    });

    it('failure-backoff: settled once every question asked under failure showed its pace', () => {
      expect(judged('resilience/failure-backoff', 'resilience/fixtures/failure-backoff.pass.ndjson')).to.include({
        verdict: 'PASS',
        settled: true,
      });
    });

    it('no-storm-after-recovery: a phase that gave what the rule needs is settled whatever the verdict so far', () => {
      expect(
        judged('resilience/no-storm-after-recovery', 'resilience/fixtures/no-storm-after-recovery.inconclusive.ndjson')
          .settled,
      ).to.equal(true);
    });

    it('a forgery PASS waits until the forged names were asked again', () => {
      expect(
        judged('validation/spoofed-answers-rejected', 'validation/fixtures/spoofed-answers-rejected.pass.ndjson')
          .settled,
      ).to.equal(false);
    });
  });
});
