/** The transport layer: UDP and TCP headers, and where their payload lies. */
import { u16be, u32be } from './bytes.ts';

/**
 * A decoded UDP or TCP header, written into one reused object per reader (no allocation
 * per frame).
 */
export class TransportHeader {
  transport: 'udp' | 'tcp' = 'udp';
  srcPort = 0;
  dstPort = 0;
  /** TCP only: sequence number, acknowledgement number, and the flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  seq = 0;
  ack = 0;
  flags = 0;
  payloadOffset = 0;
  payloadEnd = 0;
}

/** TCP flag bits. */
export const TCP_FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** Decodes a UDP (17) or TCP (6) header between `at` and `end` into `out`; false for other protocols or a short header. */
export function readTransportHeader(
  protocol: number,
  data: Buffer,
  at: number,
  end: number,
  out: TransportHeader,
): boolean {
  if (protocol === 17) {
    if (at + 8 > end) return false;
    const length = u16be(data, at + 4);
    out.transport = 'udp';
    out.srcPort = u16be(data, at);
    out.dstPort = u16be(data, at + 2);
    out.payloadOffset = at + 8;
    // Length 0 is a UDP jumbogram (RFC 2675); otherwise trust the smaller of header and capture.
    out.payloadEnd = length >= 8 ? Math.min(end, at + length) : end;
    return true;
  }
  if (protocol === 6) {
    if (at + 20 > end) return false;
    const headerLength = (data[at + 12]! >> 4) * 4;
    if (headerLength < 20 || at + headerLength > end) return false;
    out.transport = 'tcp';
    out.srcPort = u16be(data, at);
    out.dstPort = u16be(data, at + 2);
    out.seq = u32be(data, at + 4);
    out.ack = u32be(data, at + 8);
    out.flags = data[at + 13]!;
    out.payloadOffset = at + headerLength;
    out.payloadEnd = end;
    return true;
  }
  return false;
}
