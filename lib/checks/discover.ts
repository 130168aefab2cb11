/**
 * Finds the checks: every `*.check.ts` under `suites/` (`*.check.js` in its compiled twin in
 * dist/), no registry. A check's id is its
 * path, and its metadata is validated against `check-meta.schema.json` when it is loaded,
 * so a report can never print a check whose clauses or decision rule are malformed.
 */
import { readdirSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ErrorObject } from 'ajv';
import { loadTypeScriptModules } from '../build/dist-build.ts';
import type { CheckDefinition, CheckMeta, LoadedCheck } from './check-types.ts';
import { precompiled } from '../input/yaml-input.ts';
import validateCheckMeta from './check-meta.validator.generated.ts';

/** The project's `suites/` folder. */
export const SUITES_DIR: string = fileURLToPath(new URL('../../suites', import.meta.url));

/** File name ending that marks a check: TypeScript, or JavaScript as dist/ holds them. */
export const CHECK_FILE = /\.check\.[jt]s$/;

/** A check file's name without the ending that marks it (`ttl-honoured`). */
export function checkBaseName(file: string): string {
  return basename(file).replace(CHECK_FILE, '');
}

/** Check ids as the report schema accepts them: lower-case path segments. */
const CHECK_ID = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)*$/;

/** A check file that cannot be used, with where in its default export the problem is. */
export class CheckLoadError extends Error {
  constructor(
    readonly file: string,
    /** JSON pointer into the default export (`/meta/covers/paper/0`); empty for the whole file. */
    readonly pointer: string,
    readonly problem: string,
  ) {
    super(`${file}: invalid check${pointer ? ` at ${pointer}` : ''}: ${problem}`);
    this.name = 'CheckLoadError';
  }
}

const validateMeta = precompiled<CheckMeta>(validateCheckMeta);

/** One schema error as a pointer into the check's default export and a message. */
function locate(error: ErrorObject): { pointer: string; message: string } {
  const params = error.params as Record<string, unknown>;
  const member = params.missingProperty ?? params.additionalProperty;
  const pointer = `/meta${error.instancePath}${member === undefined ? '' : `/${String(member).replaceAll('~', '~0').replaceAll('/', '~1')}`}`;
  const allowed = error.keyword === 'enum' ? ` (${(params.allowedValues as unknown[]).join(', ')})` : '';
  const message =
    error.keyword === 'additionalProperties'
      ? 'is not a metadata field'
      : `${error.message ?? error.keyword}${allowed}`;
  return { pointer, message };
}

/** The id a check file's path gives it: its path under `suitesDir`, POSIX separators, no suffix. */
export function checkIdOf(file: string, suitesDir: string = SUITES_DIR): string {
  const path = relative(suitesDir, file);
  if (path.startsWith('..') || isAbsolute(path) || !CHECK_FILE.test(path)) {
    throw new CheckLoadError(file, '', `not a .check.ts file under ${suitesDir}`);
  }
  return path.replace(CHECK_FILE, '').split(sep).join('/');
}

/** Imports one check file and validates what it exports. */
export async function loadCheck(file: string, suitesDir: string = SUITES_DIR): Promise<LoadedCheck> {
  const absolute = resolve(file);
  const id = checkIdOf(absolute, resolve(suitesDir));
  if (!CHECK_ID.test(id))
    throw new CheckLoadError(absolute, '', `id "${id}" from its path must be lower-case segments of [a-z0-9._-]`);
  // A lab's own suites are TypeScript even when the harness runs compiled.
  if (absolute.endsWith('.ts')) await loadTypeScriptModules();
  const module = (await import(pathToFileURL(absolute).href)) as { default?: Partial<CheckDefinition> };
  const definition = module.default;
  if (typeof definition !== 'object' || definition === null)
    throw new CheckLoadError(absolute, '', 'has no default export (export default defineCheck({ meta, judge }))');
  if (typeof definition.judge !== 'function')
    throw new CheckLoadError(absolute, '/judge', 'must be a function (evidence, context) => outcome');
  if (!validateMeta(definition.meta)) {
    const problems = (validateMeta.errors ?? []).map(locate);
    const first = problems[0] ?? { pointer: '/meta', message: 'is invalid' };
    const rest = problems
      .slice(1)
      .map((p) => `; ${p.pointer}: ${p.message}`)
      .join('');
    throw new CheckLoadError(absolute, first.pointer, `${first.message}${rest}`);
  }
  return { id, file: absolute, meta: definition.meta, judge: definition.judge.bind(definition) };
}

/** Every check file under `suitesDir`, absolute, in path order. */
export function checkFiles(suitesDir: string = SUITES_DIR): string[] {
  const root = resolve(suitesDir);
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((path) => CHECK_FILE.test(path))
    .sort()
    .map((path) => join(root, path));
}

/** Every check under `suitesDir` (default: the project's `suites/`), sorted by id. */
export async function discoverChecks(suitesDir: string = SUITES_DIR): Promise<LoadedCheck[]> {
  const root = resolve(suitesDir);
  const checks = await Promise.all(checkFiles(root).map((file) => loadCheck(file, root)));
  return checks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
