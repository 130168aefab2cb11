/**
 * The simulated device's own TCP service (its "app port"), which a liveness probe connects
 * to: it accepts and closes each connection. When the device hangs the service stops
 * listening for good, so probes find it dead; a service that needs DNS stops while lookups
 * fail and listens again when they work ({@link DeviceService.setAvailable}).
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { DeviceLog } from './device-log.ts';

export class DeviceService {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | null = null;
  /** Whether the service should be listening (false while it waits for DNS), and the changes to it in order. */
  private available = true;
  private changes: Promise<void> = Promise.resolve();

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly log: DeviceLog,
  ) {
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

  /**
   * Stops accepting (false) or accepts again (true), logging each change; nothing after
   * {@link close}. Changes apply one after the other, whatever order their sockets settle in.
   */
  setAvailable(available: boolean): void {
    if (this.closing || available === this.available) return;
    this.available = available;
    this.log(available ? 'service-resumed' : 'service-paused', { address: this.address, port: this.port });
    this.changes = this.changes.then(() =>
      this.closing ? undefined : available ? this.relisten() : this.stopListening(),
    );
  }

  /** Stops accepting and drops open connections, for good. */
  close(): Promise<void> {
    this.closing ??= this.changes.then(() => this.stopListening());
    return this.closing;
  }

  private stopListening(): Promise<void> {
    return new Promise((resolve) => {
      for (const socket of this.sockets) socket.destroy();
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
    });
  }

  private relisten(): Promise<void> {
    if (this.server.listening) return Promise.resolve();
    return new Promise((resolve) => {
      const failed = (error: Error) => {
        this.log('error', { address: this.address, port: this.port, error: error.message });
        resolve();
      };
      this.server.once('error', failed);
      this.server.listen(this.port, this.address, () => {
        this.server.off('error', failed);
        resolve();
      });
    });
  }
}
