/**
 * Puts the DNS messages read from captures into time order without holding them all in
 * memory: an external merge sort. Messages are packed into a binary chunk as they arrive;
 * a full chunk is sorted and written to a temporary file as one sorted run, and reading
 * them back merges the runs. Small inputs never touch the disk (one chunk, sorted in
 * memory). The order is by timestamp, then by arrival (files in the order given, frames in
 * file order): the same order `Array.prototype.sort` with that comparator gives.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExtractedDnsMessage } from './dns-extract.ts';

/** Default chunk: messages beyond this many bytes (packed) are sorted and spilled to disk. */
export const DEFAULT_SORT_CHUNK_BYTES = 8 << 20;

/** Options of {@link MessageSorter}. */
export interface MessageSorterOptions {
  /** Packed bytes per sorted run (tests use small ones to exercise the merge). */
  chunkBytes?: number;
  /** Where the temporary run file goes (default: the system temp directory). */
  tempDir?: string;
}

/*
 * Record layout (little-endian):
 *   u32 record length (all of it) | f64 timestamp | f64 arrival order | f64 frame | u16 file (interned)
 *   | u8 bits (1 from device, 2 tcp) | u16 client port | u16 server port | u32 client address (interned)
 *   | u32 server address (interned) | u32 message length | message
 * Addresses are interned: a device talks to few resolvers, and a number reads back faster than text.
 */
const HEADER = 4 + 8 + 8 + 8 + 2 + 1 + 2 + 2 + 4 + 4 + 4;
const FROM_DEVICE = 1;
const TCP = 2;

/** One sorted run being read back: from memory (the last chunk) or a slice of the run file. */
interface RunReader {
  buffer: Buffer;
  /** Next record's offset in `buffer`. */
  at: number;
  /** Valid bytes in `buffer`. */
  end: number;
  /** Where the next refill reads in the run file, and where the run ends; -1 for a run in memory. */
  filePosition: number;
  fileEnd: number;
  /** The head record's sort key. */
  timestamp: number;
  order: number;
  /** The buffer before the last refill, filled again at the next one. */
  spare: Buffer | null;
}

const READ_BYTES = 128 << 10;

/**
 * A sort's state as plain data (structured-cloneable), for a {@link MessageSorter} on another
 * thread to take the messages back from: `background-read.ts` reads captures on a worker.
 */
export interface SortHandover {
  /** Files the messages came from, by their index in the records. */
  files: string[];
  /** Addresses, by their index in the records. */
  addresses: string[];
  /** Messages held. */
  count: number;
  /** The spilled runs (the last chunk among them) and the directory of their file; null when nothing was spilled. */
  spilled: { dir: string; runs: { start: number; end: number }[] } | null;
  /** When nothing was spilled: the one chunk's records, in time order. */
  records: Uint8Array | null;
}

export class MessageSorter {
  private readonly chunkBytes: number;
  private readonly tempDir: string;
  private chunk: Buffer;
  /** The chunk's bytes for the numeric fields (DataView writes are cheaper than Buffer's checked ones). */
  private view: DataView;
  private used = 0;
  /** Offsets of the records of the current chunk. */
  private offsets: number[] = [];
  private timestamps: number[] = [];
  private order = 0;
  private dir: string | null = null;
  private fd: number | null = null;
  private fileBytes = 0;
  private spillBuffer: Buffer | null = null;
  /** Spilled runs: [start, end) in the run file. */
  private readonly runs: { start: number; end: number }[] = [];
  private readonly files: string[] = [];
  private readonly fileIndexes = new Map<string, number>();
  private readonly addresses: string[] = [];
  private readonly addressIndexes = new Map<string, number>();

  constructor(options: MessageSorterOptions = {}) {
    this.chunkBytes = options.chunkBytes ?? DEFAULT_SORT_CHUNK_BYTES;
    this.tempDir = options.tempDir ?? tmpdir();
    this.chunk = Buffer.allocUnsafe(Math.min(this.chunkBytes, 1 << 20) + HEADER);
    this.view = new DataView(this.chunk.buffer, this.chunk.byteOffset, this.chunk.length);
  }

