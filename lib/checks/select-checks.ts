/**
 * `--checks`: which checks a run judges, by id (`validation/spoofed-answers-rejected`) or by
 * topic (`validation`, every check under `suites/validation/`). The experiments a plan runs
 * with `select: needed` follow from this selection.
 */
import type { LoadedCheck } from './check-types.ts';
import { BadInputError } from '../evidence/bad-input.ts';

/** A selection naming no check, or none at all. */
export class CheckSelectionError extends BadInputError {
  override name = 'CheckSelectionError';
}

/** The checks the comma-separated `selection` names, in their usual order; all without one. */
export function selectChecks(checks: readonly LoadedCheck[], selection: string | undefined): LoadedCheck[] {
  if (selection === undefined) return [...checks];
  const wanted = selection
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter((s) => s !== '');
  if (wanted.length === 0) throw new CheckSelectionError('--checks: names no check');
  const matches = (check: LoadedCheck, entry: string) => check.id === entry || check.id.startsWith(`${entry}/`);
  for (const entry of wanted) {
    if (!checks.some((check) => matches(check, entry))) {
      const topics = [...new Set(checks.map((c) => c.id.split('/')[0]!))].join(', ');
      throw new CheckSelectionError(
        `--checks: "${entry}" is neither a check id nor a topic (topics: ${topics}; \`dnsconform list\` shows the ids)`,
      );
    }
  }
  return checks.filter((check) => wanted.some((entry) => matches(check, entry)));
}

/** How the evidence was gathered: the harness observed the DUT (`run`, `demo`) or read imported captures (`analyze`). */
export type ScopeMode = 'run' | 'analyze';

/** What the run was asked to judge, as the command line gave it. */
export interface ScopeSelection {
  mode: ScopeMode;
  /** The `--checks` selection as given (ids or topics), or null when every check was selected. */
  checks: string | null;
  /** The plan the phases came from (`quick`, a plan file's name), or null (one window, or imported captures). */
  plan: string | null;
  /** How many checks the suites held when the run was judged. */
  available: number;
}
