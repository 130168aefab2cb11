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
  | {
      ok: false;
      error: string /** Transaction ID when at least the header's first 2 bytes arrived. */;
      txid: number | null;
    };

/** Smallest valid DNS message: the 12-byte header (RFC 1035 §4.1.1). */
export const HEADER_BYTES = 12;

/** Fewest octets a question can take: the root name (1) + QTYPE + QCLASS (RFC 1035 §4.1.2). */
export const MIN_QUESTION_BYTES = 5;
/** Fewest octets a resource record can take: the root name (1) + TYPE, CLASS, TTL, RDLENGTH (RFC 1035 §4.1.3). */
export const MIN_RECORD_BYTES = 11;

/**
 * Why the header's section counts cannot fit in the message, or null when they can. Run
 * before the full decode: dns-packet trusts the counts, and a 12-byte header announcing
 * 65 535 records of each kind cost it milliseconds to reject (tens of thousands of name
 * reads past the end) — a flood of such headers starved the resolver of CPU.
 */
export function impossibleCounts(bytes: Buffer): string | null {
  const questions = bytes.readUInt16BE(4);
  const records = bytes.readUInt16BE(6) + bytes.readUInt16BE(8) + bytes.readUInt16BE(10);
  const needed = questions * MIN_QUESTION_BYTES + records * MIN_RECORD_BYTES;
  const available = bytes.length - HEADER_BYTES;
  if (needed <= available) return null;
  return `header announces ${questions} question(s) and ${records} record(s), at least ${needed} octets, but ${available} follow the header`;
}

/** Decodes bytes from the network; failures are returned, not thrown. */
export function decodeMessage(bytes: Buffer): DecodeResult {
  const txid = bytes.length >= 2 ? bytes.readUInt16BE(0) : null;
  if (bytes.length < HEADER_BYTES) {
    return { ok: false, error: `shorter than the 12-byte header (${bytes.length} bytes)`, txid };
  }
  const impossible = impossibleCounts(bytes);
  if (impossible) return { ok: false, error: impossible, txid };
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
