/**
 * The paper's Table I vocabulary, shared by the catalogues (a recommendation's column and
 * severity), profiles (a simulated device's expected row), checks (the column a verdict
 * feeds) and reports (the row). It lives here, in the lowest stage that needs it.
 */

/** Severity after the paper's Table I (Critical / High / Medium), plus Low. */
export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** The paper's Table I columns, and Recommendations #2 and #6 beside them. */
export const TABLE_I_COLUMNS = [
  'secureDns',
  'randomSourcePort',
  'randomTxid',
  'queryConsistency',
  'modifiedRrResilience',
  'forgedTtlResilience',
  'dosResilience',
  'dhcpResolverOnly',
  'backoff',
] as const;
export type TableIColumn = (typeof TABLE_I_COLUMNS)[number];

/** One cell of a Table I row: ✓, ✗, or not assessed. */
export type TableICell = 'pass' | 'fail' | 'not-assessed';
