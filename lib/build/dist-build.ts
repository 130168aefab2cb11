/**
 * dist/: lib/ and suites/ compiled to plain JavaScript by `scripts/build.js`, with the files
 * they read at run time copied beside them. Every module runs either from its TypeScript
 * source (under tsx: specs, benches) or from its compiled twin in dist/ (the command line),
 * and a program started from either side runs its twin whenever dist/ is fresh: node starts
 * plain JavaScript in about 0.05 s where tsx spends 1–3 s compiling at every launch, and a
 * fleet of simulated devices multiplies that.
 *
 * Fresh means no file under the paths the build watched (it lists them in its stamp) changed
 * since the build began, so a stale dist/ is never run: the source runs instead, just slower.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = fileURLToPath(import.meta.url);

/** True when this process runs the compiled JavaScript of dist/, not the TypeScript sources. */
export const RUNNING_COMPILED: boolean = HERE.endsWith('.js');

/** The extension of the project's own modules in this process: `.js` in dist/, `.ts` from source. */
export const MODULE_EXTENSION: '.js' | '.ts' = RUNNING_COMPILED ? '.js' : '.ts';

/** The project's folder (where package.json and lib/ are), whichever side this module runs from. */
export const PROJECT_ROOT: string = resolve(dirname(HERE), '..', '..', ...(RUNNING_COMPILED ? ['..'] : []));

/** Where the build writes the compiled twin of the project. */
export const DIST_DIR: string = join(PROJECT_ROOT, 'dist');

/** What the build writes last: when it began, and which project paths its output depends on. */
export const BUILD_STAMP: string = join(DIST_DIR, 'build-stamp.json');

/** The contents of {@link BUILD_STAMP}. */
export interface BuildStamp {
  /** When the build began (ms since the epoch): a watched file changed later makes dist/ stale. */
  startedAtMs: number;
  /** Paths relative to the project folder (files or folders, walked whole) that the build read. */
  watched: string[];
}

/** The first watched file or folder changed after the build began, or null when none did. */
function changedSince(root: string, stamp: BuildStamp): string | null {
  for (const path of stamp.watched) {
    const top = join(root, path);
    if (!existsSync(top)) return path;
    const info = statSync(top);
    if (info.mtimeMs > stamp.startedAtMs) return path;
    if (!info.isDirectory()) continue;
    // A folder's own time changes when an entry is added, removed or renamed in it.
    for (const entry of readdirSync(top, { recursive: true, withFileTypes: true })) {
      const file = join(entry.parentPath, entry.name);
      if (statSync(file).mtimeMs > stamp.startedAtMs) return relative(root, file);
    }
  }
  return null;
}

/** Why dist/ cannot be run (missing, or a source newer than the build), or null when it is fresh. */
export function distStaleness(root: string = PROJECT_ROOT): string | null {
  const stampFile = join(root, 'dist', 'build-stamp.json');
  if (!existsSync(stampFile)) return 'dist/ is not built';
  let stamp: BuildStamp;
  try {
    stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as BuildStamp;
  } catch {
    return `${relative(root, stampFile)} is unreadable`;
  }
  if (typeof stamp.startedAtMs !== 'number' || !Array.isArray(stamp.watched))
    return `${relative(root, stampFile)} is not a build stamp`;
  const changed = changedSince(root, stamp);
  return changed === null ? null : `${changed} changed after dist/ was built`;
}

let freshness: boolean | undefined;

/** Whether dist/ is fresh, decided once per process (a walk of about 800 files). */
export function distIsFresh(): boolean {
  freshness ??= distStaleness() === null;
  return freshness;
}

/**
 * tsx's loader as a file URL, so `--import` finds it whatever the child's directory.
 * (createRequire rather than import.meta.resolve: the latter is missing when tsx loads
 * this module as CommonJS, as mocha does.)
 */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

/**
 * The node arguments that run one of the project's programs, named by its source path under
 * the project folder (`lib/dut/simulated-device.ts`): its compiled twin when dist/ is fresh,
 * else the source through tsx's loader.
 */
export function programArguments(sourcePath: string): string[] {
  if (RUNNING_COMPILED || distIsFresh()) return [join(DIST_DIR, sourcePath.replace(/\.ts$/, '.js'))];
  return ['--import', tsxLoader(), join(PROJECT_ROOT, sourcePath)];
}

let typeScriptLoader: Promise<void> | undefined;

/**
 * Lets a compiled process import TypeScript files that are not the project's own (a lab's
 * suites folder of `*.check.ts`), by registering tsx once; a no-op when running from source.
 */
export function loadTypeScriptModules(): Promise<void> {
  if (!RUNNING_COMPILED) return Promise.resolve();
  typeScriptLoader ??= import('tsx/esm/api').then(({ register }) => {
    register();
  });
  return typeScriptLoader;
}
