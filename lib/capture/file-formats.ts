/**
 * Capture file formats: classic pcap and pcapng, read record by record in constant memory.
 *
 * Written by hand on purpose: no maintained streaming reader for Node covers both formats
 * (the dependency trial, `reference/dependency-trial.md`: `pcap-parser` reads only pcap,
 * `pcap-ng-parser` only Ethernet pcapng with one interface and one release ever; the native
 * `pcap`/`cap` bindings need libpcap and give no pcap timestamps). Both formats are short,
 * fixed layouts (pcap: tcpdump's pcap-savefile(5); pcapng: RFC draft-ietf-opsawg-pcapng).
 *
 * What this layer yields is a link-layer frame with its timestamp in microseconds; the
 * link, IP and transport layers are other modules.
 */
import { CaptureFormatError } from './capture-format-error.ts';
import { ChunkedFile } from './chunked-file.ts';

/** Where and when a frame was captured. */
export interface FrameOrigin {
  /** Position among the file's packet records, from 1 (as Wireshark numbers frames). */
  frame: number;
  /** Byte offset of the record in the file. */
  offset: number;
  /** Capture time, µs since the Unix epoch. */
  timestamp: number;
  /** False for pcapng Simple Packet Blocks, which carry no time: `timestamp` is the previous packet's. */
  timestampKnown: boolean;
  /** pcapng interface id (0 for pcap). */
  interfaceId: number;
  /** LINKTYPE_* value of the interface (tcpdump.org/linktypes.html). */
  linkType: number;
}

/** One captured link-layer frame. `data` is a view of the read window, which is never written again. */
export interface RawFrame extends FrameOrigin {
  /** Length of the frame on the wire; more than `data.length` when the snap length cut it. */
  originalLength: number;
  data: Buffer;
}

/** Options of {@link readFrames}. */
export interface ReadFramesOptions {
  /** Refill size of the read window (tests use tiny ones to cross chunk boundaries). */
  chunkBytes?: number;
  /**
   * Two read windows in turn instead of a fresh one each time (faster: fresh memory costs
   * page faults): for a reader of {@link readFrameBlocks} that keeps no view of a block's
   * window once it has asked for the next block.
   */
  recycleWindows?: boolean;
}

/** pcap magic numbers as read little-endian. */
const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAP_MAGIC_US_SWAPPED = 0xd4c3b2a1;
const PCAP_MAGIC_NS_SWAPPED = 0x4d3cb2a1;
/** pcapng block types. */
const BLOCK_SHB = 0x0a0d0d0a;
const BLOCK_IDB = 0x00000001;
const BLOCK_OPB = 0x00000002;
const BLOCK_SPB = 0x00000003;
const BLOCK_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const PCAP_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;
/**
 * Largest record accepted. libpcap's own ceiling for any link type is 256 KiB; anything far
 * above it is a corrupt length field, and refusing it keeps memory bounded.
 */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;
const TWO_POW_32 = 4294967296;

/** Per-interface timestamp conversion of a pcapng section. */
interface Interface {
  linkType: number;
  snapLength: number;
  /** Timestamp units per second (10^6 unless if_tsresol says otherwise). */
  unitsPerSecond: bigint;
  /** if_tsoffset in µs. */
  offsetMicros: number;
}

/**
 * The frames of one read window, as columns instead of one object per frame: frame `i` is
 * `buffer[start[i], end[i])`, numbered `firstFrame + i`. The window is never written
 * again, so views of it stay valid; the block itself (its columns) is reused for the next
 * window, so read what is needed before asking for the next one.
 */
export class FrameBlock {
  /** The read window all frames of the block lie in. */
  buffer: Buffer = Buffer.alloc(0);
  count = 0;
  /** Number of the block's first frame (frames are numbered from 1, consecutively). */
  firstFrame = 0;
  start = new Int32Array(256);
  end = new Int32Array(256);
  /** Byte offset of each record in the file. */
  offset = new Float64Array(256);
  /** µs since the epoch. */
  timestamp = new Float64Array(256);
  originalLength = new Float64Array(256);
  linkType = new Int32Array(256);
  interfaceId = new Int32Array(256);
  /** 0 for a pcapng Simple Packet Block (no time of its own). */
  timestampKnown = new Uint8Array(256);

