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

  it('FAILs a DUT that keeps the old resolver past the deadline', () => {
    const outcome = judge(fixture('fail'));
    expect(outcome.verdict).to.equal('FAIL');
    expect(outcome.observed).to.match(
      /queries still went to the old resolver 127\.0\.10\.1 after the deadline \(0 to the new 127\.0\.10\.2\)/,
    );
  });
});
