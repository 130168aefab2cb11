/**
 * What the resolver's TLS listeners (DoT, DoH) share: the TLS parameters recorded as
 * evidence, and a failed handshake recorded as malformed input rather than lost.
 */
import type { TLSSocket } from 'node:tls';
import { nowMicros } from '../evidence/clock.ts';
import type { Endpoint, TlsSummary } from '../evidence/events.ts';
import { canonicalAddress } from './access-list.ts';
import type { Responder } from './responder.ts';

/** Key and certificate chain a TLS listener serves (see `lab-certificate.ts`). */
export interface TlsCredentials {
  keyPem: string;
  certPem: string;
}

/** Oldest TLS version accepted (RFC 8310 §9: TLS 1.2 or later for DNS privacy). */
export const MIN_TLS_VERSION = 'TLSv1.2';

/** The TLS parameters a handshake settled, as evidence records them. */
export function tlsSummary(socket: TLSSocket): TlsSummary {
  const sni = (socket as TLSSocket & { servername?: string | false }).servername;
  return {
    version: socket.getProtocol() ?? 'unknown',
    sni: typeof sni === 'string' && sni !== '' ? sni : null,
    alpn: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
  };
}

/** The client end of a socket, IPv4-mapped addresses normalised. */
export function clientEndpoint(socket: {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
}): Endpoint {
  return { address: canonicalAddress(socket.remoteAddress ?? '?'), port: socket.remotePort ?? 0 };
}

/**
 * A client that failed the TLS handshake (no common version or ALPN, not TLS at all, gave
 * up on our certificate): evidence that it tried, as a malformed event with no bytes.
 */
export function recordHandshakeFailure(
  responder: Responder,
  transport: 'dot' | 'doh',
  server: Endpoint,
  error: Error,
  socket: { remoteAddress?: string | undefined; remotePort?: number | undefined },
): void {
  const code = (error as NodeJS.ErrnoException).code;
  responder.malformed(
    { bytes: Buffer.alloc(0), transport, client: clientEndpoint(socket), server, t: nowMicros() },
    `TLS handshake failed: ${error.message}${code ? ` (${code})` : ''}`,
    null,
  );
}
