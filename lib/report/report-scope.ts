/**
 * The scope of a run (ISO/IEC 17025 §7.8.2.1 e, f): which checks it set out to judge, how
 * many of those its evidence could assess, and of how many the suites hold. A run that
 * judged a subset states so on page 1 and is never CONFORMANT (see `overall-verdict.ts`);
 * `verify --rejudge` re-applies the same selection.
 */
import { isNotAssessed } from '../checks/check-types.ts';
import type { NotAssessed } from '../checks/check-types.ts';
import type { Verdict } from '../checks/check-types.ts';
import type { ScopeSelection } from '../checks/select-checks.ts';
import type { ReportScope } from './report.generated.ts';

export type { ScopeMode, ScopeSelection } from '../checks/select-checks.ts';

/** The report's statement of scope (report.schema.json): the selection, and how many were selected and judged. */
export type { ReportScope } from './report.generated.ts';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The scope a run's results add up to, given what it was asked to judge. */
export function reportScope(
  selection: ScopeSelection,
  results: readonly { verdict: Verdict; notAssessed?: NotAssessed | undefined }[],
): ReportScope {
  const selected = results.length;
  const notAssessed = results.filter(isNotAssessed).length;
  const judged = selected - notAssessed;
  const complete = selection.checks === null && selected >= selection.available && notAssessed === 0;
  const reasons: string[] = [];
  if (selection.checks !== null)
    reasons.push(`${selection.available - selected} left out by --checks ${selection.checks}`);
  if (notAssessed > 0) {
    reasons.push(
      selection.mode === 'analyze'
        ? `${notAssessed} not assessed (an imported capture judges the passive checks only)`
        : `${notAssessed} not assessed (no phase of their experiments ran for this DUT${selection.plan === null ? ': the run had no plan' : ` in plan ${selection.plan}`}; each result says why)`,
    );
  }
  const statement = complete
    ? `All ${plural(selection.available, 'check')} of the suites judged.`
    : `${judged} of ${plural(selection.available, 'check')} judged: ${reasons.join('; ')}. The overall verdict cannot be CONFORMANT on a partial scope.`;
  return { ...selection, selected, judged, complete, statement };
}
