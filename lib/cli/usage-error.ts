/** Bad usage: exit code 2. In a module of its own, so that throwing or checking for it loads nothing else. */
import { BadInputError } from '../evidence/bad-input.ts';
export class UsageError extends BadInputError {
  override name = 'UsageError';
}
