/**
 * The two fields of a TLS ClientHello that say what a device is connecting to without
 * decrypting anything: the server name (SNI, RFC 6066 §3) and the offered application
 * protocols (ALPN, RFC 7301). Enough to recognise DNS over HTTPS to a known provider.
 */

/** What a ClientHello offered. */
export interface ClientHelloSummary {
  serverName: string | null;
  alpn: string[];
}

/**
 * Reads a ClientHello at the start of a TCP payload; null when the bytes are not one or it
 * continues past them (only the first segment is looked at: hellos fit one in practice).
 */
export function parseClientHello(payload: Buffer): ClientHelloSummary | null {
  // Record header: type 22 (handshake), version, length; handshake type 1 (ClientHello).
  if (payload.length < 9 || payload[0] !== 0x16 || payload[1] !== 0x03 || payload[5] !== 0x01) return null;
  const end = Math.min(payload.length, 5 + payload.readUInt16BE(3));
  let p = 9 + 2 + 32; // handshake header, client_version, random
  if (p + 1 > end) return null;
  p += 1 + payload[p]!; // session id
  if (p + 2 > end) return null;
  p += 2 + payload.readUInt16BE(p); // cipher suites
  if (p + 1 > end) return null;
  p += 1 + payload[p]!; // compression methods
  if (p + 2 > end) return { serverName: null, alpn: [] };
  const extensionsEnd = Math.min(end, p + 2 + payload.readUInt16BE(p));
  p += 2;
  let serverName: string | null = null;
  const alpn: string[] = [];
  while (p + 4 <= extensionsEnd) {
    const type = payload.readUInt16BE(p);
    const length = payload.readUInt16BE(p + 2);
    const body = p + 4;
    const bodyEnd = body + length;
    if (bodyEnd > extensionsEnd) break;
    if (type === 0 && length >= 5) {
      // server_name_list: list length(2), name type(1) = host_name, name length(2), name.
      const nameLength = payload.readUInt16BE(body + 3);
      if (payload[body + 2] === 0 && body + 5 + nameLength <= bodyEnd)
        serverName = payload.toString('ascii', body + 5, body + 5 + nameLength).toLowerCase();
    } else if (type === 16 && length >= 2) {
      let q = body + 2;
      while (q < bodyEnd) {
        const protocolLength = payload[q]!;
        if (q + 1 + protocolLength > bodyEnd) break;
        alpn.push(payload.toString('ascii', q + 1, q + 1 + protocolLength));
        q += 1 + protocolLength;
      }
    }
    p = bodyEnd;
  }
  return { serverName, alpn };
}
