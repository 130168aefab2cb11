/** The transport layer: UDP and TCP headers, and where their payload lies. */

/** A decoded UDP or TCP header. */
export interface TransportSegment {
  transport: 'udp' | 'tcp';
  srcPort: number;
  dstPort: number;
  /** TCP only: sequence number, acknowledgement number, and the flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10). */
  tcp: { seq: number; ack: number; flags: number } | null;
  payloadOffset: number;
  payloadEnd: number;
}

/** TCP flag bits. */
export const TCP_FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** Decodes a UDP (17) or TCP (6) header between `at` and `end`; null for other protocols or a short header. */
export function decodeTransport(protocol: number, data: Buffer, at: number, end: number): TransportSegment | null {
  if (protocol === 17) {
    if (at + 8 > end) return null;
    const length = data.readUInt16BE(at + 4);
    // Length 0 is a UDP jumbogram (RFC 2675); otherwise trust the smaller of header and capture.
    const payloadEnd = length >= 8 ? Math.min(end, at + length) : end;
    return {
      transport: 'udp',
      srcPort: data.readUInt16BE(at),
      dstPort: data.readUInt16BE(at + 2),
      tcp: null,
      payloadOffset: at + 8,
      payloadEnd,
    };
  }
  if (protocol === 6) {
    if (at + 20 > end) return null;
    const headerLength = (data[at + 12]! >> 4) * 4;
    if (headerLength < 20 || at + headerLength > end) return null;
    return {
      transport: 'tcp',
      srcPort: data.readUInt16BE(at),
      dstPort: data.readUInt16BE(at + 2),
      tcp: { seq: data.readUInt32BE(at + 4), ack: data.readUInt32BE(at + 8), flags: data[at + 13]! },
      payloadOffset: at + headerLength,
      payloadEnd: end,
    };
  }
  return null;
}
