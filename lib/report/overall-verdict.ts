/**
 * The report's conformity decision rule (ISO/IEC 17025 §7.8.6): how the check verdicts
 * add up to one statement. Kept in one place so the report that states the rule and the
 * validator that re-applies it cannot drift apart.
 */
import { VERDICTS } from '../checks/check-types.ts';
import type { Verdict } from '../checks/check-types.ts';
import type { OverallVerdict } from './report-types.ts';

/** The rule as the report states it. */
export const OVERALL_DECISION_RULE =
  'NOT_CONFORMANT if any check result is FAIL; otherwise INCOMPLETE if any is INCONCLUSIVE or ERROR, ' +
  'or if no check PASSed, or if the run judged fewer checks than the suites hold (its scope is partial: --checks, ' +
  'checks not assessed); otherwise CONFORMANT. INFO and NOT_APPLICABLE results, and results of checks whose keyword is MAY ' +
  '(optional behaviour: reported, never required), do not count towards the statement. ' +
  'Each result follows its own decision rule, stated beside it. Laboratory assessments of clauses no check tests ' +
  'are listed apart and do not count towards the statement.';

/** How many results have each verdict; every verdict is present, zero included. */
export function countVerdicts(verdicts: readonly Verdict[]): Record<Verdict, number> {
  const summary = Object.fromEntries(VERDICTS.map((v) => [v, 0])) as Record<Verdict, number>;
  for (const verdict of verdicts) summary[verdict] += 1;
  return summary;
}

/** The verdicts that count towards the statement: every result but those of MAY checks. */
export function countedVerdicts(results: readonly { verdict: Verdict; keyword: string }[]): Verdict[] {
  return results.filter((r) => r.keyword !== 'MAY').map((r) => r.verdict);
}

/**
 * Applies {@link OVERALL_DECISION_RULE} to the counted verdicts ({@link countedVerdicts});
 * `completeScope`: whether the run judged every check of the suites (`ReportScope.complete`).
 */
export function overallVerdict(verdicts: readonly Verdict[], completeScope: boolean): OverallVerdict {
  if (verdicts.includes('FAIL')) return 'NOT_CONFORMANT';
  // Conformance is shown by passing checks, never by the absence of results nor on a subset of the checks.
  if (verdicts.includes('INCONCLUSIVE') || verdicts.includes('ERROR') || !verdicts.includes('PASS') || !completeScope)
    return 'INCOMPLETE';
  return 'CONFORMANT';
}
