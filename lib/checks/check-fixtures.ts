/**
 * A check's fixtures: where they live, the verdict each kind must produce, and which a check
 * must have. Shared by the fixture spec (which judges them) and `dnsconform lint` (which
 * reports missing and orphaned ones), so the two cannot hold different rules.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkBaseName } from './discover.ts';
import type { Verdict } from './check-types.ts';

/**
 * Fixture kinds, by the verdict they must produce: inconclusive is too little evidence,
 * not-assessed an INCONCLUSIVE saying the evidence could not speak to the check at all
 * (NOT_ASSESSED). No kind gives NOT_APPLICABLE: only the ICS does.
 */
export const FIXTURE_VERDICTS = {
  pass: 'PASS',
  fail: 'FAIL',
  inconclusive: 'INCONCLUSIVE',
  info: 'INFO',
  'not-assessed': 'INCONCLUSIVE',
} as const satisfies Record<string, Verdict>;
export type FixtureKind = keyof typeof FIXTURE_VERDICTS;
export const FIXTURE_KINDS = Object.keys(FIXTURE_VERDICTS) as FixtureKind[];

/** A check's fixture of one kind: `fixtures/<check basename>.<kind>.ndjson` beside the check file. */
export function fixtureOf(checkFile: string, kind: string): string {
  return join(dirname(checkFile), 'fixtures', `${checkBaseName(checkFile)}.${kind}.ndjson`);
}

/**
 * Every fixture of one kind a check has: the one {@link fixtureOf} names, if it exists, and
 * variants beside it, `fixtures/<check basename>.<kind>.<variant>.ndjson` (a variant is
 * more evidence of the same kind, e.g. a real stub's recorded traffic), sorted.
 */
export function fixturesOf(checkFile: string, kind: string): string[] {
  const main = fixtureOf(checkFile, kind);
  const dir = dirname(main);
  if (!existsSync(dir)) return [];
  const prefix = `${checkBaseName(checkFile)}.${kind}.`;
  return readdirSync(dir)
    .filter(
      (name) =>
        name === basename(main) ||
        (name.startsWith(prefix) && /^[a-z0-9][a-z0-9-]*\.ndjson$/.test(name.slice(prefix.length))),
    )
    .sort()
    .map((name) => join(dir, name));
}

/**
 * The kinds a check must have: pass, fail and inconclusive (too little evidence). An
 * observation check (its verdict is INFO) shows itself by an info fixture, which takes the
 * place of pass and fail.
 */
export function requiredFixtureKinds(checkFile: string): FixtureKind[] {
  return existsSync(fixtureOf(checkFile, 'info')) ? ['inconclusive'] : ['pass', 'fail', 'inconclusive'];
}

/** Every fixture file under a suites folder (`.ndjson` files in a `fixtures/` folder), sorted. */
export function fixtureFiles(suitesDir: string): string[] {
  return readdirSync(suitesDir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ndjson') && path.split(/[\\/]/).includes('fixtures'))
    .sort()
    .map((path) => join(suitesDir, path));
}

/**
 * A check's fixture recipe: `<check basename>.fixtures.ts` beside the check, whose default
 * export makes its fixtures: file suffix (`pass`, `fail.bad-stub`) → a run (anything with
 * `ndjson()`) or the text itself. Found by path like the checks: nothing to register.
 */
export const RECIPE_FILE = /\.fixtures\.[jt]s$/;

/** What a recipe's default export returns. */
export type FixtureRecipeOutput = Record<string, { ndjson(): string } | string>;

/** Every fixture recipe file under a suites folder, sorted. */
export function recipeFiles(suitesDir: string): string[] {
  return readdirSync(suitesDir, { recursive: true, encoding: 'utf8' })
    .filter((path) => RECIPE_FILE.test(path) && !path.split(/[\\/]/).includes('node_modules'))
    .sort()
    .map((path) => join(suitesDir, path));
}

/**
 * Runs every recipe under `suitesDir` and returns the fixtures it makes, by path relative to
 * `suitesDir` (`caching/fixtures/ttl-honoured.pass.ndjson`), in recipe order. Two recipes
 * making the same file is a defect (the second would silently win), so it throws.
 */
export async function makeFixtures(suitesDir: string): Promise<Map<string, string>> {
  const made = new Map<string, string>();
  for (const file of recipeFiles(suitesDir)) {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    if (typeof module.default !== 'function') throw new Error(`${file}: the default export is not a fixture recipe`);
    const output = await (module.default as () => FixtureRecipeOutput | Promise<FixtureRecipeOutput>)();
    const base = basename(file).replace(RECIPE_FILE, '');
    for (const [suffix, fixture] of Object.entries(output)) {
      const path = relative(suitesDir, join(dirname(file), 'fixtures', `${base}.${suffix}.ndjson`));
      if (made.has(path)) throw new Error(`${file}: ${path} is made by another recipe too`);
      made.set(path, typeof fixture === 'string' ? fixture : fixture.ndjson());
    }
  }
  return made;
}

/**
 * Makes every fixture of the recipes under `suitesDir` and writes each into `outDir` at its
 * path relative to `suitesDir` (`outDir` = `suitesDir` rewrites the committed ones); returns
 * the paths written, relative, in recipe order.
 */
export async function writeFixtures(suitesDir: string, outDir: string = suitesDir): Promise<string[]> {
  const made = await makeFixtures(suitesDir);
  for (const [path, text] of made) {
    const file = join(outDir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return [...made.keys()];
}