  /** Appends a frame of `buffer` (the same window as the block's other frames). */
  push(
    buffer: Buffer,
    frame: number,
    offset: number,
    timestamp: number,
    timestampKnown: boolean,
    interfaceId: number,
    linkType: number,
    originalLength: number,
    start: number,
    end: number,
  ): void {
    const i = this.count;
    if (i === 0) {
      this.buffer = buffer;
      this.firstFrame = frame;
    } else if (buffer !== this.buffer || frame !== this.firstFrame + i) {
      throw new Error('a frame block holds consecutive frames of one read window');
    }
    if (i === this.start.length) this.grow();
    this.start[i] = start;
    this.end[i] = end;
    this.offset[i] = offset;
    this.timestamp[i] = timestamp;
    this.originalLength[i] = originalLength;
    this.linkType[i] = linkType;
    this.interfaceId[i] = interfaceId;
    this.timestampKnown[i] = timestampKnown ? 1 : 0;
    this.count = i + 1;
  }

  /** Makes room for `n` frames in all. */
  reserve(n: number): void {
    while (this.start.length < n) this.grow();
  }

  private grow(): void {
    const n = this.start.length * 2;
    const grown = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(n);
      next.set(old);
      return next;
    };
    this.start = grown(this.start, (k) => new Int32Array(k));
    this.end = grown(this.end, (k) => new Int32Array(k));
    this.offset = grown(this.offset, (k) => new Float64Array(k));
    this.timestamp = grown(this.timestamp, (k) => new Float64Array(k));
    this.originalLength = grown(this.originalLength, (k) => new Float64Array(k));
    this.linkType = grown(this.linkType, (k) => new Int32Array(k));
    this.interfaceId = grown(this.interfaceId, (k) => new Int32Array(k));
    this.timestampKnown = grown(this.timestampKnown, (k) => new Uint8Array(k));
  }

  /** Where and when frame `i` was captured. */
  origin(i: number): FrameOrigin {
    return {
      frame: this.firstFrame + i,
      offset: this.offset[i]!,
      timestamp: this.timestamp[i]!,
      timestampKnown: this.timestampKnown[i] === 1,
      interfaceId: this.interfaceId[i]!,
      linkType: this.linkType[i]!,
    };
  }

  /** Frame `i` as an object, its data a view of the window. */
  frame(i: number): RawFrame {
    return {
      ...this.origin(i),
      originalLength: this.originalLength[i]!,
      data: this.buffer.subarray(this.start[i]!, this.end[i]!),
    };
  }
}

/** Reads the frames of a pcap or pcapng file; throws {@link CaptureFormatError} after the last good frame on corruption. */
export async function* readFrames(file: string, options: ReadFramesOptions = {}): AsyncGenerator<RawFrame> {
  for await (const batch of readFrameBatches(file, options)) yield* batch;
}

/**
 * The frames of a capture in batches: every whole record in the read window at once.
 * One await per batch instead of one per frame, which is most of the reading time on
 * small packets. Each frame's `data` views the read window, which is never written again.
 * On a fault the frames before it are delivered first, then {@link CaptureFormatError} thrown.
 */
export async function* readFrameBatches(file: string, options: ReadFramesOptions = {}): AsyncGenerator<RawFrame[]> {
  // Frames handed out as objects may be kept: their windows are never filled again.
  for await (const block of readFrameBlocks(file, { ...options, recycleWindows: false })) {
    const frames: RawFrame[] = [];
    for (let i = 0; i < block.count; i += 1) frames.push(block.frame(i));
    yield frames;
  }
}

/**
 * The frames of a capture a read window at a time, as one reused {@link FrameBlock}: what
 * a reader of millions of frames should iterate, since making an object (and a view) per
 * frame costs more than most of what is done with the frame. On a fault the frames before
 * it are delivered first, then {@link CaptureFormatError} thrown.
 */
export async function* readFrameBlocks(file: string, options: ReadFramesOptions = {}): AsyncGenerator<FrameBlock> {
  const input = ChunkedFile.open(file, options.chunkBytes, options.recycleWindows === true);
  try {
    if (!input.fill(4)) {
      throw new CaptureFormatError(
        file,
        0,
        `not a capture file: ${input.available} bytes, too short for a pcap or pcapng header`,
      );
    }
    const magic = input.buffer.readUInt32LE(input.position);
    if (magic === BLOCK_SHB) yield* readPcapng(file, input);
    else if ([PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_US_SWAPPED, PCAP_MAGIC_NS_SWAPPED].includes(magic))
      yield* readPcap(file, input);
    else
      throw new CaptureFormatError(
        file,
        0,
        `not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`,
      );
  } finally {
    input.close();
  }
}

