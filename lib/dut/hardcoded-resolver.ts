/**
 * A device that also asks a resolver of its own choosing, whatever the network assigned
 * (the paper's Recommendation #2 findings: Google and Amazon devices with 8.8.8.8 or
 * OpenDNS built in). Fire and forget: one query every interval from the device's address;
 * answers, if any, are not used. In tests the address is a loopback one nothing listens on.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { buildQuery } from '../dns/builders.ts';
import { encodeMessage } from '../dns/codec.ts';
import type { DeviceLog } from './device-log.ts';

/** Where, what and how often the device asks on its own. */
export interface HardcodedResolverSpec {
  address: string;
  port: number;
  name: string;
  intervalSeconds: number;
}

export class HardcodedResolverQueries {
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly spec: HardcodedResolverSpec, private readonly sourceAddress: string, private readonly log: DeviceLog) {}

  async start(): Promise<void> {
    const socket = createSocket(this.spec.address.includes(':') ? 'udp6' : 'udp4');
    // ICMP port unreachable comes back as an error on the socket: expected, not fatal.
    socket.on('error', (error) => this.log('hardcoded-error', { message: error.message }));
    socket.on('message', () => undefined);
    await new Promise<void>((resolve) => socket.bind(0, this.sourceAddress, () => resolve()));
    this.socket = socket;
    const ask = () => {
      const txid = randomInt(0, 65536);
      socket.send(encodeMessage(buildQuery({ id: txid, name: this.spec.name, type: 'A' })), this.spec.port, this.spec.address);
      this.log('hardcoded-query', { server: `${this.spec.address}:${this.spec.port}`, name: this.spec.name, txid });
    };
    ask();
    this.timer = setInterval(ask, this.spec.intervalSeconds * 1000);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const socket = this.socket;
    this.socket = null;
    if (socket) await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
