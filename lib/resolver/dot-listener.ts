/**
 * DNS over TLS (RFC 7858): TCP framing (two-octet length, RFC 7766) inside TLS, default
 * port 853, ALPN `dot` (RFC 7858 §3.2 and the IANA ALPN registry). The connection is
 * served by the same code as plain TCP, so every scenario applies unchanged.
 */
import { createServer } from 'node:tls';
import type { Responder } from './responder.ts';
import { listenStreamServer } from './stream-server.ts';
import type { StreamListener } from './stream-server.ts';
import { serveConnection } from './tcp-listener.ts';
import { MIN_TLS_VERSION, recordHandshakeFailure, tlsSummary } from './tls-session.ts';
import type { TlsCredentials } from './tls-session.ts';

/** The ALPN protocol id of DNS over TLS. */
export const DOT_ALPN = 'dot';

export function listenDot(
  address: string,
  port: number,
  credentials: TlsCredentials,
  responder: Responder,
  onError: (error: Error) => void,
): Promise<StreamListener> {
  const server = createServer({
    key: credentials.keyPem,
    cert: credentials.certPem,
    ALPNProtocols: [DOT_ALPN],
    minVersion: MIN_TLS_VERSION,
  });
  return listenStreamServer(server, address, port, 'dot', responder, onError, (serverEnd) => {
    server.on('tlsClientError', (error, socket) => {
      recordHandshakeFailure(responder, 'dot', serverEnd, error, socket);
      socket.destroy();
    });
    server.on('secureConnection', (socket) =>
      serveConnection(socket, serverEnd, responder, { transport: 'dot', tls: tlsSummary(socket) }),
    );
  });
}