/** The frames read from the current window, handed over as one block before it is refilled. */
class WindowBatch {
  readonly block = new FrameBlock();

  constructor(private readonly input: ChunkedFile) {}

  /**
   * Hands over the frames so far, then makes `n` bytes available; false at the end of the
   * file. Called only when the window is short, so reading a whole record costs no await.
   */
  async *refill(n: number): AsyncGenerator<FrameBlock, boolean> {
    if (this.block.count > 0) {
      yield this.block;
      this.block.count = 0;
    }
    return this.input.fill(n);
  }
}

async function* readPcap(file: string, input: ChunkedFile): AsyncGenerator<FrameBlock> {
  if (!input.fill(PCAP_HEADER_BYTES)) {
    throw new CaptureFormatError(
      file,
      0,
      `truncated pcap file header (${input.available} of ${PCAP_HEADER_BYTES} bytes)`,
    );
  }
  const header = input.buffer;
  const at = input.position;
  const magic = header.readUInt32LE(at);
  const littleEndian = magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS;
  const nanoseconds = magic === PCAP_MAGIC_NS || magic === PCAP_MAGIC_NS_SWAPPED;
  const u32 = littleEndian ? (b: Buffer, o: number) => b.readUInt32LE(o) : (b: Buffer, o: number) => b.readUInt32BE(o);
  // The upper bits of the link type field carry FCS information (pcap-savefile(5)).
  const linkType = u32(header, at + 20) & 0xffff;
  input.skip(PCAP_HEADER_BYTES);
  let frame = 0;
  const batch = new WindowBatch(input);
  try {
    for (;;) {
      if (input.available < PCAP_RECORD_HEADER_BYTES && !(yield* batch.refill(PCAP_RECORD_HEADER_BYTES))) {
        if (input.available === 0) return;
        throw new CaptureFormatError(
          file,
          input.offset,
          `truncated record header (${input.available} of ${PCAP_RECORD_HEADER_BYTES} bytes) after frame ${frame}`,
        );
      }
      // Every whole record in the window at once, in a loop of its own; the rest below.
      const scanned = scanPcapRecords(input, littleEndian, nanoseconds, linkType, frame, batch.block);
      if (scanned > 0) {
        frame += scanned;
        continue;
      }
      const offset = input.offset;
      let b = input.buffer;
      let p = input.position;
      const seconds = u32(b, p);
      const fraction = u32(b, p + 4);
      const capturedLength = u32(b, p + 8);
      const originalLength = u32(b, p + 12);
      if (capturedLength > MAX_RECORD_BYTES) {
        throw new CaptureFormatError(
          file,
          offset,
          `record of frame ${frame + 1} claims ${capturedLength} captured bytes (corrupt length)`,
        );
      }
      const recordBytes = PCAP_RECORD_HEADER_BYTES + capturedLength;
      if (input.available < recordBytes && !(yield* batch.refill(recordBytes))) {
        throw new CaptureFormatError(
          file,
          offset,
          `truncated record of frame ${frame + 1}: ${input.available - PCAP_RECORD_HEADER_BYTES} of ${capturedLength} bytes`,
        );
      }
      b = input.buffer;
      p = input.position;
      frame += 1;
      const micros = nanoseconds ? Math.floor(fraction / 1000) : fraction;
      batch.block.push(
        b,
        frame,
        offset,
        seconds * 1e6 + micros,
        true,
        0,
        linkType,
        originalLength,
        p + PCAP_RECORD_HEADER_BYTES,
        p + recordBytes,
      );
      input.skip(recordBytes);
    }
  } catch (error) {
    // The frames read before a fault are results too.
    if (batch.block.count > 0) yield batch.block;
    throw error;
  }
}

