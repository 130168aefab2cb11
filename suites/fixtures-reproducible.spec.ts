/**
 * Every check's fixtures are stated once, as the recipe beside the check
 * (`<check>.fixtures.ts`): regenerating them all into a temporary folder (as
 * `npm run fixtures` does into suites/) gives the committed files byte for byte, every
 * committed fixture comes from a recipe, and every check has one. Regeneration takes about a
 * second (the runs are computed; two recorded captures are read, lib/capture).
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fixtureFiles, recipeFiles, RECIPE_FILE, writeFixtures } from '../lib/checks/check-fixtures.ts';
import { checkBaseName, discoverChecks, SUITES_DIR } from '../lib/checks/discover.ts';

describe('fixtures regenerate from their recipes', () => {
  let out: string;
  let written: string[];
  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'dnsconform-fixtures-'));
    written = await writeFixtures(SUITES_DIR, out);
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('regenerated fixtures equal the committed ones, byte for byte', () => {
    const differing = written.filter(
      (path) => !readFileSync(join(out, path)).equals(readFileSync(join(SUITES_DIR, path))),
    );
    expect(differing, 'fixtures whose recipe no longer makes the committed bytes').to.deep.equal([]);
  });

  it('every committed fixture is made by a recipe', () => {
    const committed = fixtureFiles(SUITES_DIR).map((file) => relative(SUITES_DIR, file));
    expect(
      committed.filter((path) => !written.includes(path)),
      'fixtures no recipe makes',
    ).to.deep.equal([]);
  });

  it('every check has its recipe beside it', async () => {
    const recipes = new Set(recipeFiles(SUITES_DIR).map((file) => file.replace(RECIPE_FILE, '')));
    const checks = await discoverChecks();
    expect(
      checks.filter((check) => !recipes.has(join(check.file, '..', checkBaseName(check.file)))).map((c) => c.id),
      'checks without a <name>.fixtures.ts',
    ).to.deep.equal([]);
  });
});
