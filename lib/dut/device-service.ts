/**
 * The simulated device's own TCP service (its "app port"), which a liveness probe connects
 * to: it accepts and closes each connection. When the device hangs the service stops
 * listening, so probes find it dead.
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { DeviceLog } from './device-log.ts';

export class DeviceService {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | null = null;

  constructor(private readonly address: string, private readonly port: number, private readonly log: DeviceLog) {
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => undefined);
      socket.end();
    });
  }

  /** Listens on the device's address; rejects when the port cannot be bound. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.address, () => {
        this.server.off('error', reject);
        this.log('service', { address: this.address, port: this.port });
        resolve();
      });
    });
  }

  /** Stops accepting and drops open connections. */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      for (const socket of this.sockets) socket.destroy();
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
    return this.closing;
  }
}
