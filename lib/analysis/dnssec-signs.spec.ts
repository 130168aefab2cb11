import { expect } from 'chai';
import { Evidence } from '../evidence/evidence.ts';
import { FIXTURE_DUT, FixtureRun } from '../../suites/fixture-events.ts';
import type { FixtureQuery } from '../../suites/fixture-events.ts';
import { dnssecSigns } from './dnssec-signs.ts';

const T0 = 1_800_000_000_000_000;
const noAnswer = null;

function run(queries: Omit<FixtureQuery, 't' | 'sourcePort' | 'txid'>[]): Evidence {
  const fixture = new FixtureRun('dnssec-signs', T0, T0 + 10_000_000);
  queries.forEach((q, i) =>
    fixture.exchange({ t: T0 + 100_000 * (i + 1), sourcePort: 40000 + i, txid: 100 + i, ...q }, noAnswer),
  );
  return new Evidence(fixture.events());
}

describe('analysis/dnssec-signs', () => {
  it('counts DO and CD, DNSKEY and DS queries, and names whose chain was asked', () => {
    const evidence = run([
      { name: 'sensor.lab.example', type: 'A', ednsUdpSize: 1232, dnssecOk: true, checkingDisabled: true },
      { name: 'lab.example', type: 'DNSKEY', ednsUdpSize: 1232, dnssecOk: true, checkingDisabled: true },
      { name: 'lab.example', type: 'DS', ednsUdpSize: 1232, dnssecOk: true },
      { name: 'other.test', type: 'A', ednsUdpSize: 1232 },
      { name: 'plain.test', type: 'AAAA', ednsUdpSize: null },
    ]);
    const signs = dnssecSigns(evidence, FIXTURE_DUT);
    expect(signs).to.deep.include({
      queries: 5,
      doQueries: 3,
      doShare: 0.6,
      cdQueries: 2,
      cdShare: 0.4,
      dnskeyQueries: 1,
      dsQueries: 1,
      namesUsed: 3,
      namesWithChainQueries: 1,
      encryptedQueries: 0,
    });
    expect(signs.chainNamesAsked).to.deep.equal(['lab.example']);
  });

  it('reports nothing for a plain stub, and counts encrypted queries', () => {
    const evidence = run([
      { name: 'a.test', type: 'A', ednsUdpSize: null },
      {
        name: 'b.test',
        type: 'A',
        ednsUdpSize: 1232,
        channel: { transport: 'dot', tls: { version: 'TLSv1.3', sni: 'resolver.lab', alpn: 'dot' } },
      },
    ]);
    const signs = dnssecSigns(evidence, FIXTURE_DUT);
    expect(signs).to.deep.include({
      queries: 2,
      doQueries: 0,
      cdQueries: 0,
      dnskeyQueries: 0,
      dsQueries: 0,
      namesWithChainQueries: 0,
      encryptedQueries: 1,
    });
    expect(dnssecSigns(evidence, 'someone-else').queries).to.equal(0);
  });
});
