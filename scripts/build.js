#!/usr/bin/env node
/**
 * Builds dist/: lib/ and suites/ compiled to plain JavaScript (tsc with tsconfig.build.json,
 * without a type check: `npm run typecheck` does that), the files those modules read at run
 * time beside them (schemas, YAML, fixtures, templates, profiles, package.json), and last the
 * stamp that says what the build read (see lib/build/dist-build.ts).
 *
 *   node scripts/build.js [--force]
 *
 * Does nothing while dist/ is fresh, so `npm test` and scripts/setup.sh can call it every time.
 * Plain JavaScript because it runs before anything is compiled. The new tree is built beside
 * dist/ and swapped in whole, so a run that reads dist/ never sees half a build.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
/** Compiled, then their other files copied beside the JavaScript. */
const COMPILED = ['lib', 'suites'];
/** Copied as they are: the project files that modules find relative to their own folder. */
const COPIED = ['templates', 'profiles', 'package.json'];
/** Everything the output depends on: a change to any makes dist/ stale. */
const WATCHED = [...COMPILED, ...COPIED, 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.js'];

/** Why dist/ must be built, or null when it is fresh (judged by the last build's own code). */
async function staleness() {
  try {
    const { distStaleness } = await import(join(DIST, 'lib', 'build', 'dist-build.js'));
    return distStaleness(ROOT);
  } catch {
    return 'dist/ is not built';
  }
}

const force = process.argv.includes('--force');
const why = force ? 'asked to (--force)' : await staleness();
if (why === null) process.exit(0);

const started = Date.now();
const next = mkdtempSync(join(ROOT, 'dist.building-'));
const fail = (message) => {
  rmSync(next, { recursive: true, force: true });
  console.error(`build: ${message}`);
  process.exit(1);
};
const tsc = spawnSync(
  process.execPath,
  [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', next],
  { cwd: ROOT, encoding: 'utf8' },
);
if (tsc.status !== 0)
  fail(`tsc -p tsconfig.build.json failed (exit ${tsc.status ?? tsc.signal}):\n${tsc.stdout}${tsc.stderr}`);
for (const folder of COMPILED) {
  cpSync(join(ROOT, folder), join(next, folder), { recursive: true, filter: (source) => !source.endsWith('.ts') });
}
for (const path of COPIED) cpSync(join(ROOT, path), join(next, path), { recursive: true });
writeFileSync(
  join(next, 'build-stamp.json'),
  `${JSON.stringify({ startedAtMs: started, watched: WATCHED }, null, 2)}\n`,
);

// Swap in whole: the old tree moves aside first (a folder cannot be renamed over a full one).
const old = existsSync(DIST) ? `${next}.old` : null;
if (old) renameSync(DIST, old);
renameSync(next, DIST);
if (old) rmSync(old, { recursive: true, force: true });
console.error(`build: dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s (${why})`);
