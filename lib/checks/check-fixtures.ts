/** Where a check's fixtures live, shared by the fixture spec and `dnsconform lint`. */
import { basename, dirname, join } from 'node:path';

/** Fixture kinds, by the verdict they must produce: pass → PASS, not-applicable → NOT_APPLICABLE, ... */
export const FIXTURE_KINDS = ['pass', 'fail', 'inconclusive', 'info', 'not-applicable'] as const;
export type FixtureKind = typeof FIXTURE_KINDS[number];

/** A check's fixture of one kind: `fixtures/<check basename>.<kind>.ndjson` beside the check file. */
export function fixtureOf(checkFile: string, kind: string): string {
  return join(dirname(checkFile), 'fixtures', `${basename(checkFile, '.check.ts')}.${kind}.ndjson`);
}
