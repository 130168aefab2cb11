/**
 * Writes every check's fixtures: runs each recipe `suites/<topic>/<check>.fixtures.ts`
 * (found by path, lib/checks/check-fixtures.ts) and writes what it makes into the `fixtures/`
 * folder beside it, or under OUT_DIR at the same relative paths. Recipes are deterministic
 * (fixed clock, seeded PRNG, committed captures), so this reproduces the committed files byte
 * for byte; suites/fixtures-reproducible.spec.ts holds them to it.
 *
 * Usage: npm run fixtures   (npx tsx scripts/make-fixtures.ts [OUT_DIR])
 */
import { resolve } from 'node:path';
import { writeFixtures } from '../lib/checks/check-fixtures.ts';
import { SUITES_DIR } from '../lib/checks/discover.ts';

const outDir = resolve(process.argv[2] ?? SUITES_DIR);
const written = await writeFixtures(SUITES_DIR, outDir);
console.log(`${written.length} fixtures written under ${outDir}`);
