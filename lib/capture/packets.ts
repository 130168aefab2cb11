/**
 * Packets of a capture file: file format → link layer → IP → UDP/TCP, one async iterator.
 * Frames that carry no UDP or TCP (ARP, ICMP, later fragments, unknown link types) are
 * counted, not yielded; a corrupt file throws {@link CaptureFormatError} after the last
 * good packet.
 */
import { readFrameBatches } from './file-formats.ts';
import type { FrameOrigin, RawFrame, ReadFramesOptions } from './file-formats.ts';
import { decodeIp } from './ip.ts';
import { decodeLinkLayer, isSupportedLinkType } from './link-layers.ts';
import { decodeTransport } from './transport.ts';

/** One UDP or TCP packet of a capture. */
export interface CapturedPacket extends FrameOrigin {
  /** The capture file, as the caller named it. */
  file: string;
  srcMac: string | null;
  dstMac: string | null;
  /** VLAN ids, outermost first. */
  vlans: number[];
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  /** TTL / hop limit. */
  ttl: number;
  /** IPv4 identification field, null for IPv6. */
  ipId: number | null;
  transport: 'udp' | 'tcp';
  srcPort: number;
  dstPort: number;
  /** TCP sequence/ack numbers and flag bits; null for UDP. */
  tcp: { seq: number; ack: number; flags: number } | null;
  /**
   * The transport payload: a view of the reader's window, which is never written again,
   * so it is safe to keep. Keeping it keeps that window (about 1 MiB) alive: copy
   * payloads you keep in bulk (`Buffer.from`), as the DNS extractor (dns-extract.ts) does.
   */
  payload: Buffer;
  /** The payload may be incomplete: the snap length cut the frame, or it is the first IP fragment. */
  incomplete: boolean;
}

/** What was passed over while reading, for summaries. */
export interface PacketCounters {
  frames: number;
  /** UDP and TCP packets yielded. */
  packets: number;
  /** Frames whose link type this reader does not follow, by link type. */
  unsupportedLinkTypes: Record<number, number>;
  /** Frames without IP (ARP, LLDP, ...) or with another transport (ICMP, ...). */
  other: number;
  /** Non-first IP fragments (their payload is not a transport header). */
  laterFragments: number;
  /** IP or transport headers cut short or inconsistent. */
  malformed: number;
}

/** Fresh zeroed counters. */
export function newPacketCounters(): PacketCounters {
  return { frames: 0, packets: 0, unsupportedLinkTypes: {}, other: 0, laterFragments: 0, malformed: 0 };
}

/** Options of {@link readPackets}. */
export interface ReadPacketsOptions extends ReadFramesOptions {
  /** Counters to add to (pass one object over several files to pool them). */
  counters?: PacketCounters;
}

/** The UDP and TCP packets of a pcap or pcapng file, in file order. */
export async function* readPackets(file: string, options: ReadPacketsOptions = {}): AsyncGenerator<CapturedPacket> {
  for await (const batch of readPacketBatches(file, options)) yield* batch;
}

/**
 * The same packets in batches (one per read window): what a consumer of millions of small
 * packets should iterate, since each `for await` step costs more than decoding a packet.
 * On a fault the packets before it are delivered first, then {@link CaptureFormatError}.
 */
export async function* readPacketBatches(
  file: string,
  options: ReadPacketsOptions = {},
): AsyncGenerator<CapturedPacket[]> {
  const counters = options.counters ?? newPacketCounters();
  for await (const frames of readFrameBatches(file, options)) {
    const packets: CapturedPacket[] = [];
    for (const raw of frames) {
      const packet = decodeFrame(file, raw, counters);
      if (packet !== null) packets.push(packet);
    }
    if (packets.length > 0) yield packets;
  }
}

/** One frame down to UDP/TCP, or null (counted) when it carries neither. */
function decodeFrame(file: string, raw: RawFrame, counters: PacketCounters): CapturedPacket | null {
  counters.frames += 1;
  const data = raw.data;
  const link = decodeLinkLayer(raw.linkType, data);
  if (link === null) {
    if (!isSupportedLinkType(raw.linkType))
      counters.unsupportedLinkTypes[raw.linkType] = (counters.unsupportedLinkTypes[raw.linkType] ?? 0) + 1;
    else counters.other += 1;
    return null;
  }
  const ip = decodeIp(link.etherType, data, link.payloadOffset);
  if (ip === null) {
    counters.other += 1;
    return null;
  }
  if (ip === 'later-fragment') {
    counters.laterFragments += 1;
    return null;
  }
  if (ip === 'malformed') {
    counters.malformed += 1;
    return null;
  }
  if (ip === 'encrypted') {
    counters.other += 1;
    return null;
  }
  const segment = decodeTransport(ip.protocol, data, ip.payloadOffset, ip.payloadEnd);
  if (segment === null) {
    if (ip.protocol === 6 || ip.protocol === 17) counters.malformed += 1;
    else counters.other += 1;
    return null;
  }
  counters.packets += 1;
  return {
    file,
    frame: raw.frame,
    offset: raw.offset,
    timestamp: raw.timestamp,
    timestampKnown: raw.timestampKnown,
    interfaceId: raw.interfaceId,
    linkType: raw.linkType,
    srcMac: link.srcMac,
    dstMac: link.dstMac,
    vlans: link.vlans,
    ipVersion: ip.version,
    src: ip.src,
    dst: ip.dst,
    ttl: ip.ttl,
    ipId: ip.id,
    transport: segment.transport,
    srcPort: segment.srcPort,
    dstPort: segment.dstPort,
    tcp: segment.tcp,
    payload: data.subarray(segment.payloadOffset, segment.payloadEnd),
    incomplete: raw.originalLength > data.length || ip.fragmented,
  };
}
