import { expect } from 'chai';
import {
  entryDetails,
  formatBytes,
  formatDateTime,
  formatMeasurement,
  formatMicros,
  formatSeqs,
  measurementTable,
  tableIColumns,
} from './helpers.ts';

describe('report/html/helpers', () => {
  it('formats times in UTC, with sub-seconds only when asked', () => {
    expect(formatDateTime('2026-11-23T12:08:16.704Z')).to.equal('2026-11-23 12:08:16 UTC');
    expect(formatDateTime('2026-11-23T12:08:17.344407Z', true)).to.equal('2026-11-23 12:08:17.344407 UTC');
    expect(formatDateTime('not a date')).to.equal('not a date');
    expect(formatMicros(1_764_000_000_000_000)).to.equal('2025-11-24 16:00:00.000 UTC');
  });

  it('formats sizes, event lists and measurements', () => {
    expect([formatBytes(512), formatBytes(9000), formatBytes(1_500_000)]).to.deep.equal([
      '512 B',
      '8.8 KiB',
      '1.4 MiB',
    ]);
    expect(formatSeqs([4, 5], 2)).to.equal('4, 5');
    expect(formatSeqs([4, 5], 57)).to.equal('4, 5 (first 2 of 57)');
    expect(formatSeqs([], 0)).to.equal('none');
    expect([
      formatMeasurement(0.123456789),
      formatMeasurement(null),
      formatMeasurement([1, 2]),
      formatMeasurement({ a: 1, b: { c: 2 } }),
    ]).to.deep.equal(['0.123457', '—', '1, 2', 'a: 1; b: {"c":2}']);
  });

  it('turns a list of records into a table and leaves anything else alone', () => {
    expect(
      measurementTable([
        { name: 'a', n: 1 },
        { name: 'b', extra: true },
      ]),
    ).to.deep.equal({
      columns: ['name', 'n', 'extra'],
      rows: [
        ['a', '1', ''],
        ['b', '', 'true'],
      ],
    });
    expect(measurementTable([1, 2])).to.equal(null);
    expect(measurementTable([])).to.equal(null);
  });

  it("lays out the Table I row in the paper's column order with its marks", () => {
    const columns = tableIColumns({ secureDns: 'pass', randomSourcePort: 'fail', randomTxid: 'not-assessed' });
    expect(columns.slice(0, 3)).to.deep.equal([
      { heading: 'Secure DNS support', cell: 'pass', mark: '✓' },
      { heading: 'Random source port', cell: 'fail', mark: '✗' },
      { heading: 'Random transaction ID', cell: 'not-assessed', mark: '–' },
    ]);
    expect(columns).to.have.length(9);
  });

  it("lists an IXIT entry's fields beyond id and description, lists joined", () => {
    expect(
      entryDetails({
        id: 'ComMech-3',
        description: 'DNS stub',
        transports: ['udp', 'dot'],
        version: '2.1.3',
        other: undefined,
      }),
    ).to.deep.equal([
      { name: 'transports', value: 'udp, dot' },
      { name: 'version', value: '2.1.3' },
    ]);
    expect(entryDetails({ id: 'Intf-1', description: 'Wi-Fi' })).to.deep.equal([]);
  });
});
