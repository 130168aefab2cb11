/**
 * The evidence bundle: a finalised run directory as one deterministic `<run-id>.tar.gz`
 * (entries sorted by path under `<run-id>/`, every mtime the report's issue time, no
 * owner, modes 0644), and the safe way back: unpacking a bundle into a temporary directory
 * refuses absolute paths, `..`, links and special files rather than skipping them.
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { create, extract } from 'tar';
import type { ReadEntry } from 'tar';
import { badPath } from '../evidence/bad-input.ts';
import { hashFile, isRunRelativePath, listRunFiles } from '../evidence/manifest.ts';
import { MANIFEST_FILE, REPORT_FILE } from './bundle-files.ts';
import { findPrivateKeys } from './private-keys.ts';

/** A run that cannot be bundled, or a bundle that cannot be opened safely: bad input (exit 2). */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** What {@link createBundle} wrote. */
export interface BundleResult {
  /** Absolute path of the archive. */
  file: string;
  runId: string;
  /** The run files packed, relative to the run directory, in archive order. */
  files: string[];
  sha256: string;
  bytes: number;
}

/** A run id usable as the archive's top directory and file name. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The run id (the archive's top directory) and the time every entry is stamped with: the
 * report's runId and issue time, or, when report.json cannot be read (a damaged run is still
 * bundled as it is, for verify to name what is wrong), the directory's name and the epoch.
 */
function runIdOf(runDir: string): { runId: string; issuedAt: Date } {
  for (const file of [REPORT_FILE, MANIFEST_FILE]) {
    if (!existsSync(join(runDir, file))) throw new BundleError(`${runDir} is not a finalised run: ${file} is missing`);
  }
  let report: { runId?: unknown; issuedAt?: unknown } = {};
  try {
    report = JSON.parse(readFileSync(join(runDir, REPORT_FILE), 'utf8')) as typeof report;
  } catch {
    // Named by verify; the bundle keeps the file as it is.
  }
  const runId =
    typeof report.runId === 'string' && RUN_ID.test(report.runId) ? report.runId : basename(resolve(runDir));
  if (!RUN_ID.test(runId)) throw new BundleError(`${runDir}: "${runId}" cannot name an archive`);
  const issued = new Date(typeof report.issuedAt === 'string' ? report.issuedAt : 0).getTime();
  // Whole seconds: a tar header keeps no more.
  return { runId, issuedAt: new Date(Number.isNaN(issued) ? 0 : Math.floor(issued / 1000) * 1000) };
}

/**
 * Packs a finalised run directory into `<run-id>.tar.gz` (beside the run directory unless
 * `out` is given). The same run always gives the same bytes. Refuses a run that holds a
 * private key, a link or anything but regular files.
 */
export async function createBundle(runDir: string, opts: { out?: string } = {}): Promise<BundleResult> {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new BundleError(`${runDir} is not a directory`);
  const { runId, issuedAt } = runIdOf(runDir);
  const files = listRunFiles(runDir);
  const special = files.filter((file) => !lstatSync(join(runDir, file)).isFile());
  if (special.length > 0)
    throw new BundleError(`${runDir}: not regular files, refusing to bundle them: ${special.join(', ')}`);
  const keys = findPrivateKeys(runDir, files);
  if (keys.length > 0) {
    throw new BundleError(
      `${runDir}: private keys are never bundled: ${keys.map((k) => `${k.file} (${k.why})`).join(', ')}`,
    );
  }
  const out = resolve(opts.out ?? join(dirname(resolve(runDir)), `${runId}.tar.gz`));
  const inside = relative(resolve(runDir), out);
  if (!inside.startsWith('..') && !isAbsolute(inside))
    throw new BundleError(`--out ${out} is inside the run directory; a bundle is written outside it`);

  const partial = `${out}.partial-${process.pid}`;
  try {
    await create(
      {
        file: partial,
        cwd: runDir,
        gzip: true,
        portable: true,
        mtime: issuedAt,
        prefix: runId,
        noDirRecurse: true,
        strict: true,
        onWriteEntry: (entry) => {
          if (entry.stat) entry.stat.mode = (entry.stat.mode & ~0o7777) | 0o644;
        },
      },
      files,
    );
    renameSync(partial, out);
  } catch (error) {
    // Where the archive goes is the user's path: one that cannot be written is bad input naming it.
    const path = (error as NodeJS.ErrnoException).path;
    throw path === out || path === partial ? badPath(error, out, '--out') : error;
  } finally {
    try {
      rmSync(partial, { force: true });
    } catch {
      // A path that cannot hold the archive (ENOTDIR) holds no partial file either.
    }
  }
  return { file: out, runId, files, ...hashFile(out) };
}

