/** A key file is missing, unreadable, or would be overwritten. The CLI exits 2. */
import { BadInputError } from '../evidence/bad-input.ts';
export class KeyFileError extends BadInputError {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}
