/**
 * Listening with a stream server (TCP, TLS, HTTP/2): bind, report the bound port, cap
 * connections, and on close end every open connection rather than wait for clients.
 */
import type { Server, Socket } from 'node:net';
import type { Endpoint } from '../evidence/events.ts';

/** Concurrent connections kept per listener; more are closed at once. */
export const MAX_STREAM_CONNECTIONS = 64;

/** A bound stream listener. */
export interface StreamListener {
  port: number;
  close(): Promise<void>;
}

/**
 * Binds `server`; `serve` attaches the protocol's handlers once the bound endpoint is known.
 * Errors after binding go to `onError` and are never fatal.
 */
export function listenStreamServer(server: Server, address: string, port: number, onError: (error: Error) => void, serve: (serverEnd: Endpoint) => void): Promise<StreamListener> {
  server.maxConnections = MAX_STREAM_CONNECTIONS;
  const sockets = new Set<Socket>();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      server.on('error', onError);
      // 'connection' carries the raw socket for TLS servers too; destroying it ends the session.
      server.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      const serverEnd: Endpoint = { address, port: (server.address() as { port: number }).port };
      serve(serverEnd);
      resolve({
        port: serverEnd.port,
        close: () => new Promise((done) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}
