/** Bad usage: exit code 2. In a module of its own, so that throwing or checking for it loads nothing else. */
export class UsageError extends Error {
  override name = 'UsageError';
}
