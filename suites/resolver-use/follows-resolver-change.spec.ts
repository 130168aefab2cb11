/**
 * The resolver-change check beyond its fixtures: a resolver of the DUT's own FAILs however
 * well it follows DHCP otherwise, and the PASS says when the DUT was told and moved.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { CheckContext } from '../../lib/checks/check-types.ts';
import { Evidence } from '../../lib/evidence/evidence.ts';
import type { EvidenceEvent } from '../../lib/evidence/events.ts';
import { loadEvidence } from '../../lib/evidence/load-evidence.ts';
import { parseProfile } from '../../lib/profile/load-profile.ts';
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT, FIXTURE_SERVER } from '../fixture-events.ts';
import check from './follows-resolver-change.check.ts';

const profile = parseProfile(
  JSON.stringify({
    profileVersion: 1,
    dut: { id: FIXTURE_DUT, vendor: 'dnsconform fixtures', model: 'Fixture stub', addresses: [FIXTURE_CLIENT_ADDRESS] },
    device: { kind: 'lab' },
    resolver: { listen: [{ transport: 'udp', ...FIXTURE_SERVER }] },
    zone: [],
  }),
  'resolver-change spec profile',
);
const context: CheckContext = { dutId: FIXTURE_DUT, profile, eventsFile: 'events.ndjson' };
const fixture = (kind: string) =>
  loadEvidence(join(import.meta.dirname, 'fixtures', `follows-resolver-change.${kind}.ndjson`));
const judge = (evidence: Evidence) => check.judge(evidence.forExperiments(check.meta.experiments), context);

describe('resolver-use/follows-resolver-change', () => {
  it('PASSes a DUT that moved after its renewal, saying when it was told and the deadline', () => {
    const outcome = judge(fixture('pass'));
    expect(outcome.verdict).to.equal('PASS');
    expect(outcome.observed).to.match(/went to the new resolver 127\.0\.10\.2, the first [\d.]+ s after the change/);
    expect(outcome.observed).to.match(
      /told at its renewal 60 s after the change \(option 6: 127\.0\.10\.2\); the deadline is 75 s after the change \(longest TTL held 10 s \+ 5 s grace\)/,
    );
    expect(outcome.figures['toldByRenewal']).to.equal(true);
  });

  it('FAILs a DUT that also asks a resolver of its own, naming it', () => {
    const events = fixture('pass').ofType(
      'dns.query',
      'dns.response',
      'phase.start',
      'phase.end',
      'run.start',
      'run.end',
      'dhcp.lease',
      'dhcp.resolver-change',
    );
    const own = events.map(
      (e): EvidenceEvent =>
        e.type === 'dns.query' && e.seq === events.find((q) => q.type === 'dns.query')!.seq
          ? { ...e, server: { address: '127.0.10.53', port: 53 } }
          : e,
    );
    const outcome = judge(new Evidence(own.sort((a, b) => a.seq - b.seq)));
    expect(outcome.verdict).to.equal('FAIL');
    expect(outcome.observed).to.match(/^Queries to a resolver the network did not assign: 1 to 127\.0\.10\.53/);
  });

  it('FAILs a DUT that keeps the old resolver past the deadline, settled at once', () => {
    const outcome = judge(fixture('fail'));
    expect(outcome.verdict).to.equal('FAIL');
    expect(outcome.settled).to.equal(true);
    expect(outcome.observed).to.match(
      /queries still went to the old resolver 127\.0\.10\.1 after the deadline \(0 to the new 127\.0\.10\.2\)/,
    );
  });

  describe('early stop', () => {
    /** The pass fixture's events, cut before `seq`, with its phase still open. */
    const upTo = (seq: number) =>
      new Evidence(fixture('pass').events.filter((e) => e.seq < seq && e.type !== 'phase.end' && e.type !== 'run.end'));

    it('settles a PASS once every question of the phase was asked again after the deadline', () => {
      const outcome = judge(fixture('pass'));
      expect(outcome).to.include({ verdict: 'PASS', settled: true });
    });

    it('does not settle a PASS so far before the deadline (the DUT may still ask the old resolver)', () => {
      // The first query to the new resolver (64.7 s after the change) is before the 75 s deadline.
      const outcome = judge(upTo(17));
      expect(outcome.verdict).to.equal('PASS');
      expect(outcome.settled).to.equal(false);
    });

    it('does not wait for a question asked once, of the new resolver, before the deadline (DDR discovery)', () => {
      const events = fixture('pass').events.map(
        (e): EvidenceEvent =>
          e.type === 'dns.query' && e.seq === 15
            ? { ...e, questions: [{ name: '_dns.resolver.arpa', type: 'SVCB', class: 'IN' }] }
            : e,
      );
      expect(judge(new Evidence(events))).to.include({ verdict: 'PASS', settled: true });
    });

    it('does not settle a PASS while a question last asked of the old resolver before the deadline was not asked again', () => {
      const events = fixture('pass').events.map(
        (e): EvidenceEvent =>
          e.type === 'dns.query' && e.seq === 4
            ? { ...e, questions: [{ ...e.questions[0]!, name: 'other.fixture.example' }] }
            : e,
      );
      const outcome = judge(new Evidence(events));
      expect(outcome.verdict).to.equal('PASS');
      expect(outcome.settled).to.equal(false);
    });
  });
});
