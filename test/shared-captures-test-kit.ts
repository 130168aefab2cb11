/**
 * The third-party captures the tests judge against (never copied into the repository):
 * where they are (lib/capture/shared-captures.ts, which the capture bench uses too), and how
 * their `devices.tsv` and `reference-values.tsv` read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SHARED_CAPTURES } from '../lib/capture/shared-captures.ts';

export { SHARED_CAPTURES } from '../lib/capture/shared-captures.ts';

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