  /** Messages pushed so far. */
  get count(): number {
    return this.order;
  }

  /** Runs written to disk so far (0 when everything fitted one chunk). */
  get spilledRuns(): number {
    return this.runs.length;
  }

  /** Adds a message (its bytes are copied: the caller may reuse them). */
  push(message: ExtractedDnsMessage): void {
    let fileIndex = this.fileIndexes.get(message.file);
    if (fileIndex === undefined) {
      if (this.files.length > 0xffff) throw new Error('too many capture files to sort (65536 at most)');
      fileIndex = this.files.length;
      this.files.push(message.file);
      this.fileIndexes.set(message.file, fileIndex);
    }
    const client = this.addressIndex(message.client.address);
    const server = this.addressIndex(message.server.address);
    const size = HEADER + message.bytes.length;
    if (this.used > 0 && this.used + size > this.chunkBytes) this.spill();
    if (this.used + size > this.chunk.length) {
      const grown = Buffer.allocUnsafe(
        Math.max(this.used + size, Math.min(this.chunk.length * 2, this.chunkBytes + HEADER)),
      );
      this.chunk.copy(grown, 0, 0, this.used);
      this.chunk = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
    }
    const b = this.chunk;
    const v = this.view;
    let at = this.used;
    v.setUint32(at, size, true);
    v.setFloat64(at + 4, message.timestamp, true);
    v.setFloat64(at + 12, this.order, true);
    v.setFloat64(at + 20, message.frame, true);
    v.setUint16(at + 28, fileIndex, true);
    b[at + 30] = (message.fromDevice ? FROM_DEVICE : 0) | (message.transport === 'tcp' ? TCP : 0);
    v.setUint16(at + 31, message.client.port, true);
    v.setUint16(at + 33, message.server.port, true);
    v.setUint32(at + 35, client, true);
    v.setUint32(at + 39, server, true);
    v.setUint32(at + 43, message.bytes.length, true);
    at += HEADER;
    at += message.bytes.copy(b, at);
    // The sort keys, kept alongside: the merge's comparator reads them without decoding.
    this.offsets.push(this.used);
    this.timestamps.push(message.timestamp);
    this.used = at;
    this.order += 1;
  }

  /** The index of an address in {@link addresses}, added when new. */
  private addressIndex(address: string): number {
    let index = this.addressIndexes.get(address);
    if (index === undefined) {
      index = this.addresses.length;
      this.addresses.push(address);
      this.addressIndexes.set(address, index);
    }
    return index;
  }

  /** The current chunk's record offsets in time order (stable: arrival order breaks ties). */
  private sortedOffsets(): number[] {
    const ts = this.timestamps;
    const indexes = ts.map((_, i) => i);
    let sorted = true;
    for (let i = 1; i < ts.length; i += 1) {
      if (ts[i]! < ts[i - 1]!) {
        sorted = false;
        break;
      }
    }
    if (!sorted) indexes.sort((a, b) => ts[a]! - ts[b]! || a - b);
    return indexes.map((i) => this.offsets[i]!);
  }

  /** Sorts the current chunk and appends it to the run file. */
  private spill(): void {
    if (this.fd === null) {
      this.dir = mkdtempSync(join(this.tempDir, 'dnsconform-sort-'));
      this.fd = openSync(join(this.dir, 'runs.bin'), 'w+');
    }
    const start = this.fileBytes;
    // Through one small buffer, reused: a run costs no memory beyond the chunk it comes from.
    this.spillBuffer ??= Buffer.allocUnsafe(READ_BYTES);
    const out = this.spillBuffer;
    let pending = 0;
    const write = (bytes: Buffer, length: number) => {
      for (let written = 0; written < length; )
        written += writeSync(this.fd!, bytes, written, length - written, this.fileBytes + written);
      this.fileBytes += length;
    };
    for (const offset of this.sortedOffsets()) {
      const size = this.chunk.readUInt32LE(offset);
      if (pending + size > out.length) {
        write(out, pending);
        pending = 0;
      }
      if (size > out.length) write(this.chunk.subarray(offset, offset + size), size);
      else pending += this.chunk.copy(out, pending, offset, offset + size);
    }
    write(out, pending);
    this.runs.push({ start, end: this.fileBytes });
    this.used = 0;
    this.offsets = [];
    this.timestamps = [];
  }

