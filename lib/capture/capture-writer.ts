/**
 * Writing pcap and pcapng: record encoders that return bytes, so a caller can stream them
 * to a file (round trips through `tcpdump -r`, exporting evidence) or put them together in
 * a test, including deliberately broken files. Both byte orders and timestamp resolutions
 * are writable so the reader can be tested on each.
 */
import { writeFileSync } from 'node:fs';

export type ByteOrder = 'le' | 'be';

/** Header fields of a classic pcap file. */
export interface PcapFileOptions {
  linkType: number;
  byteOrder?: ByteOrder;
  /** 'us' writes the 0xa1b2c3d4 magic, 'ns' the 0xa1b23c4d one. */
  resolution?: 'us' | 'ns';
  snapLength?: number;
}

/** One packet to write. `timestamp` is µs since the epoch; `nanos` (0–999) refines it in ns files. */
export interface PacketRecord {
  timestamp: number;
  nanos?: number;
  data: Buffer;
  /** Length on the wire; defaults to `data.length`. */
  originalLength?: number;
}

function u16(order: ByteOrder, value: number): Buffer {
  const b = Buffer.alloc(2);
  if (order === 'le') b.writeUInt16LE(value);
  else b.writeUInt16BE(value);
  return b;
}

function u32(order: ByteOrder, value: number): Buffer {
  const b = Buffer.alloc(4);
  if (order === 'le') b.writeUInt32LE(value >>> 0);
  else b.writeUInt32BE(value >>> 0);
  return b;
}

/** The 24-byte pcap file header. */
export function pcapFileHeader(options: PcapFileOptions): Buffer {
  const order = options.byteOrder ?? 'le';
  const magic = options.resolution === 'ns' ? 0xa1b23c4d : 0xa1b2c3d4;
  return Buffer.concat([
    u32(order, magic),
    u16(order, 2),
    u16(order, 4),
    u32(order, 0),
    u32(order, 0),
    u32(order, options.snapLength ?? 262144),
    u32(order, options.linkType),
  ]);
}

/** One pcap record (16-byte header and the frame). */
export function pcapRecord(options: PcapFileOptions, record: PacketRecord): Buffer {
  const order = options.byteOrder ?? 'le';
  const seconds = Math.floor(record.timestamp / 1e6);
  const micros = record.timestamp - seconds * 1e6;
  const fraction = options.resolution === 'ns' ? micros * 1000 + (record.nanos ?? 0) : micros;
  return Buffer.concat([
    u32(order, seconds),
    u32(order, fraction),
    u32(order, record.data.length),
    u32(order, record.originalLength ?? record.data.length),
    record.data,
  ]);
}

/** A whole pcap file in memory. */
export function encodePcap(options: PcapFileOptions, records: readonly PacketRecord[]): Buffer {
  return Buffer.concat([pcapFileHeader(options), ...records.map((r) => pcapRecord(options, r))]);
}

/** Writes a pcap file. */
export function writePcapFile(file: string, options: PcapFileOptions, records: readonly PacketRecord[]): void {
  writeFileSync(file, encodePcap(options, records));
}

/** A pcapng block of `type` around `body` (padded to 4 octets), in `order`. */
export function pcapngBlock(order: ByteOrder, type: number, body: Buffer): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const length = padded.length + 12;
  return Buffer.concat([u32(order, type), u32(order, length), padded, u32(order, length)]);
}

/** A pcapng option (code, value padded to 4). */
function pcapngOption(order: ByteOrder, code: number, value: Buffer): Buffer {
  return Buffer.concat([u16(order, code), u16(order, value.length), value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

/** Section Header Block (version 1.0, section length unknown). */
export function pcapngSectionHeader(order: ByteOrder): Buffer {
  const unknownLength = Buffer.alloc(8, 0xff);
  return pcapngBlock(
    order,
    0x0a0d0d0a,
    Buffer.concat([u32(order, 0x1a2b3c4d), u16(order, 1), u16(order, 0), unknownLength]),
  );
}

/** Interface Description Block; `tsresol` is the raw if_tsresol byte (6 = µs, 9 = ns, 0x80|n = 2^-n). */
export function pcapngInterface(order: ByteOrder, linkType: number, tsresol = 6, snapLength = 262144): Buffer {
  const options =
    tsresol === 6
      ? Buffer.alloc(0)
      : Buffer.concat([pcapngOption(order, 9, Buffer.from([tsresol])), pcapngOption(order, 0, Buffer.alloc(0))]);
  return pcapngBlock(order, 1, Buffer.concat([u16(order, linkType), u16(order, 0), u32(order, snapLength), options]));
}

/** Timestamp ticks of an interface with raw if_tsresol `tsresol`, for a time in µs (+ ns). */
function ticksFor(tsresol: number, timestamp: number, nanos: number): bigint {
  const totalNanos = BigInt(timestamp) * 1000n + BigInt(nanos);
  const unitsPerSecond = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  return (totalNanos * unitsPerSecond) / 1_000_000_000n;
}

/** Enhanced Packet Block for interface `interfaceId`, whose if_tsresol byte is `tsresol`. */
export function pcapngEnhancedPacket(
  order: ByteOrder,
  interfaceId: number,
  tsresol: number,
  record: PacketRecord,
): Buffer {
  const ticks = ticksFor(tsresol, record.timestamp, record.nanos ?? 0);
  return pcapngBlock(
    order,
    6,
    Buffer.concat([
      u32(order, interfaceId),
      u32(order, Number(ticks >> 32n)),
      u32(order, Number(ticks & 0xffffffffn)),
      u32(order, record.data.length),
      u32(order, record.originalLength ?? record.data.length),
      record.data,
    ]),
  );
}

/** Simple Packet Block (interface 0, no timestamp). */
export function pcapngSimplePacket(order: ByteOrder, data: Buffer): Buffer {
  return pcapngBlock(order, 3, Buffer.concat([u32(order, data.length), data]));
}
