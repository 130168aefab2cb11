/**
 * The network layer: IPv4 (options skipped by IHL, fragments recognised) and IPv6
 * (extension headers walked to the upper-layer protocol).
 */
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

/** What the IP header of a packet said. */
export interface IpPacket {
  version: 4 | 6;
  src: string;
  dst: string;
  /** Upper-layer protocol after any extension headers. */
  protocol: number;
  /** TTL / hop limit. */
  ttl: number;
  /** IPv4 identification field; null for IPv6 (its header has none). Tells identical datagrams apart. */
  id: number | null;
  /** First fragment of a fragmented datagram: the transport payload is incomplete. */
  fragmented: boolean;
  /** Where the upper-layer header starts in the frame. */
  payloadOffset: number;
  /** Where the IP packet ends (the IP length field, so Ethernet padding and FCS stay out). */
  payloadEnd: number;
}

/** Why a packet was not followed past the IP layer (not an error of the file). */
export type IpSkipReason = 'malformed' | 'later-fragment' | 'encrypted';

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

function decodeIpv4(data: Buffer, at: number): IpPacket | IpSkipReason {
  if (at + 20 > data.length) return 'malformed';
  const headerLength = (data[at]! & 0x0f) * 4;
  const totalLength = data.readUInt16BE(at + 2);
  if (headerLength < 20 || at + headerLength > data.length) return 'malformed';
  const fragment = data.readUInt16BE(at + 6);
  const moreFragments = (fragment & 0x2000) !== 0;
  if ((fragment & 0x1fff) !== 0) return 'later-fragment';
  // A total length of 0 happens with TCP segmentation offload on the capturing host: take what was captured.
  const end = totalLength === 0 ? data.length : Math.min(data.length, at + totalLength);
  if (end < at + headerLength) return 'malformed';
  return {
    version: 4,
    src: formatIpv4(data, at + 12),
    dst: formatIpv4(data, at + 16),
    protocol: data[at + 9]!,
    ttl: data[at + 8]!,
    id: data.readUInt16BE(at + 4),
    fragmented: moreFragments,
    payloadOffset: at + headerLength,
    payloadEnd: end,
  };
}

function decodeIpv6(data: Buffer, at: number): IpPacket | IpSkipReason {
  if (at + 40 > data.length) return 'malformed';
  const payloadLength = data.readUInt16BE(at + 4);
  // Payload length 0 is a jumbogram (or offload): take what was captured.
  const end = payloadLength === 0 ? data.length : Math.min(data.length, at + 40 + payloadLength);
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
      if (p + 2 > end) return 'malformed';
      const following = data[p]!;
      p += (data[p + 1]! + 1) * 8;
      next = following;
    } else if (next === IPPROTO.FRAGMENT) {
      if (p + 8 > end) return 'malformed';
      const following = data[p]!;
      const field = data.readUInt16BE(p + 2);
      if ((field & 0xfff8) !== 0) return 'later-fragment';
      fragmented = (field & 1) !== 0;
      p += 8;
      next = following;
    } else if (next === IPPROTO.AH) {
      if (p + 2 > end) return 'malformed';
      const following = data[p]!;
      p += (data[p + 1]! + 2) * 4;
      next = following;
    } else if (next === IPPROTO.ESP) {
      return 'encrypted';
    } else {
      break;
    }
    if (p > end) return 'malformed';
  }
  return {
    version: 6,
    src: formatIpv6(data, at + 8),
    dst: formatIpv6(data, at + 24),
    protocol: next,
    ttl: data[at + 7]!,
    id: null,
    fragmented,
    payloadOffset: p,
    payloadEnd: end,
  };
}

/** Decodes the IP header at `at` (EtherType 0x0800 → IPv4, 0x86dd → IPv6). */
export function decodeIp(etherType: number, data: Buffer, at: number): IpPacket | IpSkipReason | null {
  if (etherType === 0x0800) return decodeIpv4(data, at);
  if (etherType === 0x86dd) return decodeIpv6(data, at);
  return null;
}