  /** The current chunk's records in time order, read in place (when nothing was spilled). */
  private *inMemory(): Generator<ExtractedDnsMessage> {
    const reader: RunReader = {
      buffer: this.chunk,
      at: 0,
      end: this.used,
      filePosition: -1,
      fileEnd: -1,
      timestamp: 0,
      order: 0,
      spare: null,
    };
    for (const offset of this.sortedOffsets()) {
      reader.at = offset;
      reader.timestamp = this.chunk.readDoubleLE(offset + 4);
      yield this.decode(reader);
    }
  }

  /**
   * The messages in time order. Each message's `bytes` views a read buffer that is reused:
   * it is valid until the next message is taken (copy what is kept). Iterate once;
   * {@link close} afterwards (or on an error) removes the temporary file.
   */
  *sorted(): Generator<ExtractedDnsMessage> {
    if (this.runs.length === 0) {
      yield* this.inMemory();
      return;
    }
    // The last chunk becomes one more run on disk, and its memory goes.
    if (this.used > 0) this.spill();
    this.chunk = Buffer.alloc(0);
    this.spillBuffer = null;
    const readers: RunReader[] = [];
    for (const run of this.runs) {
      readers.push({
        buffer: Buffer.alloc(0),
        at: 0,
        end: 0,
        filePosition: run.start,
        fileEnd: run.end,
        timestamp: 0,
        order: 0,
        spare: null,
      });
    }
    // A binary min-heap of readers by their head record.
    const heap: RunReader[] = [];
    const less = (a: RunReader, b: RunReader) =>
      a.timestamp < b.timestamp || (a.timestamp === b.timestamp && a.order < b.order);
    const siftDown = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) return;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    };
    const siftUp = (i: number) => {
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!less(heap[i]!, heap[p]!)) return;
        [heap[i], heap[p]] = [heap[p]!, heap[i]!];
        i = p;
      }
    };
    for (const reader of readers) {
      if (this.head(reader)) {
        heap.push(reader);
        siftUp(heap.length - 1);
      }
    }
    while (heap.length > 0) {
      const reader = heap[0]!;
      const message = this.decode(reader);
      if (this.head(reader)) siftDown(0);
      else {
        const last = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = last;
          siftDown(0);
        }
      }
      yield message;
    }
    this.close();
  }

  /** Makes the reader's next record whole in its buffer and loads its sort key; false at the run's end. */
  private head(reader: RunReader): boolean {
    if (reader.end - reader.at < 4 || reader.end - reader.at < reader.buffer.readUInt32LE(reader.at)) {
      if (reader.filePosition < 0 || reader.filePosition >= reader.fileEnd) {
        if (reader.at !== reader.end) throw new Error('sorted run ends inside a record');
        return false;
      }
      const left = reader.end - reader.at;
      const need = left >= 4 ? reader.buffer.readUInt32LE(reader.at) : 0;
      // Two buffers in turn: the message handed out last still views the old one.
      const spare = reader.spare;
      const next = spare !== null && spare.length >= need ? spare : Buffer.allocUnsafe(Math.max(READ_BYTES, need));
      reader.buffer.copy(next, 0, reader.at, reader.end);
      let end = left;
      const want = Math.min(next.length - left, reader.fileEnd - reader.filePosition);
      while (end - left < want) {
        const n = readSync(this.fd!, next, end, want - (end - left), reader.filePosition + (end - left));
        if (n === 0) throw new Error('sorted run file ended early');
        end += n;
      }
      reader.filePosition += end - left;
      reader.spare = reader.buffer.length > 0 ? reader.buffer : null;
      reader.buffer = next;
      reader.at = 0;
      reader.end = end;
      if (end < 4 || end < next.readUInt32LE(0)) return this.head(reader);
    }
    reader.timestamp = reader.buffer.readDoubleLE(reader.at + 4);
    reader.order = reader.buffer.readDoubleLE(reader.at + 12);
    return true;
  }

  /** The reader's head record as a message; moves past it. */
  private decode(reader: RunReader): ExtractedDnsMessage {
    const b = reader.buffer;
    const at = reader.at;
    const size = b.readUInt32LE(at);
    const bits = b[at + 30]!;
    const messageLength = b.readUInt32LE(at + 43);
    const bytesAt = at + HEADER;
    const fileIndex = b.readUInt16LE(at + 28);
    reader.at = at + size;
    return {
      file: this.files[fileIndex]!,
      frame: b.readDoubleLE(at + 20),
      timestamp: reader.timestamp,
      fromDevice: (bits & FROM_DEVICE) !== 0,
      transport: (bits & TCP) !== 0 ? 'tcp' : 'udp',
      client: { address: this.addresses[b.readUInt32LE(at + 35)]!, port: b.readUInt16LE(at + 31) },
      server: { address: this.addresses[b.readUInt32LE(at + 39)]!, port: b.readUInt16LE(at + 33) },
      bytes: b.subarray(bytesAt, bytesAt + messageLength),
    };
  }

  /**
   * Hands the messages over (see {@link SortHandover}): spilled runs stay in their file (the
   * last chunk spilled as one more), whose directory the taker removes; an unspilled chunk is
   * copied out in time order. This sorter holds nothing afterwards.
   */
  handOver(): SortHandover {
    const base = { files: [...this.files], addresses: [...this.addresses], count: this.order };
    let handover: SortHandover;
    if (this.runs.length > 0) {
      if (this.used > 0) this.spill();
      closeSync(this.fd!);
      handover = { ...base, spilled: { dir: this.dir!, runs: [...this.runs] }, records: null };
      this.fd = null;
      this.dir = null;
    } else {
      const records = Buffer.allocUnsafeSlow(this.used);
      let at = 0;
      for (const offset of this.sortedOffsets())
        at += this.chunk.copy(records, at, offset, offset + this.chunk.readUInt32LE(offset));
      handover = { ...base, spilled: null, records };
    }
    this.chunk = Buffer.alloc(0);
    this.view = new DataView(this.chunk.buffer);
    this.used = 0;
    this.offsets = [];
    this.timestamps = [];
    this.spillBuffer = null;
    return handover;
  }

  /** A sorter holding the messages another one handed over (its run file is this one's to remove). */
  static takeOver(handover: SortHandover): MessageSorter {
    const sorter = new MessageSorter({ chunkBytes: Math.max(handover.records?.length ?? 0, 1) });
    handover.files.forEach((file, index) => {
      sorter.files.push(file);
      sorter.fileIndexes.set(file, index);
    });
    for (const address of handover.addresses) sorter.addressIndex(address);
    sorter.order = handover.count;
    if (handover.spilled !== null) {
      sorter.dir = handover.spilled.dir;
      sorter.fd = openSync(join(handover.spilled.dir, 'runs.bin'), 'r');
      sorter.runs.push(...handover.spilled.runs);
      sorter.fileBytes = handover.spilled.runs.at(-1)?.end ?? 0;
    } else if (handover.records !== null) {
      const records = handover.records;
      sorter.chunk = Buffer.from(records.buffer, records.byteOffset, records.length);
      sorter.view = new DataView(records.buffer, records.byteOffset, records.length);
      sorter.used = records.length;
      for (let at = 0; at < records.length; at += sorter.chunk.readUInt32LE(at)) {
        sorter.offsets.push(at);
        sorter.timestamps.push(sorter.chunk.readDoubleLE(at + 4));
      }
    }
    return sorter;
  }

  /** Removes the temporary run file (idempotent). */
  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
    if (this.dir !== null) {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = null;
    }
  }
}