/** Unsigned 32-bit integer at `at` in the file's byte order (indexing the bytes: Buffer's readers check their arguments at every call). */
function recordU32(b: Buffer, at: number, littleEndian: boolean): number {
  return littleEndian
    ? b[at + 3]! * 0x1000000 + ((b[at + 2]! << 16) | (b[at + 1]! << 8) | b[at]!)
    : b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

/**
 * Adds every whole pcap record from the window's position to `block` and moves past them;
 * stops at a record cut by the window's end or with an impossible length (for the caller,
 * which refills or reports it). Returns how many records it added.
 */
function scanPcapRecords(
  input: ChunkedFile,
  littleEndian: boolean,
  nanoseconds: boolean,
  linkType: number,
  lastFrame: number,
  block: FrameBlock,
): number {
  const b = input.buffer;
  const start = input.position;
  const end = start + input.available;
  if (block.count === 0) {
    block.buffer = b;
    block.firstFrame = lastFrame + 1;
  } else if (block.buffer !== b || block.firstFrame + block.count !== lastFrame + 1) {
    throw new Error('a frame block holds consecutive frames of one read window');
  }
  block.reserve(block.count + Math.floor((end - start) / PCAP_RECORD_HEADER_BYTES) + 1);
  const fileOffset = input.offset - start;
  let i = block.count;
  let p = start;
  while (p + PCAP_RECORD_HEADER_BYTES <= end) {
    const capturedLength = recordU32(b, p + 8, littleEndian);
    const recordEnd = p + PCAP_RECORD_HEADER_BYTES + capturedLength;
    if (capturedLength > MAX_RECORD_BYTES || recordEnd > end) break;
    const fraction = recordU32(b, p + 4, littleEndian);
    block.timestamp[i] = recordU32(b, p, littleEndian) * 1e6 + (nanoseconds ? Math.floor(fraction / 1000) : fraction);
    block.offset[i] = fileOffset + p;
    block.originalLength[i] = recordU32(b, p + 12, littleEndian);
    block.start[i] = p + PCAP_RECORD_HEADER_BYTES;
    block.end[i] = recordEnd;
    block.linkType[i] = linkType;
    block.interfaceId[i] = 0;
    block.timestampKnown[i] = 1;
    i += 1;
    p = recordEnd;
  }
  const added = i - block.count;
  block.count = i;
  input.skip(p - start);
  return added;
}

/** Ticks of an interface's clock → µs since the epoch. */
function ticksToMicros(high: number, low: number, iface: Interface): number {
  if (iface.unitsPerSecond === 1_000_000n) return high * TWO_POW_32 + low + iface.offsetMicros;
  // Nanosecond and binary resolutions overflow a double's exact range: divide in BigInt.
  const ticks = (BigInt(high) << 32n) | BigInt(low);
  return Number((ticks * 1_000_000n) / iface.unitsPerSecond) + iface.offsetMicros;
}

/** The options of an IDB that change how its packets are read (if_tsresol, if_tsoffset). */
function interfaceOptions(
  block: Buffer,
  start: number,
  end: number,
  littleEndian: boolean,
): { unitsPerSecond: bigint; offsetMicros: number } {
  let unitsPerSecond = 1_000_000n;
  let offsetMicros = 0;
  let p = start;
  while (p + 4 <= end) {
    const code = littleEndian ? block.readUInt16LE(p) : block.readUInt16BE(p);
    const length = littleEndian ? block.readUInt16LE(p + 2) : block.readUInt16BE(p + 2);
    if (code === 0) break;
    const value = p + 4;
    if (value + length > end) break;
    if (code === 9 && length >= 1) {
      const resolution = block[value]!;
      // MSB clear: 10^-n seconds; set: 2^-n seconds.
      unitsPerSecond = resolution & 0x80 ? 1n << BigInt(resolution & 0x7f) : 10n ** BigInt(resolution);
    } else if (code === 14 && length >= 8) {
      const seconds = littleEndian ? block.readBigInt64LE(value) : block.readBigInt64BE(value);
      offsetMicros = Number(seconds) * 1e6;
    }
    p = value + ((length + 3) & ~3);
  }
  return { unitsPerSecond, offsetMicros };
}

async function* readPcapng(file: string, input: ChunkedFile): AsyncGenerator<FrameBlock> {
  let littleEndian = true;
  let interfaces: Interface[] = [];
  let frame = 0;
  let lastTimestamp = 0;
  let sawSection = false;
  const batch = new WindowBatch(input);
  try {
    for (;;) {
      if (input.available < 12 && !(yield* batch.refill(12))) {
        if (input.available === 0) return;
        throw new CaptureFormatError(
          file,
          input.offset,
          `truncated block header (${input.available} of 12 bytes) after frame ${frame}`,
        );
      }
      const offset = input.offset;
      let b = input.buffer;
      let p = input.position;
      const rawType = b.readUInt32LE(p);
      if (rawType === BLOCK_SHB) {
        // A new section may switch byte order; its magic says which.
        const orderMagic = b.readUInt32LE(p + 8);
        if (orderMagic === BYTE_ORDER_MAGIC) littleEndian = true;
        else if (b.readUInt32BE(p + 8) === BYTE_ORDER_MAGIC) littleEndian = false;
        else
          throw new CaptureFormatError(
            file,
            offset + 8,
            `section header block with an unknown byte-order magic 0x${orderMagic.toString(16)}`,
          );
        sawSection = true;
        interfaces = [];
      } else if (!sawSection) {
        throw new CaptureFormatError(file, offset, 'pcapng file does not start with a section header block');
      }
      const type = littleEndian ? rawType : b.readUInt32BE(p);
      const length = littleEndian ? b.readUInt32LE(p + 4) : b.readUInt32BE(p + 4);
      if (length < 12 || length % 4 !== 0 || length > MAX_RECORD_BYTES) {
        throw new CaptureFormatError(
          file,
          offset + 4,
          `block of type 0x${type.toString(16)} has an invalid total length ${length}`,
        );
      }
      if (input.available < length && !(yield* batch.refill(length))) {
        throw new CaptureFormatError(
          file,
          offset,
          `truncated block of type 0x${type.toString(16)}: ${input.available} of ${length} bytes`,
        );
      }
      b = input.buffer;
      p = input.position;
      const u32 = littleEndian ? (o: number) => b.readUInt32LE(p + o) : (o: number) => b.readUInt32BE(p + o);
      if (u32(length - 4) !== length) {
        throw new CaptureFormatError(
          file,
          offset + length - 4,
          `block of type 0x${type.toString(16)} ends with length ${u32(length - 4)}, not ${length}`,
        );
      }
      const bodyEnd = length - 4;
      let packet: {
        interfaceId: number;
        timestamp: number;
        known: boolean;
        capturedLength: number;
        originalLength: number;
        dataAt: number;
      } | null = null;
      if (type === BLOCK_IDB) {
        if (length < 20)
          throw new CaptureFormatError(file, offset, `interface description block too short (${length} bytes)`);
        const linkType = littleEndian ? b.readUInt16LE(p + 8) : b.readUInt16BE(p + 8);
        interfaces.push({ linkType, snapLength: u32(12), ...interfaceOptions(b, p + 16, p + bodyEnd, littleEndian) });
      } else if (type === BLOCK_EPB || type === BLOCK_OPB) {
        if (length < 32) throw new CaptureFormatError(file, offset, `packet block too short (${length} bytes)`);
        const interfaceId = type === BLOCK_EPB ? u32(8) : littleEndian ? b.readUInt16LE(p + 8) : b.readUInt16BE(p + 8);
        const iface = interfaces[interfaceId];
        if (!iface)
          throw new CaptureFormatError(
            file,
            offset + 8,
            `packet block names interface ${interfaceId}, but the section describes ${interfaces.length}`,
          );
        const capturedLength = u32(20);
        if (28 + capturedLength > bodyEnd) {
          throw new CaptureFormatError(
            file,
            offset + 20,
            `packet block claims ${capturedLength} captured bytes but holds ${bodyEnd - 28}`,
          );
        }
        lastTimestamp = ticksToMicros(u32(12), u32(16), iface);
        packet = {
          interfaceId,
          timestamp: lastTimestamp,
          known: true,
          capturedLength,
          originalLength: u32(24),
          dataAt: 28,
        };
      } else if (type === BLOCK_SPB) {
        const iface = interfaces[0];
        if (!iface)
          throw new CaptureFormatError(file, offset, 'simple packet block before any interface description block');
        const originalLength = u32(8);
        const room = bodyEnd - 12;
        const capturedLength = Math.min(originalLength, room, iface.snapLength === 0 ? room : iface.snapLength);
        packet = { interfaceId: 0, timestamp: lastTimestamp, known: false, capturedLength, originalLength, dataAt: 12 };
      }
      // Every other block (name resolution, statistics, custom, ...) is skipped by its length.
      if (packet !== null) {
        frame += 1;
        batch.block.push(
          b,
          frame,
          offset,
          packet.timestamp,
          packet.known,
          packet.interfaceId,
          interfaces[packet.interfaceId]!.linkType,
          packet.originalLength,
          p + packet.dataAt,
          p + packet.dataAt + packet.capturedLength,
        );
      }
      input.skip(length);
    }
  } catch (error) {
    // The frames read before a fault are results too.
    if (batch.block.count > 0) yield batch.block;
    throw error;
  }
}
