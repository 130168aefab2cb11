/**
 * Packets of a capture file: file format → link layer → IP → UDP/TCP, one async iterator.
 * Frames that carry no UDP or TCP (ARP, ICMP, later fragments, unknown link types) are
 * counted, not yielded; a corrupt file throws {@link CaptureFormatError} after the last
 * good packet.
 */
import { readFrameBlocks } from './file-formats.ts';
import type { FrameBlock, FrameOrigin, ReadFramesOptions } from './file-formats.ts';
import { formatIp, IP_READ, IpHeader, readIpHeader } from './ip.ts';
import { formatMac, isSupportedLinkType, LinkHeader, readLinkHeader } from './link-layers.ts';
import { readTransportHeader, TransportHeader } from './transport.ts';

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
  const layers = new FrameLayers();
  // Packets may be kept, payload and all: their windows are never filled again.
  for await (const block of readFrameBlocks(file, { ...options, recycleWindows: false })) {
    const packets: CapturedPacket[] = [];
    for (let i = 0; i < block.count; i += 1) {
      if (layers.read(block, i, counters)) packets.push(layers.packet(file, block, i));
    }
    if (packets.length > 0) yield packets;
  }
}

/**
 * The link, IP and transport headers of one frame at a time, read into reused objects:
 * {@link read} counts the frame and tells whether it is a UDP or TCP packet without
 * allocating anything, {@link packet} makes the {@link CapturedPacket} of a frame someone
 * keeps. A reader of millions of frames, most of which it passes over, reads them all
 * and makes packets of few.
 */
export class FrameLayers {
  readonly link = new LinkHeader();
  readonly ip = new IpHeader();
  readonly transport = new TransportHeader();

  /** Reads frame `i` of `block` down to UDP/TCP, counted in `counters`; false (counted as what it was) when it carries neither. */
  read(block: FrameBlock, i: number, counters: PacketCounters): boolean {
    counters.frames += 1;
    const data = block.buffer;
    const end = block.end[i]!;
    const linkType = block.linkType[i]!;
    if (!readLinkHeader(linkType, data, block.start[i]!, end, this.link)) {
      if (!isSupportedLinkType(linkType))
        counters.unsupportedLinkTypes[linkType] = (counters.unsupportedLinkTypes[linkType] ?? 0) + 1;
      else counters.other += 1;
      return false;
    }
    const ip = readIpHeader(this.link.etherType, data, this.link.payloadOffset, end, this.ip);
    if (ip !== IP_READ.OK) {
      if (ip === IP_READ.LATER_FRAGMENT) counters.laterFragments += 1;
      else if (ip === IP_READ.MALFORMED) counters.malformed += 1;
      else counters.other += 1;
      return false;
    }
    const protocol = this.ip.protocol;
    if (!readTransportHeader(protocol, data, this.ip.payloadOffset, this.ip.payloadEnd, this.transport)) {
      if (protocol === 6 || protocol === 17) counters.malformed += 1;
      else counters.other += 1;
      return false;
    }
    counters.packets += 1;
    return true;
  }

  /** The packet of frame `i` of `block`, which {@link read} just read (true). */
  packet(file: string, block: FrameBlock, i: number): CapturedPacket {
    const data = block.buffer;
    const { link, ip, transport } = this;
    return {
      file,
      ...block.origin(i),
      srcMac: link.srcMacAt < 0 ? null : formatMac(data, link.srcMacAt),
      dstMac: link.dstMacAt < 0 ? null : formatMac(data, link.dstMacAt),
      vlans: link.vlans.slice(),
      ipVersion: ip.version,
      src: formatIp(ip.version, data, ip.srcAt),
      dst: formatIp(ip.version, data, ip.dstAt),
      ttl: ip.ttl,
      ipId: ip.id,
      transport: transport.transport,
      srcPort: transport.srcPort,
      dstPort: transport.dstPort,
      tcp: transport.transport === 'tcp' ? { seq: transport.seq, ack: transport.ack, flags: transport.flags } : null,
      payload: data.subarray(transport.payloadOffset, transport.payloadEnd),
      incomplete: block.originalLength[i]! > block.end[i]! - block.start[i]! || ip.fragmented,
    };
  }
}
