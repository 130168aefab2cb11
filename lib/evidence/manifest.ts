/**
 * Digests of the files of a run directory, and the manifest that lists them so a
 * regulator can tell that no evidence was changed, removed or added after the run.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** A file's SHA-256 (lower-case hex) and size. */
export interface FileDigest {
  sha256: string;
  bytes: number;
}

/** One manifest entry. */
export interface ManifestEntry extends FileDigest {
  /** Relative POSIX path inside the run directory. */
  file: string;
}

/** The content of `manifest.json`. */
export interface Manifest {
  manifestVersion: 1;
  algorithm: 'sha256';
  /** Files deliberately left out (the manifest itself and its signature), so they are not "unexpected". */
  excluded: string[];
  /** Every other file of the run directory, sorted by path. */
  files: ManifestEntry[];
}

/** What is wrong with one file against a manifest. */
export interface ManifestProblem {
  file: string;
  kind: 'changed' | 'missing' | 'unexpected' | 'unreadable';
  /** One line a person can act on. */
  detail: string;
}

const CHUNK_BYTES = 1 << 20;

/** Hashes a file in chunks, so a large capture does not have to fit in memory. */
export function hashFile(path: string): FileDigest {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(CHUNK_BYTES);
  const fd = openSync(path, 'r');
  let bytes = 0;
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
      hash.update(buffer.subarray(0, n));
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/**
 * Every file under `runDir` as relative POSIX paths, sorted by code unit. Symbolic links
 * are listed (not followed into) so that one planted in a bundle is seen.
 */
export function listRunFiles(runDir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(runDir, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk('');
  return files.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Digests of the listed run files; `hash` lets a caller reuse digests it already has. */
export function digestFiles(
  runDir: string,
  files: readonly string[],
  hash: (path: string) => FileDigest = hashFile,
): ManifestEntry[] {
  return files.map((file) => ({ file, ...hash(join(runDir, file)) }));
}

/** The manifest of every file of `runDir` except those in `exclude`; `hash` as for {@link digestFiles}. */
export function buildManifest(
  runDir: string,
  exclude: readonly string[],
  hash: (path: string) => FileDigest = hashFile,
): Manifest {
  const excluded = [...exclude].sort();
  const files = listRunFiles(runDir).filter((file) => !excluded.includes(file));
  return { manifestVersion: 1, algorithm: 'sha256', excluded, files: digestFiles(runDir, files, hash) };
}

/**
 * Compares `runDir` with a manifest: changed, missing and unexpected files, sorted by path.
 * `hash` lets a caller that digests the same files for other checks reuse its digests.
 */
export function checkManifest(
  runDir: string,
  manifest: Manifest,
  hash: (path: string) => FileDigest = hashFile,
): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const listed = new Set(manifest.files.map((entry) => entry.file));
  for (const entry of manifest.files) {
    const path = join(runDir, entry.file);
    if (!existsSync(path)) {
      problems.push({
        file: entry.file,
        kind: 'missing',
        detail: 'listed in the manifest but not in the run directory',
      });
      continue;
    }
    let actual: FileDigest;
    try {
      actual = hash(path);
    } catch (error) {
      problems.push({ file: entry.file, kind: 'unreadable', detail: `cannot be read (${(error as Error).message})` });
      continue;
    }
    if (actual.sha256 !== entry.sha256 || actual.bytes !== entry.bytes) {
      problems.push({
        file: entry.file,
        kind: 'changed',
        detail:
          `content differs from the manifest (sha256 ${actual.sha256}, ${actual.bytes} bytes; ` +
          `manifest says ${entry.sha256}, ${entry.bytes} bytes)`,
      });
    }
  }
  for (const file of listRunFiles(runDir)) {
    if (!listed.has(file) && !manifest.excluded.includes(file)) {
      problems.push({ file, kind: 'unexpected', detail: 'in the run directory but not listed in the manifest' });
    }
  }
  return problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** A manifest file that is not a manifest, with where. */
export class ManifestFormatError extends Error {
  constructor(
    readonly file: string,
    readonly pointer: string,
    readonly problem: string,
  ) {
    super(`${file}: ${pointer || '/'}: ${problem}`);
    this.name = 'ManifestFormatError';
  }
}

/** Whether a path stays inside the run directory: relative, POSIX, no `.` or `..` segments. */
export function isRunRelativePath(path: string): boolean {
  return (
    path !== '' &&
    !path.startsWith('/') &&
    !path.includes('\\') &&
    path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
  );
}

/** Parses the text of `manifest.json`; `file` names it in errors. */
export function parseManifest(text: string, file: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ManifestFormatError(file, '', `not JSON (${(error as Error).message})`);
  }
  const fail = (pointer: string, problem: string): never => {
    throw new ManifestFormatError(file, pointer, problem);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('', 'is not an object');
  const manifest = value as Record<string, unknown>;
  if (manifest.manifestVersion !== 1) fail('/manifestVersion', 'must be 1');
  if (manifest.algorithm !== 'sha256') fail('/algorithm', 'must be "sha256"');
  const pathList = (pointer: string, list: unknown): void => {
    if (!Array.isArray(list)) fail(pointer, 'must be an array');
  };
  pathList('/excluded', manifest.excluded);
  pathList('/files', manifest.files);
  (manifest.excluded as unknown[]).forEach((path, i) => {
    if (typeof path !== 'string' || !isRunRelativePath(path))
      fail(`/excluded/${i}`, 'must be a relative path inside the run directory');
  });
  (manifest.files as unknown[]).forEach((entry, i) => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof e.file !== 'string' || !isRunRelativePath(e.file))
      fail(`/files/${i}/file`, 'must be a relative path inside the run directory');
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256))
      fail(`/files/${i}/sha256`, 'must be 64 lower-case hex digits');
    if (!Number.isSafeInteger(e.bytes) || (e.bytes as number) < 0)
      fail(`/files/${i}/bytes`, 'must be a non-negative integer');
  });
  return manifest as unknown as Manifest;
}
