/**
 * Listening with a stream server (TCP, TLS, HTTP/2): bind, report the bound port, admit
 * connections within per-source limits, and on close end every open connection rather than
 * wait for clients. A host that is not a DUT gets a small share, so strangers holding
 * connections open can never exhaust the DUTs' (RFC 7766 §6.2: servers manage their
 * connections); every refusal is recorded against the client address and its DUT or none.
 */
import type { Server, Socket } from 'node:net';
import type { Endpoint, Transport } from '../evidence/events.ts';
import { clientEndpoint } from './tls-session.ts';
import type { Responder } from './responder.ts';

/** Concurrent connections kept per listener; more are refused at once. */
export const MAX_STREAM_CONNECTIONS = 128;
/** Concurrent connections of one address that is not a DUT's. */
export const MAX_STRANGER_CONNECTIONS_PER_SOURCE = 4;
/** Concurrent connections of all addresses that are not DUTs', together. */
export const MAX_STRANGER_CONNECTIONS = 16;
/** Concurrent connections of one DUT address. */
export const MAX_DUT_CONNECTIONS_PER_SOURCE = 64;

/** Why a new connection from `client` is refused, or null to admit it. */
function refusal(
  open: ReadonlyMap<string, number>,
  strangersOpen: number,
  total: number,
  dut: string | null,
  client: string,
): string | null {
  const own = open.get(client) ?? 0;
  if (total >= MAX_STREAM_CONNECTIONS) return `the listener holds its maximum of ${MAX_STREAM_CONNECTIONS} connections`;
  if (dut !== null)
    return own >= MAX_DUT_CONNECTIONS_PER_SOURCE
      ? `DUT address holds its maximum of ${MAX_DUT_CONNECTIONS_PER_SOURCE} connections`
      : null;
  if (own >= MAX_STRANGER_CONNECTIONS_PER_SOURCE)
    return `not a DUT: the address holds its maximum of ${MAX_STRANGER_CONNECTIONS_PER_SOURCE} connections`;
  if (strangersOpen >= MAX_STRANGER_CONNECTIONS)
    return `not a DUT: hosts that are not DUTs hold their maximum of ${MAX_STRANGER_CONNECTIONS} connections together`;
  return null;
}

/** A bound stream listener. */
export interface StreamListener {
  port: number;
  close(): Promise<void>;
}

/**
 * Binds `server`; `serve` attaches the protocol's handlers once the bound endpoint is known.
 * Errors after binding go to `onError` and are never fatal.
 */
export function listenStreamServer(
  server: Server,
  address: string,
  port: number,
  transport: Transport,
  responder: Responder,
  onError: (error: Error) => void,
  serve: (serverEnd: Endpoint) => void,
): Promise<StreamListener> {
  const sockets = new Set<Socket>();
  const perSource = new Map<string, number>();
  let strangersOpen = 0;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      server.on('error', onError);
      const serverEnd: Endpoint = { address, port: (server.address() as { port: number }).port };
      // 'connection' carries the raw socket for TLS servers too; destroying it here, before
      // the protocol's handlers run, ends the connection unserved (they check `destroyed`).
      server.on('connection', (socket: Socket) => {
        const client = clientEndpoint(socket);
        const dut = responder.ownerOf(client.address);
        const why = refusal(perSource, strangersOpen, sockets.size, dut, client.address);
        if (why) {
          responder.recordConnection({ transport, client, server: serverEnd, action: 'refused', reason: why });
          socket.destroy();
          return;
        }
        sockets.add(socket);
        perSource.set(client.address, (perSource.get(client.address) ?? 0) + 1);
        if (dut === null) strangersOpen += 1;
        socket.on('close', () => {
          sockets.delete(socket);
          const left = (perSource.get(client.address) ?? 1) - 1;
          if (left > 0) perSource.set(client.address, left);
          else perSource.delete(client.address);
          if (dut === null) strangersOpen -= 1;
        });
      });
      serve(serverEnd);
      resolve({
        port: serverEnd.port,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
