/** Where a check's fixtures live, shared by the fixture spec and `dnsconform lint`. */
import { basename, dirname, join } from 'node:path';

/**
 * Fixture kinds, by the verdict they must produce: pass → PASS, fail → FAIL, inconclusive →
 * INCONCLUSIVE (too little evidence), info → INFO, not-assessed → INCONCLUSIVE saying the
 * evidence could not speak to the check at all (NOT_ASSESSED). No kind gives NOT_APPLICABLE:
 * only the ICS does.
 */
export const FIXTURE_KINDS = ['pass', 'fail', 'inconclusive', 'info', 'not-assessed'] as const;
export type FixtureKind = typeof FIXTURE_KINDS[number];

/** A check's fixture of one kind: `fixtures/<check basename>.<kind>.ndjson` beside the check file. */
export function fixtureOf(checkFile: string, kind: string): string {
  return join(dirname(checkFile), 'fixtures', `${basename(checkFile, '.check.ts')}.${kind}.ndjson`);
}
