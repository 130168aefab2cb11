/**
 * The network layer: IPv4 (options skipped by IHL, fragments recognised) and IPv6
 * (extension headers walked to the upper-layer protocol).
 */
import { u16be } from './bytes.ts';
import { TextCache } from './text-cache.ts';

/** IP protocol numbers this reader follows or walks past. */
export const IPPROTO = {
  HOPOPTS: 0,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  NONE: 59,
  DSTOPTS: 60,
  MOBILITY: 135,
  HIP: 139,
  SHIM6: 140,
} as const;

/**
 * What the IP header of a packet said, written into one reused object per reader (no
 * allocation per frame): the addresses as offsets, formatted only for packets kept.
 */
export class IpHeader {
  version: 4 | 6 = 4;
  /** Offsets of the source and destination addresses (4 or 16 bytes by `version`). */
  srcAt = 0;
  dstAt = 0;
  /** Upper-layer protocol after any extension headers. */
  protocol = 0;
  /** TTL / hop limit. */
  ttl = 0;
  /** IPv4 identification field; null for IPv6 (its header has none). Tells identical datagrams apart. */
  id: number | null = null;
  /** First fragment of a fragmented datagram: the transport payload is incomplete. */
  fragmented = false;
  /** Where the upper-layer header starts in the buffer. */
  payloadOffset = 0;
  /** Where the IP packet ends (the IP length field, so Ethernet padding and FCS stay out). */
  payloadEnd = 0;
}

/** What {@link readIpHeader} found: an IP packet to follow, or why not (not an error of the file). */
export const IP_READ = {
  OK: 0,
  /** Neither IPv4 nor IPv6. */
  NOT_IP: 1,
  MALFORMED: 2,
  LATER_FRAGMENT: 3,
  ENCRYPTED: 4,
} as const;
export type IpRead = (typeof IP_READ)[keyof typeof IP_READ];

/** The text of an address {@link IpHeader} points at. */
export function formatIp(version: 4 | 6, data: Buffer, at: number): string {
  return version === 4 ? formatIpv4(data, at) : formatIpv6(data, at);
}

/** IPv4 dotted quad of four bytes at `at`. */
export function formatIpv4(data: Buffer, at: number): string {
  return ipv4Texts.get(data.readUInt32BE(at), () => `${data[at]}.${data[at + 1]}.${data[at + 2]}.${data[at + 3]}`);
}

const ipv4Texts = new TextCache();

/** RFC 5952 text of sixteen bytes at `at`: lower case, longest zero run (≥ 2 groups) as `::`, IPv4-mapped dotted. */
export function formatIpv6(data: Buffer, at: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i += 1) groups.push(data.readUInt16BE(at + 2 * i));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return `::ffff:${formatIpv4(data, at + 12)}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function readIpv4(data: Buffer, at: number, frameEnd: number, out: IpHeader): IpRead {
  if (at + 20 > frameEnd) return IP_READ.MALFORMED;
  const headerLength = (data[at]! & 0x0f) * 4;
  const totalLength = u16be(data, at + 2);
  if (headerLength < 20 || at + headerLength > frameEnd) return IP_READ.MALFORMED;
  const fragment = u16be(data, at + 6);
  if ((fragment & 0x1fff) !== 0) return IP_READ.LATER_FRAGMENT;
  // A total length of 0 happens with TCP segmentation offload on the capturing host: take what was captured.
  const end = totalLength === 0 ? frameEnd : Math.min(frameEnd, at + totalLength);
  if (end < at + headerLength) return IP_READ.MALFORMED;
  out.version = 4;
  out.srcAt = at + 12;
  out.dstAt = at + 16;
  out.protocol = data[at + 9]!;
  out.ttl = data[at + 8]!;
  out.id = u16be(data, at + 4);
  out.fragmented = (fragment & 0x2000) !== 0;
  out.payloadOffset = at + headerLength;
  out.payloadEnd = end;
  return IP_READ.OK;
}

function readIpv6(data: Buffer, at: number, frameEnd: number, out: IpHeader): IpRead {
  if (at + 40 > frameEnd) return IP_READ.MALFORMED;
  const payloadLength = u16be(data, at + 4);
  // Payload length 0 is a jumbogram (or offload): take what was captured.
  const end = payloadLength === 0 ? frameEnd : Math.min(frameEnd, at + 40 + payloadLength);
  let next = data[at + 6]!;
  let p = at + 40;
  let fragmented = false;
  for (;;) {
    if (
      next === IPPROTO.HOPOPTS ||
      next === IPPROTO.ROUTING ||
      next === IPPROTO.DSTOPTS ||
      next === IPPROTO.MOBILITY ||
      next === IPPROTO.HIP ||
      next === IPPROTO.SHIM6
    ) {
      if (p + 2 > end) return IP_READ.MALFORMED;
      const following = data[p]!;
      p += (data[p + 1]! + 1) * 8;
      next = following;
    } else if (next === IPPROTO.FRAGMENT) {
      if (p + 8 > end) return IP_READ.MALFORMED;
      const following = data[p]!;
      const field = u16be(data, p + 2);
      if ((field & 0xfff8) !== 0) return IP_READ.LATER_FRAGMENT;
      fragmented = (field & 1) !== 0;
      p += 8;
      next = following;
    } else if (next === IPPROTO.AH) {
      if (p + 2 > end) return IP_READ.MALFORMED;
      const following = data[p]!;
      p += (data[p + 1]! + 2) * 4;
      next = following;
    } else if (next === IPPROTO.ESP) {
      return IP_READ.ENCRYPTED;
    } else {
      break;
    }
    if (p > end) return IP_READ.MALFORMED;
  }
  out.version = 6;
  out.srcAt = at + 8;
  out.dstAt = at + 24;
  out.protocol = next;
  out.ttl = data[at + 7]!;
  out.id = null;
  out.fragmented = fragmented;
  out.payloadOffset = p;
  out.payloadEnd = end;
  return IP_READ.OK;
}

/** Decodes the IP header at `at` of a frame ending at `end` (EtherType 0x0800 → IPv4, 0x86dd → IPv6) into `out`. */
export function readIpHeader(etherType: number, data: Buffer, at: number, end: number, out: IpHeader): IpRead {
  if (etherType === 0x0800) return readIpv4(data, at, end, out);
  if (etherType === 0x86dd) return readIpv6(data, at, end, out);
  return IP_READ.NOT_IP;
}
