/**
 * Fixed-width binary rows in chunks, optionally spilled to a file: the storage under the
 * `EventStore` (`event-store.ts`), which lays its events and records out in rows of
 * its own. Knows nothing of events.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

/** Rows per chunk, as a power of two (8192), unless a store is told otherwise. */
export const CHUNK_SHIFT = 13;
/** Chunks a spilling {@link RowChunks} keeps in memory. */
export const RESIDENT_CHUNKS = 8;

/**
 * Fixed-width rows in chunks of 2^`shift` rows, each chunk one DataView: growing never
 * copies what is held, and a row's fields are read at fixed offsets. Rows are written once,
 * in order. With a spill file, a chunk is written to it once full, and only the
 * {@link RESIDENT_CHUNKS} used last stay in memory (the others are read back when needed):
 * memory then stays the same however many rows there are.
 */
export class RowChunks {
  /** Chunks in memory, by chunk number (absent: on disk only). */
  private readonly resident = new Map<number, DataView>();
  private count = 0;
  private lastNumber = -1;
  private lastChunk: DataView | null = null;
  /** Chunks already on disk written to again (only when an event's records are taken back): written out before they go. */
  private readonly dirty = new Set<number>();
  private fd: number | null = null;

  private readonly mask: number;
  private readonly chunkBytes: number;

  /**
   * @param width Bytes per row.
   * @param shift Rows per chunk, as a power of two.
   * @param spillFile Where full chunks go (created when the first one does); null keeps every chunk in memory.
   */
  constructor(
    readonly width: number,
    private readonly shift: number,
    private readonly spillFile: string | null,
  ) {
    this.mask = (1 << shift) - 1;
    this.chunkBytes = width << shift;
  }

  /** The chunk holding row `index`, made when new (for writing; rows come in order). */
  writable(index: number): DataView {
    const number = index >>> this.shift;
    if (number === this.lastNumber) return this.lastChunk!;
    if (number < this.count) {
      if (this.spillFile !== null && number < this.count - 1) this.dirty.add(number);
      return this.chunk(index);
    }
    while (this.count <= number) {
      // The chunk before is full: it goes to disk before a new one is made.
      if (this.spillFile !== null && this.count > 0) this.spill(this.count - 1);
      const reused = this.evict(1);
      if (reused !== undefined) new Uint8Array(reused.buffer).fill(0);
      this.resident.set(this.count, reused ?? new DataView(new ArrayBuffer(this.chunkBytes)));
      this.count += 1;
    }
    return this.use(number, this.resident.get(number)!);
  }

  /** The chunk holding row `index` (for reading). */
  chunk(index: number): DataView {
    const number = index >>> this.shift;
    if (number === this.lastNumber) return this.lastChunk!;
    let chunk = this.resident.get(number);
    if (chunk === undefined) {
      // Read back into the buffer of the chunk used longest ago (no new memory once warm).
      chunk = this.evict(1) ?? new DataView(new ArrayBuffer(this.chunkBytes));
      const bytes = new Uint8Array(chunk.buffer);
      for (let read = 0; read < bytes.length; ) {
        const n = readSync(this.fd!, bytes, read, bytes.length - read, number * this.chunkBytes + read);
        if (n === 0) throw new Error(`event store: ${this.spillFile} ends inside chunk ${number}`);
        read += n;
      }
      this.resident.set(number, chunk);
    } else {
      // Most recently used last.
      this.resident.delete(number);
      this.resident.set(number, chunk);
    }
    return this.use(number, chunk);
  }

  private use(number: number, chunk: DataView): DataView {
    this.lastNumber = number;
    this.lastChunk = chunk;
    return chunk;
  }

  private spill(number: number): void {
    this.fd ??= openSync(this.spillFile!, 'w+');
    const bytes = new Uint8Array(this.resident.get(number)!.buffer);
    for (let written = 0; written < bytes.length; )
      written += writeSync(this.fd, bytes, written, bytes.length - written, number * this.chunkBytes + written);
  }

  /**
   * Lets the least recently used chunks go (all on disk) until `room` more fit, keeping the
   * last one, which may still be filled; returns the buffer of one let go, for reuse.
   */
  private evict(room = 0): DataView | undefined {
    if (this.spillFile === null) return undefined;
    let freed: DataView | undefined;
    for (const [number, chunk] of this.resident) {
      if (this.resident.size + room <= RESIDENT_CHUNKS) break;
      if (number === this.count - 1) continue;
      if (this.dirty.delete(number)) this.spill(number);
      this.resident.delete(number);
      freed = chunk;
    }
    return freed;
  }

  /** Where row `index` starts in its chunk. */
  at(index: number): number {
    return (index & this.mask) * this.width;
  }

  /** Bytes in memory. */
  get bytes(): number {
    return this.resident.size * this.chunkBytes;
  }

  /** Closes the spill file (the caller removes it). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
