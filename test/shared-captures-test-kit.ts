/**
 * The third-party captures the tests judge against (never copied into the repository):
 * where they are, and how their `devices.tsv` and `reference-values.tsv` read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** `shared/captures` in the checkout's parent or a directory above it (the workplace keeps them at `../shared`), or null. */
function besideTheCheckout(): string | null {
  for (let dir = resolve(import.meta.dirname, '..', '..'); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'captures');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** `$DNSCONFORM_CAPTURES` when set (and only it), else `shared/captures` beside the checkout or above it; specs skip without them. */
export const SHARED_CAPTURES = resolve(
  process.env['DNSCONFORM_CAPTURES'] ??
    besideTheCheckout() ??
    join(import.meta.dirname, '..', '..', 'shared', 'captures'),
);

/** A row of a TSV file by column name. */
export type TsvRow = Record<string, string>;

/** A TSV file with a header line, as rows. */
export function readTsv(file: string): TsvRow[] {
  const [header, ...rows] = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split('\t'));
  return rows.map((row) => Object.fromEntries(header!.map((name, i) => [name, row[i] ?? ''])));
}

/** The files of a devices.tsv `files` entry: a path, or `folder/*.ext`. */
export function filesOf(pattern: string): string[] {
  if (!pattern.includes('*')) return [join(SHARED_CAPTURES, pattern)];
  const folder = join(SHARED_CAPTURES, dirname(pattern));
  const suffix = pattern.slice(pattern.lastIndexOf('*') + 1);
  return readdirSync(folder)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => join(folder, f));
}

/** Reference `a:n;b:n` → { a: n, b: n } (an IPv6 address keeps its colons). */
export function parseResolvers(text: string): Record<string, number> {
  return Object.fromEntries(
    text.split(';').map((pair) => {
      const at = pair.lastIndexOf(':');
      return [pair.slice(0, at), Number(pair.slice(at + 1))];
    }),
  );
}
