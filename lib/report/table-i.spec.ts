import { expect } from 'chai';
import { tableIRow } from './table-i.ts';

describe('report/table-i', () => {
  it('fails a column on any FAIL, passes it on a PASS without FAIL, else not-assessed', () => {
    const row = tableIRow([
      { verdict: 'PASS', tableI: 'randomTxid' },
      { verdict: 'PASS', tableI: 'modifiedRrResilience' },
      { verdict: 'FAIL', tableI: 'modifiedRrResilience' },
      { verdict: 'INCONCLUSIVE', tableI: 'dosResilience' },
      { verdict: 'INFO', tableI: 'secureDns' },
      { verdict: 'PASS', tableI: 'secureDns' },
      { verdict: 'FAIL' },
    ]);
    expect(row).to.deep.equal({
      secureDns: 'pass',
      randomSourcePort: 'not-assessed',
      randomTxid: 'pass',
      queryConsistency: 'not-assessed',
      modifiedRrResilience: 'fail',
      forgedTtlResilience: 'not-assessed',
      dosResilience: 'not-assessed',
      dhcpResolverOnly: 'not-assessed',
      backoff: 'not-assessed',
    });
  });
});
