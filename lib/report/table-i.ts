/**
 * The paper's Table I row for one DUT (secure DNS, random source port, random TXID, query
 * consistency, modified-RR, forged-TTL and DoS resilience), with Recommendations #2
 * (resolver from DHCP only) and #6 (back-off) beside it, derived from the check results:
 * each check names its column in its metadata (`tableI`).
 */
import { TABLE_I_COLUMNS } from '../catalogue/table-i-columns.ts';
import type { TableICell, TableIColumn } from '../catalogue/table-i-columns.ts';
import type { CheckResult } from '../checks/check-types.ts';

export type { TableICell } from '../catalogue/table-i-columns.ts';
export type TableIRow = Record<TableIColumn, TableICell>;

/** The rule, printed in the report beside the row. */
export const TABLE_I_RULE =
  'A column is fail when any check feeding it FAILs, pass when none FAILs and at least one PASSes, ' +
  'otherwise not-assessed (INCONCLUSIVE, NOT_APPLICABLE, INFO or ERROR only, or no check run).';

/** Column headings as the paper prints them (Recommendations #2 and #6 named after it). */
export const TABLE_I_HEADINGS: Record<TableIColumn, string> = {
  secureDns: 'Secure DNS support',
  randomSourcePort: 'Random source port',
  randomTxid: 'Random transaction ID',
  queryConsistency: 'Query consistency',
  modifiedRrResilience: 'Modified RR resilience',
  forgedTtlResilience: 'Forged TTL resilience',
  dosResilience: 'DoS resilience',
  dhcpResolverOnly: 'DHCP resolver only (Rec #2)',
  backoff: 'Back-off (Rec #6)',
};

/** The row from results that carry their column (`tableI`). */
export function tableIRow(results: readonly Pick<CheckResult, 'verdict' | 'tableI'>[]): TableIRow {
  const row = {} as TableIRow;
  for (const column of TABLE_I_COLUMNS) {
    const verdicts = results.filter((r) => r.tableI === column).map((r) => r.verdict);
    row[column] = verdicts.includes('FAIL') ? 'fail' : verdicts.includes('PASS') ? 'pass' : 'not-assessed';
  }
  return row;
}
