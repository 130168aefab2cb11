/**
 * Constant-memory sequential reading of a large file: a window over the file is kept in
 * one buffer that is refilled from a file descriptor, so a multi-gigabyte capture never
 * sits in memory. Callers ask for "at least n bytes from the current position" and then
 * read them from `buffer` at `position`, which keeps the per-record cost to one bounds
 * check unless the window has to be refilled.
 *
 * Reads are synchronous: a capture is read from the page cache far faster than it is
 * decoded, and a read handed to libuv's thread pool made the decoder wait whenever that
 * thread was not scheduled at once (idle a third of the time on a loaded 2-core machine).
 */
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Default window size, 256 KiB: refills stay rare (one read per thousands of packets), and
 * a window's packets are few enough to die young. With 1 MiB windows garbage collection
 * took a third of the reading time (measured: bench/README.md).
 */
export const DEFAULT_CHUNK_BYTES = 1 << 18;

/**
 * Room at the front of each new window for the unread tail of the one before (the start of
 * a record cut by the window's end): the next chunk is read after it, so a refill copies
 * only that tail, not the chunk. A longer tail (a record of more than 64 KiB) gets a window
 * of its own size.
 */
const TAIL_ROOM = 64 << 10;

/** A forward-only reader over a file with a sliding window. */
export class ChunkedFile {
  /** The window; valid bytes are `[position, end)`. */
  buffer: Buffer;
  /** Index in `buffer` of the next unread byte. */
  position = 0;
  private end = 0;
  /** File offset of `buffer[end]` (how far the file has been read). */
  private readUpTo = 0;
  private eof = false;
  private readonly tailRoom: number;
  private fd: number | null;
  /** With `recycle`: the window before this one, filled again at the next refill. */
  private spare: Buffer | null = null;

  private constructor(
    fd: number,
    private readonly chunkBytes: number,
    private readonly recycle: boolean,
  ) {
    this.fd = fd;
    this.buffer = Buffer.alloc(0);
    this.tailRoom = Math.min(TAIL_ROOM, chunkBytes);
  }

  /**
   * Opens `file`; `chunkBytes` is the refill size (tests use tiny ones to cross chunk
   * edges). With `recycle`, two windows are used in turn instead of a fresh one at every
   * refill (a fresh buffer costs a page fault per 4 KiB when it is first written): views
   * into a window are then valid only until the refill after the next one.
   */
  static open(file: string, chunkBytes = DEFAULT_CHUNK_BYTES, recycle = false): ChunkedFile {
    if (!(chunkBytes >= 1)) throw new RangeError(`chunkBytes must be positive, got ${chunkBytes}`);
    return new ChunkedFile(openSync(file, 'r'), chunkBytes, recycle);
  }

  /** Bytes available in the window from `position`. */
  get available(): number {
    return this.end - this.position;
  }

  /** File offset of `buffer[position]`. */
  get offset(): number {
    return this.readUpTo - this.available;
  }

  /** Whether the file has been read to its end and nothing is left in the window. */
  get atEnd(): boolean {
    return this.eof && this.available === 0;
  }

  /**
   * Makes at least `n` bytes available from `position`, growing the window when one record
   * is larger than it; false when the file ends first (what is there stays readable).
   *
   * Unless windows are recycled, every refill takes a fresh window and never writes the old
   * one again, so views into it stay valid for as long as someone holds them (packets are
   * handed out without copying); memory stays constant as long as they are let go.
   */
  fill(n: number): boolean {
    if (this.available >= n) return true;
    if (this.fd === null) throw new Error('the file is closed');
    const tail = this.end - this.position;
    const front = Math.max(tail, this.tailRoom);
    const size = Math.max(front + this.chunkBytes, front - tail + n);
    const spare = this.spare;
    const next = spare !== null && spare.length >= size ? spare : Buffer.allocUnsafe(size);
    const at = front - tail;
    this.buffer.copy(next, at, this.position, this.end);
    if (this.recycle && this.buffer.length > 0) this.spare = this.buffer;
    this.buffer = next;
    this.position = at;
    this.end = front;
    while (this.end - at < n && !this.eof) {
      const bytesRead = readSync(this.fd, next, this.end, next.length - this.end, this.readUpTo);
      if (bytesRead === 0) this.eof = true;
      this.end += bytesRead;
      this.readUpTo += bytesRead;
    }
    return this.available >= n;
  }

  /** Moves past `n` available bytes. */
  skip(n: number): void {
    this.position += n;
  }

  /**
   * Moves past `n` bytes that may lie beyond the window, without keeping them; false when
   * the file ends first.
   */
  skipAhead(n: number): boolean {
    if (this.available >= n) {
      this.position += n;
      return true;
    }
    let remaining = n - this.available;
    this.position = this.end;
    while (remaining > 0) {
      if (!this.fill(1)) return false;
      const step = Math.min(remaining, this.available);
      this.position += step;
      remaining -= step;
    }
    return true;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
