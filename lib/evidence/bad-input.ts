/**
 * The one base of every error that is the user's input, not the harness's fault: a file,
 * flag, path or value that cannot be used. The command line answers it with exit code 2 and
 * its message, one line naming what and where (file, JSON pointer, byte offset), and no
 * stack trace. In the ground floor so that every stage can throw it.
 */
const BAD_INPUT = Symbol.for('dnsconform.bad-input');

export class BadInputError extends Error {
  override name = 'BadInputError';
  /** The brand {@link isBadInput} looks for. */
  readonly [BAD_INPUT] = true;
}

/**
 * Whether `error` is bad input. By brand rather than `instanceof`: a test runner may load
 * this module twice (once required, once imported), and each copy has its own class.
 */
export function isBadInput(error: unknown): error is Error {
  return error instanceof Error && (error as { [BAD_INPUT]?: unknown })[BAD_INPUT] === true;
}

/** An operating-system error on a path the user gave (ENOTDIR, EACCES, ...) as bad input naming the path and what it was for. */
export function badPath(error: unknown, path: string, purpose: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code !== 'string' || !PATH_ERRORS.has(code)) return error as Error;
  return new BadInputError(`${purpose} ${path}: ${PATH_ERRORS.get(code)} (${code})`);
}

/** Errors of a path, as the user should read them. */
const PATH_ERRORS = new Map([
  ['ENOTDIR', 'a part of the path is not a directory'],
  ['ENOENT', 'no such file or directory'],
  ['EACCES', 'permission denied'],
  ['EPERM', 'operation not permitted'],
  ['EROFS', 'read-only file system'],
  ['EEXIST', 'already exists'],
  ['EISDIR', 'is a directory'],
  ['ENAMETOOLONG', 'name too long'],
]);
