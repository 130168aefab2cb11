/**
 * Constant-memory sequential reading of a large file: a window over the file is kept in
 * one buffer that is refilled from a file handle, so a multi-gigabyte capture never sits
 * in memory. Callers ask for "at least n bytes from the current position" and then read
 * them synchronously from `buffer` at `position`, which keeps the per-record cost to one
 * bounds check unless the window has to be refilled.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/**
 * Default window size, 256 KiB: refills stay rare (one await and one read per thousands
 * of packets), and a window's packets are few enough to die young. With 1 MiB windows
 * garbage collection took a third of the reading time (measured: bench/README.md).
 */
export const DEFAULT_CHUNK_BYTES = 1 << 18;

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
  /**
   * The next chunk, read ahead while the caller works through the window: its bytes land
   * in their own buffer, copied into the next window when it is asked for.
   */
  private ahead: { at: number; buffer: Buffer; bytesRead: Promise<number> } | null = null;
  private spare: Buffer | null = null;

  private constructor(
    private readonly handle: FileHandle,
    private readonly chunkBytes: number,
  ) {
    this.buffer = Buffer.allocUnsafe(chunkBytes);
  }

  /** Opens `file`; `chunkBytes` is the refill size (tests use tiny ones to cross chunk edges). */
  static async open(file: string, chunkBytes = DEFAULT_CHUNK_BYTES): Promise<ChunkedFile> {
    if (!(chunkBytes >= 1)) throw new RangeError(`chunkBytes must be positive, got ${chunkBytes}`);
    return new ChunkedFile(await open(file, 'r'), chunkBytes);
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
   * is larger than it. Resolves false when the file ends first (what is there stays readable).
   */
  async fill(n: number): Promise<boolean> {
    if (this.available >= n) return true;
    const tail = this.end - this.position;
    if (this.position > 0 || n > this.buffer.length || tail + this.chunkBytes > this.buffer.length) {
      // A fresh window with the unread tail at its front. The old one is never written
      // again, so views into it stay valid for as long as someone holds them (packets are
      // handed out without copying); memory stays constant as long as they are let go.
      const next = Buffer.allocUnsafe(Math.max(n, this.chunkBytes + tail));
      this.buffer.copy(next, 0, this.position, this.end);
      this.end = tail;
      this.position = 0;
      this.buffer = next;
    }
    while (this.end < n && !this.eof) {
      let bytesRead: number;
      const ahead = this.ahead;
      if (ahead !== null && ahead.at === this.readUpTo && this.buffer.length - this.end >= ahead.buffer.length) {
        this.ahead = null;
        bytesRead = await ahead.bytesRead;
        ahead.buffer.copy(this.buffer, this.end, 0, bytesRead);
        // Copied out, so no view sees it: the next read ahead reuses it.
        this.spare = ahead.buffer;
      } else {
        await this.settleAhead();
        const want = Math.min(this.buffer.length - this.end, Math.max(this.chunkBytes, n - this.end));
        ({ bytesRead } = await this.handle.read(this.buffer, this.end, want, this.readUpTo));
      }
      if (bytesRead === 0) this.eof = true;
      this.end += bytesRead;
      this.readUpTo += bytesRead;
    }
    if (!this.eof && this.ahead === null) this.readAhead();
    return this.available >= n;
  }

  /** Starts reading the chunk after the window. */
  private readAhead(): void {
    const buffer = this.spare ?? Buffer.allocUnsafe(this.chunkBytes);
    this.spare = null;
    const bytesRead = this.handle.read(buffer, 0, this.chunkBytes, this.readUpTo).then((r) => r.bytesRead);
    // A read ahead that is never used must not fail as an unhandled rejection (its error surfaces when it is used).
    bytesRead.catch(() => undefined);
    this.ahead = { at: this.readUpTo, buffer, bytesRead };
  }

  /** Waits for a read ahead that will not be used (so no read runs when the handle is read or closed). */
  private async settleAhead(): Promise<void> {
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead !== null) await ahead.bytesRead.catch(() => undefined);
  }

  /** Moves past `n` available bytes. */
  skip(n: number): void {
    this.position += n;
  }

  /**
   * Moves past `n` bytes that may lie beyond the window, without keeping them; resolves
   * false when the file ends first.
   */
  async skipAhead(n: number): Promise<boolean> {
    if (this.available >= n) {
      this.position += n;
      return true;
    }
    let remaining = n - this.available;
    this.position = this.end;
    while (remaining > 0) {
      if (!(await this.fill(1))) return false;
      const step = Math.min(remaining, this.available);
      this.position += step;
      remaining -= step;
    }
    return true;
  }

  async close(): Promise<void> {
    await this.settleAhead();
    await this.handle.close();
  }
}
