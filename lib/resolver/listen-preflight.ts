/**
 * Whether every socket the resolver will listen on can be had, asked before anything of a run
 * exists (issue 13 point 5): each listen spec is bound once, all at the same time (so two
 * specs that clash with each other are found too), then released. A taken address or port
 * is then a one-line input error naming its holder, and no run directory is left half-made.
 * The resolver's own bind a moment later still reports a port taken in between.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import type { ListenSpec } from '../profile/profile-types.ts';

/** A bind that failed: the error as Node gives it, with the address and port it was for. */
export type ListenProbeFailure = NodeJS.ErrnoException & {
  address: string;
  port: number;
  transport: ListenSpec['transport'];
};

type Held = { close(): void };

function bindUdp(address: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: address.includes(':') ? 'udp6' : 'udp4' });
    socket.once('error', (error) => {
      socket.close();
      reject(error);
    });
    socket.bind({ address, port, exclusive: true }, () => resolve(socket));
  });
}

function listenTcp(address: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: address, port, exclusive: true }, () => resolve(server));
  });
}

/**
 * Binds every spec (UDP for `udp`, TCP for `tcp`, `dot` and `doh`) and releases them all;
 * resolves with the first failure, or null when every socket could be had.
 */
export async function probeListen(specs: readonly ListenSpec[]): Promise<ListenProbeFailure | null> {
  const held: Held[] = [];
  try {
    for (const spec of specs) {
      const port = spec.port ?? 0;
      try {
        held.push(spec.transport === 'udp' ? await bindUdp(spec.address, port) : await listenTcp(spec.address, port));
      } catch (error) {
        return Object.assign(error as NodeJS.ErrnoException, {
          address: spec.address,
          port,
          transport: spec.transport,
        });
      }
    }
    return null;
  } finally {
    for (const socket of held) socket.close();
  }
}
