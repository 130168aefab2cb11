/**
 * Link layers: from a captured frame to the network-layer packet inside it, with the MAC
 * addresses where the link type carries them and the VLAN tags passed on the way.
 */
import { TextCache } from './text-cache.ts';

/** LINKTYPE_* values this reader understands (tcpdump.org/linktypes.html). */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  /** DLT_RAW as some BSDs number it. */
  RAW_BSD: 12,
  /** DLT_RAW as OpenBSD numbers it. */
  RAW_OPENBSD: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** EtherTypes met on the way to IP. */
export const ETHERTYPE = {
  IPV4: 0x0800,
  IPV6: 0x86dd,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  /** Pre-standard QinQ tag some switches still send. */
  QINQ_OLD: 0x9100,
} as const;

/** What the link layer of a frame said. */
export interface LinkLayer {
  /** Sender's MAC (`aa:bb:cc:dd:ee:ff`), when the link type records it. */
  srcMac: string | null;
  /** Receiver's MAC, when the link type records it. */
  dstMac: string | null;
  /** VLAN ids of the tags passed, outermost first. */
  vlans: number[];
  /** EtherType of the payload (0x0800 or 0x86dd for IP). */
  etherType: number;
  /** Where the network-layer packet starts in the frame. */
  payloadOffset: number;
}

/** Thrown-free result: null means "not a frame this reader follows" (ARP, LLDP, truncated). */
export type LinkResult = LinkLayer | null;

/** Link types {@link decodeLinkLayer} understands. */
export function isSupportedLinkType(linkType: number): boolean {
  return (Object.values(LINKTYPE) as number[]).includes(linkType);
}

/** `aa:bb:cc:dd:ee:ff` of six bytes at `at`. */
export function formatMac(data: Buffer, at: number): string {
  // Six bytes fit a double exactly: the key of the memoised text.
  return macTexts.get(data.readUIntBE(at, 6), () => macText(data, at));
}

const macTexts = new TextCache();

function macText(data: Buffer, at: number): string {
  let text = '';
  for (let i = 0; i < 6; i += 1) {
    const byte = data[at + i]!;
    text += (i === 0 ? '' : ':') + (byte < 16 ? '0' : '') + byte.toString(16);
  }
  return text;
}

/** Normalises a MAC given by a user (`AA-BB-...`, `aabb.ccdd.eeff`) to the form {@link formatMac} gives, or null. */
export function normaliseMac(text: string): string | null {
  const hex = text.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12 || !/^[0-9a-f:.\-\s]+$/i.test(text)) return null;
  return hex.match(/../g)!.join(':');
}

/**
 * Walks VLAN tags (802.1Q, 802.1ad, stacked) from the EtherType field at `typeAt`, whose
 * payload starts at `payloadAt`. Each tag's TCI sits at the payload start and the next
 * EtherType after it (Ethernet and cooked v1 have them in line; cooked v2 has its protocol
 * field first and the tags after the 20-byte header).
 */
function afterVlanTags(
  data: Buffer,
  typeAt: number,
  payloadAt: number,
  srcMac: string | null,
  dstMac: string | null,
): LinkResult {
  const vlans: number[] = [];
  let t = typeAt;
  let p = payloadAt;
  for (;;) {
    if (t + 2 > data.length) return null;
    const etherType = data.readUInt16BE(t);
    if (etherType === ETHERTYPE.VLAN || etherType === ETHERTYPE.QINQ || etherType === ETHERTYPE.QINQ_OLD) {
      if (p + 4 > data.length) return null;
      vlans.push(data.readUInt16BE(p) & 0x0fff);
      t = p + 2;
      p += 4;
      continue;
    }
    if (etherType <= 1500) {
      // 802.3 length field: only LLC/SNAP (AA AA 03 + OUI) carries an EtherType on.
      if (p + 8 <= data.length && data[p] === 0xaa && data[p + 1] === 0xaa && data[p + 2] === 0x03) {
        return { srcMac, dstMac, vlans, etherType: data.readUInt16BE(p + 6), payloadOffset: p + 8 };
      }
      return null;
    }
    return { srcMac, dstMac, vlans, etherType, payloadOffset: p };
  }
}

/** The IP version nibble of a raw-IP frame as an EtherType. */
function rawIp(data: Buffer, at: number): LinkResult {
  if (at >= data.length) return null;
  const version = data[at]! >> 4;
  if (version === 4) return { srcMac: null, dstMac: null, vlans: [], etherType: ETHERTYPE.IPV4, payloadOffset: at };
  if (version === 6) return { srcMac: null, dstMac: null, vlans: [], etherType: ETHERTYPE.IPV6, payloadOffset: at };
  return null;
}

/** BSD address-family values for IPv6 (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30). */
const AF_INET6 = new Set([10, 24, 28, 30]);

/** Loopback's 4-byte address family, whose byte order is the writing host's. */
function loopback(data: Buffer, bigEndianOnly: boolean): LinkResult {
  if (data.length < 4) return null;
  let family = data.readUInt32BE(0);
  if (!bigEndianOnly && family > 0xffff) family = data.readUInt32LE(0);
  if (family === 2) return { srcMac: null, dstMac: null, vlans: [], etherType: ETHERTYPE.IPV4, payloadOffset: 4 };
  if (AF_INET6.has(family))
    return { srcMac: null, dstMac: null, vlans: [], etherType: ETHERTYPE.IPV6, payloadOffset: 4 };
  return null;
}

/** ARPHRD_ETHER: the cooked header's address is a MAC. */
const ARPHRD_ETHER = 1;

/** Decodes the link layer of one frame; null when it carries no IP packet or is cut short. */
export function decodeLinkLayer(linkType: number, data: Buffer): LinkResult {
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      if (data.length < 14) return null;
      return afterVlanTags(data, 12, 14, formatMac(data, 6), formatMac(data, 0));
    case LINKTYPE.LINUX_SLL: {
      // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2): the address is the sender's.
      if (data.length < 16) return null;
      const mac = data.readUInt16BE(2) === ARPHRD_ETHER && data.readUInt16BE(4) === 6 ? formatMac(data, 6) : null;
      return afterVlanTags(data, 14, 16, mac, null);
    }
    case LINKTYPE.LINUX_SLL2: {
      // protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8).
      if (data.length < 20) return null;
      const mac = data.readUInt16BE(8) === ARPHRD_ETHER && data[11] === 6 ? formatMac(data, 12) : null;
      return afterVlanTags(data, 0, 20, mac, null);
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_BSD:
    case LINKTYPE.RAW_OPENBSD:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return rawIp(data, 0);
    case LINKTYPE.NULL:
      return loopback(data, false);
    case LINKTYPE.LOOP:
      return loopback(data, true);
    default:
      return null;
  }
}
