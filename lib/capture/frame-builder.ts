/**
 * Building frames byte by byte: link headers (Ethernet with VLAN tags, Linux cooked v1/v2,
 * BSD loopback), IPv4 (options, fragments) and IPv6 (extension headers), UDP and TCP with
 * correct checksums. Used to write pcaps the harness itself produces and to build test
 * captures whose every layer is known; checksums are real so `tcpdump -vv` accepts them.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Bytes of an IPv4 or IPv6 address in text form. */
export function addressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (!isIPv6(address)) throw new Error(`not an IP address: ${address}`);
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    // An embedded IPv4 suffix (`::ffff:192.0.2.1`) is two hex groups.
    const v4 = addressBytes(dotted[1]!);
    text = `${text.slice(0, -dotted[1]!.length)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const front = parse(head);
  const back = parse(rest);
  const groups =
    rest === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(g, 2 * i));
  return bytes;
}

/** MAC bytes of `aa:bb:cc:dd:ee:ff`. */
export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(/[:-]/).map((h) => parseInt(h, 16)));
}

/** The Internet checksum (RFC 1071) of the given buffers, as one sum. */
export function internetChecksum(...parts: Buffer[]): number {
  let sum = 0;
  let odd: number | null = null;
  for (const part of parts) {
    for (let i = 0; i < part.length; i += 1) {
      if (odd === null) odd = part[i]!;
      else {
        sum += (odd << 8) | part[i]!;
        odd = null;
      }
    }
  }
  if (odd !== null) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(src: Buffer, dst: Buffer, protocol: number, length: number): Buffer {
  if (src.length === 4) {
    const b = Buffer.alloc(12);
    src.copy(b, 0);
    dst.copy(b, 4);
    b[9] = protocol;
    b.writeUInt16BE(length, 10);
    return b;
  }
  const b = Buffer.alloc(40);
  src.copy(b, 0);
  dst.copy(b, 16);
  b.writeUInt32BE(length, 32);
  b[39] = protocol;
  return b;
}

/** Endpoints of a segment. */
export interface SegmentEndpoints {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
}

/** A UDP datagram (header + payload) with its checksum over the pseudo-header. */
export function udpDatagram(ends: SegmentEndpoints, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(ends.srcPort, 0);
  header.writeUInt16BE(ends.dstPort, 2);
  header.writeUInt16BE(8 + payload.length, 4);
  const sum = internetChecksum(
    pseudoHeader(addressBytes(ends.src), addressBytes(ends.dst), 17, 8 + payload.length),
    header,
    payload,
  );
  header.writeUInt16BE(sum === 0 ? 0xffff : sum, 6);
  return Buffer.concat([header, payload]);
}

/** TCP header fields a test sets. */
export interface TcpFields {
  seq: number;
  ack?: number;
  /** Flag bits (see TCP_FLAG in transport.ts); default PSH|ACK. */
  flags?: number;
  window?: number;
}

/** A TCP segment (20-byte header + payload) with its checksum. */
export function tcpSegment(ends: SegmentEndpoints, fields: TcpFields, payload: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(ends.srcPort, 0);
  header.writeUInt16BE(ends.dstPort, 2);
  header.writeUInt32BE(fields.seq >>> 0, 4);
  header.writeUInt32BE((fields.ack ?? 0) >>> 0, 8);
  header[12] = 5 << 4;
  header[13] = fields.flags ?? 0x18;
  header.writeUInt16BE(fields.window ?? 65535, 14);
  const sum = internetChecksum(
    pseudoHeader(addressBytes(ends.src), addressBytes(ends.dst), 6, 20 + payload.length),
    header,
    payload,
  );
  header.writeUInt16BE(sum, 16);
  return Buffer.concat([header, payload]);
}

/** IPv4 header choices. */
export interface Ipv4Options {
  ttl?: number;
  id?: number;
  /** Raw options (padded to 4 octets here). */
  options?: Buffer;
  /** Fragment offset in 8-octet units and the More Fragments flag. */
  fragmentOffset?: number;
  moreFragments?: boolean;
}

/** An IPv4 packet around `payload`. */
export function ipv4Packet(
  src: string,
  dst: string,
  protocol: number,
  payload: Buffer,
  choices: Ipv4Options = {},
): Buffer {
  const options = choices.options ?? Buffer.alloc(0);
  const padded = Buffer.concat([options, Buffer.alloc((4 - (options.length % 4)) % 4)]);
  const header = Buffer.alloc(20 + padded.length);
  header[0] = 0x40 | (header.length / 4);
  header.writeUInt16BE(header.length + payload.length, 2);
  header.writeUInt16BE(choices.id ?? 0, 4);
  header.writeUInt16BE((choices.moreFragments ? 0x2000 : 0) | (choices.fragmentOffset ?? 0), 6);
  header[8] = choices.ttl ?? 64;
  header[9] = protocol;
  addressBytes(src).copy(header, 12);
  addressBytes(dst).copy(header, 16);
  padded.copy(header, 20);
  header.writeUInt16BE(internetChecksum(header), 10);
  return Buffer.concat([header, payload]);
}

/** One IPv6 extension header: its type and body (padded to 8 octets with the 2-octet prefix). */
export interface Ipv6Extension {
  type: number;
  body: Buffer;
}

/** An IPv6 packet around `payload`, with extension headers in order. */
export function ipv6Packet(
  src: string,
  dst: string,
  protocol: number,
  payload: Buffer,
  extensions: readonly Ipv6Extension[] = [],
  hopLimit = 64,
): Buffer {
  const chain: Buffer[] = [];
  extensions.forEach((ext, i) => {
    const next = i + 1 < extensions.length ? extensions[i + 1]!.type : protocol;
    if (ext.type === 44) {
      // Fragment header: fixed 8 octets, body is offset/flags(2) + id(4).
      chain.push(
        Buffer.concat([
          Buffer.from([next, 0]),
          ext.body.subarray(0, 6),
          Buffer.alloc(Math.max(0, 6 - ext.body.length)),
        ]),
      );
      return;
    }
    const raw = Buffer.concat([Buffer.from([next, 0]), ext.body]);
    const padded = Buffer.concat([raw, Buffer.alloc((8 - (raw.length % 8)) % 8)]);
    padded[1] = padded.length / 8 - 1;
    chain.push(padded);
  });
  const body = Buffer.concat([...chain, payload]);
  const header = Buffer.alloc(40);
  header.writeUInt32BE(0x60000000, 0);
  header.writeUInt16BE(body.length, 4);
  header[6] = extensions[0]?.type ?? protocol;
  header[7] = hopLimit;
  addressBytes(src).copy(header, 8);
  addressBytes(dst).copy(header, 24);
  return Buffer.concat([header, body]);
}

/** An IP packet of the version the addresses have. */
export function ipPacket(src: string, dst: string, protocol: number, payload: Buffer): Buffer {
  return isIPv4(src) ? ipv4Packet(src, dst, protocol, payload) : ipv6Packet(src, dst, protocol, payload);
}

/** EtherType of an IP packet by its version nibble. */
function etherTypeOf(packet: Buffer): number {
  return packet[0]! >> 4 === 6 ? 0x86dd : 0x0800;
}

/** An Ethernet II frame; `vlans` adds 802.1Q tags (outermost first; the first uses 0x88a8 when `qinq`). */
export function ethernetFrame(
  srcMac: string,
  dstMac: string,
  packet: Buffer,
  vlans: readonly number[] = [],
  qinq = false,
): Buffer {
  const tags = vlans.map((id, i) => {
    const tag = Buffer.alloc(4);
    tag.writeUInt16BE(i === 0 && qinq ? 0x88a8 : 0x8100, 0);
    tag.writeUInt16BE(id & 0x0fff, 2);
    return tag;
  });
  const type = Buffer.alloc(2);
  type.writeUInt16BE(etherTypeOf(packet));
  return Buffer.concat([macBytes(dstMac), macBytes(srcMac), ...tags, type, packet]);
}

/** A Linux cooked v1 (SLL) frame sent by `srcMac`. */
export function linuxCookedV1Frame(srcMac: string, packet: Buffer, packetType = 4): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt16BE(packetType, 0);
  header.writeUInt16BE(1, 2);
  header.writeUInt16BE(6, 4);
  macBytes(srcMac).copy(header, 6);
  header.writeUInt16BE(etherTypeOf(packet), 14);
  return Buffer.concat([header, packet]);
}

/** A Linux cooked v2 (SLL2) frame sent by `srcMac`. */
export function linuxCookedV2Frame(srcMac: string, packet: Buffer, interfaceIndex = 2, packetType = 4): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(etherTypeOf(packet), 0);
  header.writeUInt32BE(interfaceIndex, 4);
  header.writeUInt16BE(1, 8);
  header[10] = packetType;
  header[11] = 6;
  macBytes(srcMac).copy(header, 12);
  return Buffer.concat([header, packet]);
}

/** A BSD loopback (DLT_NULL) frame: the address family in the writing host's byte order. */
export function loopbackFrame(packet: Buffer, order: 'le' | 'be' = 'le', inet6Family = 30): Buffer {
  const family = Buffer.alloc(4);
  const value = etherTypeOf(packet) === 0x0800 ? 2 : inet6Family;
  if (order === 'le') family.writeUInt32LE(value);
  else family.writeUInt32BE(value);
  return Buffer.concat([family, packet]);
}
