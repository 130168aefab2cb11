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

/** One captured link-layer frame. `data` is a view that is only valid until the next frame is read. */
export interface RawFrame extends FrameOrigin {
  /** Length of the frame on the wire; more than `data.length` when the snap length cut it. */
  originalLength: number;
  data: Buffer;
}

/** Options of {@link readFrames}. */
export interface ReadFramesOptions {
  /** Refill size of the read window (tests use tiny ones to cross chunk boundaries). */
  chunkBytes?: number;
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

/** Reads the frames of a pcap or pcapng file; throws {@link CaptureFormatError} after the last good frame on corruption. */
export async function* readFrames(file: string, options: ReadFramesOptions = {}): AsyncGenerator<RawFrame> {
  for await (const batch of readFrameBatches(file, options)) yield* batch;
}

/**
 * The frames of a capture in batches: every whole record in the read window at once.
 * One await per batch instead of one per frame, which is most of the reading time on
 * small packets. Each frame's `data` is valid until the next batch is asked for. On a
 * fault the frames before it are delivered first, then {@link CaptureFormatError} thrown.
 */
export async function* readFrameBatches(file: string, options: ReadFramesOptions = {}): AsyncGenerator<RawFrame[]> {
  const input = await ChunkedFile.open(file, options.chunkBytes);
  try {
    if (!(await input.fill(4))) {
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
    await input.close();
  }
}

/** The frames read from the current window, handed over as one batch before it is refilled. */
class WindowBatch {
  frames: RawFrame[] = [];

  constructor(private readonly input: ChunkedFile) {}

  /**
   * Hands over the frames so far, then makes `n` bytes available; false at the end of the
   * file. Called only when the window is short, so reading a whole record costs no await.
   */
  async *refill(n: number): AsyncGenerator<RawFrame[], boolean> {
    if (this.frames.length > 0) {
      yield this.frames;
      this.frames = [];
    }
    return this.input.fill(n);
  }
}

async function* readPcap(file: string, input: ChunkedFile): AsyncGenerator<RawFrame[]> {
  if (!(await input.fill(PCAP_HEADER_BYTES))) {
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
      batch.frames.push({
        frame,
        offset,
        timestamp: seconds * 1e6 + micros,
        timestampKnown: true,
        interfaceId: 0,
        linkType,
        originalLength,
        data: b.subarray(p + PCAP_RECORD_HEADER_BYTES, p + recordBytes),
      });
      input.skip(recordBytes);
    }
  } catch (error) {
    // The frames read before a fault are results too.
    if (batch.frames.length > 0) yield batch.frames;
    throw error;
  }
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

async function* readPcapng(file: string, input: ChunkedFile): AsyncGenerator<RawFrame[]> {
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
        batch.frames.push({
          frame,
          offset,
          timestamp: packet.timestamp,
          timestampKnown: packet.known,
          interfaceId: packet.interfaceId,
          linkType: interfaces[packet.interfaceId]!.linkType,
          originalLength: packet.originalLength,
          data: b.subarray(p + packet.dataAt, p + packet.dataAt + packet.capturedLength),
        });
      }
      input.skip(length);
    }
  } catch (error) {
    // The frames read before a fault are results too.
    if (batch.frames.length > 0) yield batch.frames;
    throw error;
  }
}
