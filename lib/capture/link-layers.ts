/**
 * Link layers: from a captured frame to the network-layer packet inside it, with the MAC
 * addresses where the link type carries them and the VLAN tags passed on the way.
 */
import { u16be } from './bytes.ts';
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

/**
 * What the link layer of a frame said, written into one reused object per reader (no
 * allocation per frame): byte offsets into the frame's buffer, formatted only for the
 * frames someone keeps.
 */
export class LinkHeader {
  /** Offset of the sender's MAC, when the link type records it; -1 otherwise. */
  srcMacAt = -1;
  /** Offset of the receiver's MAC, when the link type records it; -1 otherwise. */
  dstMacAt = -1;
  /** VLAN ids of the tags passed, outermost first (reused: copy what is kept). */
  readonly vlans: number[] = [];
  /** EtherType of the payload (0x0800 or 0x86dd for IP). */
  etherType = 0;
  /** Where the network-layer packet starts in the buffer. */
  payloadOffset = 0;
}

/** Link types {@link readLinkHeader} understands. */
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
 * payload starts at `payloadAt`, in a frame ending at `end`. Each tag's TCI sits at the
 * payload start and the next EtherType after it (Ethernet and cooked v1 have them in line;
 * cooked v2 has its protocol field first and the tags after the 20-byte header).
 */
function afterVlanTags(data: Buffer, end: number, typeAt: number, payloadAt: number, out: LinkHeader): boolean {
  let t = typeAt;
  let p = payloadAt;
  for (;;) {
    if (t + 2 > end) return false;
    const etherType = u16be(data, t);
    if (etherType === ETHERTYPE.VLAN || etherType === ETHERTYPE.QINQ || etherType === ETHERTYPE.QINQ_OLD) {
      if (p + 4 > end) return false;
      out.vlans.push(u16be(data, p) & 0x0fff);
      t = p + 2;
      p += 4;
      continue;
    }
    if (etherType <= 1500) {
      // 802.3 length field: only LLC/SNAP (AA AA 03 + OUI) carries an EtherType on.
      if (p + 8 <= end && data[p] === 0xaa && data[p + 1] === 0xaa && data[p + 2] === 0x03) {
        out.etherType = u16be(data, p + 6);
        out.payloadOffset = p + 8;
        return true;
      }
      return false;
    }
    out.etherType = etherType;
    out.payloadOffset = p;
    return true;
  }
}

/** The IP version nibble of a raw-IP frame as an EtherType. */
function rawIp(data: Buffer, at: number, end: number, out: LinkHeader): boolean {
  if (at >= end) return false;
  const version = data[at]! >> 4;
  if (version !== 4 && version !== 6) return false;
  out.etherType = version === 4 ? ETHERTYPE.IPV4 : ETHERTYPE.IPV6;
  out.payloadOffset = at;
  return true;
}

/** BSD address-family values for IPv6 (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, macOS 30). */
const AF_INET6 = new Set([10, 24, 28, 30]);

/** Loopback's 4-byte address family, whose byte order is the writing host's. */
function loopback(data: Buffer, at: number, end: number, bigEndianOnly: boolean, out: LinkHeader): boolean {
  if (at + 4 > end) return false;
  let family = data.readUInt32BE(at);
  if (!bigEndianOnly && family > 0xffff) family = data.readUInt32LE(at);
  if (family === 2) out.etherType = ETHERTYPE.IPV4;
  else if (AF_INET6.has(family)) out.etherType = ETHERTYPE.IPV6;
  else return false;
  out.payloadOffset = at + 4;
  return true;
}

/** ARPHRD_ETHER: the cooked header's address is a MAC. */
const ARPHRD_ETHER = 1;

/**
 * Decodes the link layer of the frame `data[start, end)` into `out`; false when it carries
 * no IP packet or is cut short (what `out` holds then is meaningless).
 */
export function readLinkHeader(linkType: number, data: Buffer, start: number, end: number, out: LinkHeader): boolean {
  out.srcMacAt = -1;
  out.dstMacAt = -1;
  // Setting an array's length costs a runtime call: only when there is something to clear.
  if (out.vlans.length > 0) out.vlans.length = 0;
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      if (end - start < 14) return false;
      out.srcMacAt = start + 6;
      out.dstMacAt = start;
      return afterVlanTags(data, end, start + 12, start + 14, out);
    case LINKTYPE.LINUX_SLL: {
      // packet type(2) ARPHRD(2) address length(2) address(8) protocol(2): the address is the sender's.
      if (end - start < 16) return false;
      if (data.readUInt16BE(start + 2) === ARPHRD_ETHER && data.readUInt16BE(start + 4) === 6) out.srcMacAt = start + 6;
      return afterVlanTags(data, end, start + 14, start + 16, out);
    }
    case LINKTYPE.LINUX_SLL2: {
      // protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) address length(1) address(8).
      if (end - start < 20) return false;
      if (data.readUInt16BE(start + 8) === ARPHRD_ETHER && data[start + 11] === 6) out.srcMacAt = start + 12;
      return afterVlanTags(data, end, start, start + 20, out);
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_BSD:
    case LINKTYPE.RAW_OPENBSD:
    case LINKTYPE.IPV4:
    case LINKTYPE.IPV6:
      return rawIp(data, start, end, out);
    case LINKTYPE.NULL:
      return loopback(data, start, end, false, out);
    case LINKTYPE.LOOP:
      return loopback(data, start, end, true, out);
    default:
      return false;
  }
}
