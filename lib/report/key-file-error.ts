/** A key file is missing, unreadable, or would be overwritten. The CLI exits 2. */
export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}
