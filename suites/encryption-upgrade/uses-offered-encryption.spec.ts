/**
 * The Recommendation #1 check's branches that its three fixtures do not reach: no
 * ddr-upgrade phase in the run, nothing encrypted to offer, and a DUT that tried the lab
 * certificate and gave up (capability shown, so not a FAIL).
 */
import { expect } from 'chai';
import { join } from 'node:path';
import type { CheckContext } from '../../lib/checks/check-types.ts';
import { Evidence } from '../../lib/evidence/evidence.ts';
import type { EvidenceEvent } from '../../lib/evidence/events.ts';
import { loadEvidence } from '../../lib/evidence/load-evidence.ts';
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT, FIXTURE_SERVER } from '../fixture-events.ts';
import check from './uses-offered-encryption.check.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const context = { dutId: FIXTURE_DUT, eventsFile: 'events.ndjson' } as CheckContext;
const fixture = (kind: string) => loadEvidence(join(FIXTURES, `uses-offered-encryption.${kind}.ndjson`));
const judge = (events: readonly EvidenceEvent[]) =>
  check.judge(new Evidence(events).forExperiments(check.meta.experiments), context);

describe('encryption-upgrade/uses-offered-encryption', () => {
  it('is not assessed (INCONCLUSIVE) when the run had no ddr-upgrade phase', () => {
    const baseline = loadEvidence(join(import.meta.dirname, '..', 'caching', 'fixtures', 'ttl-honoured.pass.ndjson'));
    const outcome = judge(baseline.events);
    expect(outcome.verdict).to.equal('INCONCLUSIVE');
    expect(outcome.observed).to.match(/^Not assessed: this run had 0 phases of the ddr-upgrade experiment/);
  });

  it('is INCONCLUSIVE when the resolver had no DoT or DoH listener to offer', () => {
    const events = fixture('fail').events.filter((e) => !(e.type === 'resolver.listen' && e.transport !== 'udp'));
    const outcome = judge(events);
    expect(outcome.verdict).to.equal('INCONCLUSIVE');
    expect(outcome.observed).to.match(/0 DoT\/DoH endpoints/);
  });

  it('is INCONCLUSIVE, not FAIL, when the DUT stayed on port 53 after a failed TLS handshake', () => {
    const events = [...fixture('fail').events];
    const ddrAnswer = events.find((e) => e.type === 'dns.response' && e.questions[0]?.type === 'SVCB')!;
    const failure: EvidenceEvent = {
      type: 'dns.malformed',
      seq: events.length + 1,
      t: ddrAnswer.t + 1000,
      dut: FIXTURE_DUT,
      phase: ddrAnswer.phase,
      transport: 'dot',
      client: { address: FIXTURE_CLIENT_ADDRESS, port: 41_999 },
      server: { ...FIXTURE_SERVER, port: 853 },
      size: 0,
      error: 'TLS handshake failed: tlsv1 alert unknown ca',
      answered: false,
      wire: '',
    };
    const outcome = judge([...events, failure]);
    expect(outcome.verdict).to.equal('INCONCLUSIVE');
    expect(outcome.observed).to.match(/failed 1 TLS handshakes/);
    expect(outcome.evidence[0]).to.include({ kind: 'events', count: 1 });
  });

  it('reports padding and TLS version on the pass fixture', () => {
    const outcome = judge(fixture('pass').events);
    expect(outcome.figures).to.deep.include({ paddedShare: 1, tlsVersions: ['TLSv1.3'], plainShare: 0 });
  });
});
