import { expect } from 'chai';
import { join } from 'node:path';
import { discoverChecks, SUITES_DIR } from '../checks/discover.ts';
import type { CheckContext, LoadedCheck } from '../checks/check-types.ts';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { parseProfile } from '../profile/load-profile.ts';
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT } from '../../suites/fixture-events.ts';
import {
  checksNeeding,
  GrowingEventLog,
  runWideChecks,
  samplesReason,
  samplesWanted,
  settledReason,
  settledState,
} from './early-stop.ts';

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

  it('finds the run-wide checks a last phase waits on, declared by their experiments, not listed', () => {
    const ids = runWideChecks(checks).map((c) => c.id);
    expect(ids).to.include.members(['randomness/source-port-randomised', 'randomness/transaction-id-randomised']);
    expect(ids).to.not.include('validation/spoofed-answers-rejected');
  });

  it('waits for a run-wide check short of its sample, and names it with the sizes', () => {
    const runWide = checks.filter((c) => c.id === 'randomness/transaction-id-randomised');
    const waits = samplesWanted(
      runWide,
      fixture('randomness/fixtures/transaction-id-randomised.inconclusive.ndjson'),
      CONTEXT,
    );
    expect(waits).to.have.length(1);
    const [wait] = waits;
    expect(wait!.check).to.equal('randomness/transaction-id-randomised');
    expect(wait!.needed).to.equal(50);
    expect(wait!.observed).to.be.within(1, 49);
    expect(samplesReason(CONTEXT.dutId, waits)).to.equal(
      `waiting for run-wide samples: ${CONTEXT.dutId}: randomness/transaction-id-randomised ${wait!.observed}/50`,
    );
  });

  it('does not wait once a run-wide check has its sample (PASS or FAIL); any check declaring one is waited on', () => {
    const randomness = checks.filter((c) => c.id.startsWith('randomness/'));
    for (const kind of ['pass', 'fail'])
      expect(
        samplesWanted(randomness, fixture(`randomness/fixtures/transaction-id-randomised.${kind}.ndjson`), CONTEXT),
        kind,
      ).to.deep.equal([]);
    // Any run-wide check declaring a sample waits on it: EDNS(0) sizes want 10 UDP queries.
    const edns = checks.filter((c) => c.id === 'transport/edns-payload-size');
    expect(
      samplesWanted(edns, fixture('transport/fixtures/edns-payload-size.inconclusive.ndjson'), CONTEXT).map(
        (w) => w.check,
      ),
    ).to.deep.equal(['transport/edns-payload-size']);
  });

  it("counts queries not in the log yet (the capture's, sent elsewhere) into a run-wide sample", () => {
    const runWide = checks.filter((c) => c.id === 'randomness/transaction-id-randomised');
    const log = new GrowingEventLog(
      join(SUITES_DIR, 'randomness/fixtures/transaction-id-randomised.inconclusive.ndjson'),
    );
    expect(samplesWanted(runWide, log.evidenceOfRun(), CONTEXT)).to.have.length(1);
    const elsewhere = fixture('randomness/fixtures/transaction-id-randomised.pass.ndjson')
      .queries(FIXTURE_DUT)
      .map(({ seq: _seq, phase: _phase, ...query }) => query);
    expect(samplesWanted(runWide, log.evidenceOfRun(elsewhere), CONTEXT)).to.deep.equal([]);
  });
});
