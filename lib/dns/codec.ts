/**
 * Decoding that never throws: the resolver meets garbage on purpose (fuzzing devices,
 * truncated TCP frames), and every failure must become an evidence event, not a crash.
 */
import dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet } from 'dns-packet';

/** dns-packet's decoded packet plus the header fields its typings leave out. */
export interface DecodedMessage extends DecodedPacket {
  opcode: string;
  rcode: string;
}

/** The result of decoding untrusted bytes. */
export type DecodeResult =
  | { ok: true; message: DecodedMessage }
  | { ok: false; error: string; /** Transaction ID when at least the header's first 2 bytes arrived. */ txid: number | null };

/** Smallest valid DNS message: the 12-byte header (RFC 1035 §4.1.1). */
export const HEADER_BYTES = 12;

/** Decodes bytes from the network; failures are returned, not thrown. */
export function decodeMessage(bytes: Buffer): DecodeResult {
  const txid = bytes.length >= 2 ? bytes.readUInt16BE(0) : null;
  if (bytes.length < HEADER_BYTES) {
    return { ok: false, error: `shorter than the 12-byte header (${bytes.length} bytes)`, txid };
  }
  try {
    const message = dnsPacket.decode(bytes) as DecodedMessage;
    if (dnsPacket.decode.bytes !== bytes.length) {
      return { ok: false, error: `${bytes.length - dnsPacket.decode.bytes} trailing bytes after the message`, txid };
    }
    return { ok: true, message };
  } catch (error) {
    return { ok: false, error: (error as Error).message, txid };
  }
}

/** Encodes a message (a thin seam so every encoder call site is one function). */
export function encodeMessage(packet: Packet): Buffer {
  return dnsPacket.encode(packet);
}

/** The header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD/CD). */
export const FLAG = {
  QR: 0x8000,
  AA: dnsPacket.AUTHORITATIVE_ANSWER,
  TC: dnsPacket.TRUNCATED_RESPONSE,
  RD: dnsPacket.RECURSION_DESIRED,
  RA: dnsPacket.RECURSION_AVAILABLE,
  AD: dnsPacket.AUTHENTIC_DATA,
  CD: dnsPacket.CHECKING_DISABLED,
} as const;

/** RCODE values (RFC 1035 §4.1.1, RFC 6895). */
export const RCODE = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
} as const;

export type RcodeName = keyof typeof RCODE;
