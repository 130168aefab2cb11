/**
 * The one error a capture file can raise: it names the file and the byte offset where
 * reading stopped, so a lab can open the file at that place. Readers yield every packet
 * read before the fault and throw this afterwards, so callers keep the results and mark
 * them partial.
 */

/** A capture file that is corrupt or truncated at `offset`. */
export class CaptureFormatError extends Error {
  constructor(
    /** The capture file, as the caller named it. */
    readonly file: string,
    /** Byte offset in the file of the structure that could not be read. */
    readonly offset: number,
    /** What was wrong there. */
    readonly problem: string,
  ) {
    super(`${file}: byte offset ${offset}: ${problem}`);
    this.name = 'CaptureFormatError';
  }
}