/** A run directory to verify: a directory as given, or a bundle unpacked into a temporary one. */
export interface OpenedRun {
  runDir: string;
  /** The bundle it came from, or null for a directory. */
  bundle: string | null;
  /** Removes the temporary directory (a no-op for a directory). */
  close(): void;
}

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);

/** Why an archive entry may not be unpacked, or null when it may. */
function entryProblem(path: string, type: string): string | null {
  if (!ALLOWED_TYPES.has(type))
    return `${path}: a ${type === 'SymbolicLink' ? 'symbolic link' : type === 'Link' ? 'hard link' : type} entry`;
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return `${path}: an absolute path`;
  const clean = path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (clean.split(/[\\/]/).includes('..')) return `${path}: a path with ..`;
  if (clean !== '' && !isRunRelativePath(clean)) return `${path}: not a plain relative path`;
  return null;
}

/**
 * Unpacks a `.tar.gz` bundle into a fresh temporary directory and finds the run directory
 * in it (the single top-level directory, or the top itself). Throws {@link BundleError},
 * leaving nothing behind, when the archive cannot be read or has an entry that is a link,
 * a special file, an absolute path or a path with `..`: such a bundle is not evidence.
 */
export async function unpackBundle(file: string): Promise<OpenedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'dnsconform-bundle-'));
  const close = (): void => rmSync(dir, { recursive: true, force: true });
  const refused: string[] = [];
  const seen = new Set<string>();
  try {
    await extract({
      file,
      cwd: dir,
      strict: true,
      filter: (path: string, entry: unknown) => {
        const type = String((entry as ReadEntry).type);
        const problem = entryProblem(path, type);
        if (problem !== null) refused.push(problem);
        const key = path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
        if (problem === null && type !== 'Directory') {
          if (seen.has(key)) refused.push(`${path}: in the archive twice`);
          seen.add(key);
        }
        return problem === null;
      },
    });
  } catch (error) {
    close();
    throw new BundleError(`${file}: not a readable .tar.gz bundle (${(error as Error).message})`);
  }
  if (refused.length > 0) {
    close();
    throw new BundleError(`${file}: refusing to unpack: ${refused.join('; ')}`);
  }
  const unpacked = listRunFiles(dir);
  if (unpacked.some((path) => !lstatSync(join(dir, path)).isFile())) {
    close();
    throw new BundleError(`${file}: unpacked something other than regular files`);
  }
  const tops = new Set(unpacked.map((path) => path.split('/')[0]!));
  const single = tops.size === 1 && unpacked.every((path) => path.includes('/')) ? [...tops][0]! : null;
  return { runDir: single === null ? dir : join(dir, single), bundle: resolve(file), close };
}

/** Opens what `verify` was given: a run directory, or a bundle file unpacked safely. */
export async function openRunOrBundle(path: string): Promise<OpenedRun> {
  if (!existsSync(path)) throw new BundleError(`${path} does not exist`);
  if (statSync(path).isDirectory()) return { runDir: path, bundle: null, close: () => {} };
  return unpackBundle(path);
}
