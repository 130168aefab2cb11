/**
 * The UDP sockets a stub sends its queries from, bound to the device's own address on the
 * ports its source-port strategy picks: one socket for good with a fixed port, a fresh one
 * per query otherwise. A taken port (EADDRINUSE) moves on to the strategy's next candidate.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket } from 'node:dgram';
import type { SourcePortStrategy } from '../profile/profile-types.ts';
import type { DeviceLog } from './device-log.ts';
import { sourcePortAllocator } from './source-ports.ts';
import type { SourcePortAllocator } from './source-ports.ts';

/** Candidate ports tried for one query before it fails to get a socket. */
export const BIND_ATTEMPTS = 10;

/** Called with every datagram any of the sockets receives. */
export type DatagramHandler = (message: Buffer, from: RemoteInfo, socket: Socket) => void;

export class QuerySockets {
  private readonly ports: SourcePortAllocator;
  private shared: Promise<Socket> | undefined;
  private readonly open = new Set<Socket>();

  constructor(
    strategy: SourcePortStrategy,
    private readonly sourceAddress: string,
    private readonly log: DeviceLog,
    private readonly onDatagram: DatagramHandler,
  ) {
    this.ports = sourcePortAllocator(strategy);
  }

  /** A socket for the next query: the shared one (fixed port) or a fresh one. */
  acquire(): Promise<Socket> {
    if (!this.ports.shared) return this.bindFresh();
    // A failed bind is forgotten, so the next query tries the port again (it may be free by then).
    this.shared ??= this.bind(this.ports.next()).catch((error: unknown) => {
      this.shared = undefined;
      throw error;
    });
    return this.shared;
  }

  /** Done with a query's socket: a fresh one is closed, the shared one stays. */
  release(socket: Socket): void {
    if (!this.ports.shared) this.closeSocket(socket);
  }

  /** Closes every socket still open. */
  async close(): Promise<void> {
    await this.shared?.catch(() => undefined);
    for (const socket of this.open) this.closeSocket(socket);
  }

  private async bindFresh(): Promise<Socket> {
    let lastError: unknown;
    for (let tries = 0; tries < BIND_ATTEMPTS; tries += 1) {
      const port = this.ports.next();
      try {
        return await this.bind(port);
      } catch (error) {
        lastError = error;
        this.log('bind-retry', { port, error: (error as NodeJS.ErrnoException).code ?? String(error) });
      }
    }
    throw lastError;
  }

  private bind(port: number): Promise<Socket> {
    const socket = createSocket({ type: this.sourceAddress.includes(':') ? 'udp6' : 'udp4' });
    return new Promise((resolve, reject) => {
      socket.once('error', (error) => {
        socket.close();
        reject(error);
      });
      socket.bind(port, this.sourceAddress, () => {
        socket.removeAllListeners('error');
        socket.on('error', (error) => this.log('error', { port, error: error.message }));
        socket.on('message', (message, from) => this.onDatagram(message, from, socket));
        this.open.add(socket);
        resolve(socket);
      });
    });
  }

  private closeSocket(socket: Socket): void {
    if (!this.open.delete(socket)) return;
    socket.close();
  }
}
