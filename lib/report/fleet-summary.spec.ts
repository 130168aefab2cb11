import { expect } from 'chai';
import type { Profile } from '../profile/profile-types.ts';
import { renderFleetSummaryHtml } from './fleet-documents.ts';
import { fleetRow, renderFleetSummary } from './fleet-summary.ts';
import type { Report } from './report-types.ts';
import type { TableIRow } from './table-i.ts';

const row: TableIRow = {
  secureDns: 'fail',
  randomSourcePort: 'fail',
  randomTxid: 'pass',
  queryConsistency: 'pass',
  modifiedRrResilience: 'fail',
  forgedTtlResilience: 'pass',
  dosResilience: 'fail',
  dhcpResolverOnly: 'pass',
  backoff: 'not-assessed',
};

/** The parts of a report the summary reads. */
function report(id: string, tableI: TableIRow, portStdev: number, txidStdev: number): Report {
  return {
    dut: { id },
    tableI: { ...tableI, rule: 'the rule' },
    results: [
      { check: 'randomness/source-port-randomised', figures: { n: 80, stdev: portStdev } },
      { check: 'randomness/transaction-id-randomised', figures: { n: 80, stdev: txidStdev } },
    ],
  } as unknown as Report;
}

function profile(paper: Profile['paper']): Profile {
  return { paper } as Profile;
}

describe('report/fleet-summary', () => {
  it("sets each device's derived row beside its profile's and each σ's DNS-OARC class beside the paper's", () => {
    const same = fleetRow(
      report('cosori', row, 0, 19000),
      profile({
        name: 'Cosori Airfrier CS158',
        section: '§V.A.2',
        sigma: { sourcePort: 0 },
        tableI: { ...row, backoff: 'not-assessed' },
      }),
      'run-1',
    );
    expect(same).to.deep.include({
      device: 'cosori',
      paperName: 'Cosori Airfrier CS158',
      tableI: row,
      differences: [],
      runDir: 'run-1',
    });
    expect(same.tableI).to.not.have.property('rule');
    expect(same.sigma.sourcePort).to.deep.equal({
      run: 0,
      runClass: 'POOR',
      paper: 0,
      paperClass: 'POOR',
      sameClass: true,
    });
    expect(same.sigma.txid).to.deep.equal({
      run: 19000,
      runClass: 'GREAT',
      paper: null,
      paperClass: null,
      sameClass: null,
    });

    const other = fleetRow(
      report('lg', { ...row, randomTxid: 'fail' }, 3500, 19000),
      profile({ name: 'LG Television', section: '§V.A.2', sigma: { sourcePort: 4918.44 }, tableI: { ...row } }),
      'run-2',
    );
    expect(other.differences).to.deep.equal(['randomTxid']);
    expect(other.sigma.sourcePort).to.include({ runClass: 'GOOD', paperClass: 'GREAT', sameClass: false });

    const none = fleetRow(report('sim-good', row, 18000, 18000), profile(undefined), 'run-3');
    expect(none).to.include({ paperName: null, expected: null });
    expect(none.differences).to.deep.equal([]);

    const text = renderFleetSummary([same, other, none]);
    expect(text).to.match(/Cosori Airfrier CS158\s+✗\s+✗\s+✓\s+✓\s+✗\s+✓\s+✗\s+│\s+✓\s+–\s+= paper/);
    expect(text).to.match(/LG Television .*≠ paper: TXID ✗ \(paper ✓\)/);
    expect(text).to.match(/sim-good .*\(no paper row\)/);
    expect(text).to.match(/1 of 2 rows equal the paper's/);
    expect(text).to.match(/1 of 2 σ values in the paper's DNS-OARC class/);
    expect(text).to.match(/3500\.0 GOOD \/ paper 4918\.44 GREAT {2}≠ class/);

    const html = renderFleetSummaryHtml([same, other, none], {
      generatedAt: '2026-11-23T12:00:00.000Z',
      plan: 'quick',
      windowSeconds: 4,
    });
    expect(html)
      .to.match(/1 of 2 rows equal the paper's/)
      .and.match(/every phase 4 s/);
    expect(html.match(/class="cell [a-z-]+ differs/g), 'only the differing cell is marked').to.have.length(1);
    expect(html)
      .to.include('LG Television')
      .and.include('paper ✓')
      .and.include('3500.0 GOOD')
      .and.include('4918.44 GREAT (other class)');
    expect(html).to.include('class="overall not-conformant"').and.not.include('<script');
  });
});
