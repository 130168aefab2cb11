/**
 * The canary sink: listeners on the canary addresses the harness owns. Forged answers point
 * only there, so anyone connecting is proof a forged record was used; every contact becomes
 * a `canary.contact` event with the first bytes the client sent. The sink answers nothing
 * meaningful: TCP is accepted, read briefly and closed; UDP gets no reply.
 *
 * "Any port" is covered in two layers: these listeners catch the ports devices usually use
 * (and whatever the profile adds), complete with payload; the live packet capture sees every
 * packet to a canary address whatever its port, and `capture-contacts.ts` turns those into
 * `canary.contact` events with source `capture`.
 */
import { createSocket } from 'node:dgram';
import type { Socket as UdpSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { isIPv6 } from 'node:net';
import { nowMicros } from '../evidence/clock.ts';
import type { EvidenceSink } from '../evidence/event-log.ts';
import type { Endpoint, Microseconds } from '../evidence/events.ts';
import { canonicalAddress } from '../resolver/access-list.ts';
import type { CanaryPorts } from './canary-ports.ts';

/** Octets of a contact's payload kept as evidence (the event vocabulary's limit). */
export const MAX_CONTACT_PAYLOAD = 512;
/** How long a TCP contact is read before it is recorded and closed, unless it sends enough or ends first. */
export const TCP_READ_WINDOW_MS = 2000;
/**
 * Why a default port may be passed over: privileged and not root, or taken by a service of
 * the host (sshd on 0.0.0.0:22 blocks 22 on every address). The capture still sees contacts
 * there; a port the profile names is never passed over.
 */
const SKIPPABLE = new Set(['EACCES', 'EADDRINUSE']);

/** One socket the sink listens on. */
export interface CanaryEndpoint {
  transport: 'tcp' | 'udp';
  address: string;
  port: number;
}

/** A default port the host did not let the sink bind (privileged without root, or taken). */
export interface SkippedPort extends CanaryEndpoint {
  code: string;
}

export interface CanarySinkOptions {
  /** The canary addresses. */
  addresses: readonly string[];
  /** Every port to listen on. */
  ports: CanaryPorts;
  /**
   * Ports the profile named itself: failing to bind one of them is an error. A default port
   * the host refuses (privileged, or already taken) is skipped instead, so a simulation runs
   * without root and beside the host's own services.
   */
  required: CanaryPorts;
  /** The DUT a client address belongs to, or null. */
  ownerOf(address: string): string | null;
  sink: EvidenceSink;
  /** Socket errors after start-up (never fatal). */
  onError?: (error: Error) => void;
}

/** A canary socket could not be bound; says which and why. */
export class CanaryBindError extends Error {
  override name = 'CanaryBindError';
  constructor(
    readonly endpoint: CanaryEndpoint,
    readonly code: string | undefined,
    cause: string,
  ) {
    super(
      `canary sink cannot listen on ${endpoint.transport} ${endpoint.address}:${endpoint.port} (${code ?? 'error'}): ${cause}`,
    );
  }
}

const BIND_PROBLEMS: Record<string, string> = {
  EADDRNOTAVAIL: 'that address is not configured on this host',
  EACCES: 'binding a port below 1024 needs root or CAP_NET_BIND_SERVICE',
  EADDRINUSE: 'another program already listens there',
};

export class CanarySink {
  private readonly closers: (() => Promise<void>)[] = [];
  /** TCP contacts still being read; recorded at once when the sink stops. */
  private readonly reading = new Set<() => void>();
  private readonly bound: CanaryEndpoint[] = [];
  private readonly skipped: SkippedPort[] = [];

  constructor(private readonly options: CanarySinkOptions) {}

  /** Binds every listener; on a failure closes what was bound and throws {@link CanaryBindError}. */
  async start(): Promise<{ bound: CanaryEndpoint[]; skipped: SkippedPort[] }> {
    const { addresses, ports, required } = this.options;
    try {
      for (const address of addresses.map(canonicalAddress)) {
        for (const port of ports.tcp) await this.bind({ transport: 'tcp', address, port }, required.tcp.includes(port));
        for (const port of ports.udp) await this.bind({ transport: 'udp', address, port }, required.udp.includes(port));
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    for (const endpoint of this.bound)
      this.options.sink.record({ type: 'canary.listen', t: nowMicros(), dut: null, ...endpoint });
    return { bound: [...this.bound], skipped: [...this.skipped] };
  }

  private async bind(endpoint: CanaryEndpoint, required: boolean): Promise<void> {
    try {
      const close = endpoint.transport === 'tcp' ? await this.listenTcp(endpoint) : await this.listenUdp(endpoint);
      this.closers.push(close);
      this.bound.push(endpoint);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!required && code !== undefined && SKIPPABLE.has(code)) {
        this.skipped.push({ ...endpoint, code });
        return;
      }
      throw new CanaryBindError(endpoint, code, (code && BIND_PROBLEMS[code]) ?? (error as Error).message);
    }
  }

  private contact(
    t: Microseconds,
    transport: 'tcp' | 'udp',
    client: Endpoint,
    canary: Endpoint,
    payload: Buffer,
  ): void {
    this.options.sink.record({
      type: 'canary.contact',
      t,
      dut: this.options.ownerOf(client.address),
      transport,
      client,
      canary,
      payload: payload.subarray(0, MAX_CONTACT_PAYLOAD).toString('base64'),
      source: 'sink',
    });
  }

  private listenTcp(endpoint: CanaryEndpoint): Promise<() => Promise<void>> {
    const server: Server = createServer();
    const sockets = new Set<Socket>();
    const canary: Endpoint = { address: endpoint.address, port: endpoint.port };
    server.on('connection', (socket) => {
      const t = nowMicros();
      sockets.add(socket);
      const client: Endpoint = { address: canonicalAddress(socket.remoteAddress ?? '?'), port: socket.remotePort ?? 0 };
      const chunks: Buffer[] = [];
      let length = 0;
      // Recorded once, when the client sent enough, ended, failed, or the window passed.
      const finish = () => {
        if (!this.reading.delete(finish)) return;
        clearTimeout(timer);
        this.contact(t, 'tcp', client, canary, Buffer.concat(chunks));
        socket.destroy();
      };
      const timer = setTimeout(finish, TCP_READ_WINDOW_MS);
      this.reading.add(finish);
      socket.on('data', (chunk) => {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= MAX_CONTACT_PAYLOAD) finish();
      });
      socket.on('end', finish);
      socket.on('error', finish);
      socket.on('close', () => {
        sockets.delete(socket);
        finish();
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(endpoint.port, endpoint.address, () => {
        server.off('error', reject);
        server.on('error', (e) => this.options.onError?.(e));
        resolve(
          () =>
            new Promise((done) => {
              for (const socket of sockets) socket.destroy();
              server.close(() => done());
            }),
        );
      });
    });
  }

  private listenUdp(endpoint: CanaryEndpoint): Promise<() => Promise<void>> {
    const socket: UdpSocket = createSocket({ type: isIPv6(endpoint.address) ? 'udp6' : 'udp4' });
    const canary: Endpoint = { address: endpoint.address, port: endpoint.port };
    socket.on('message', (bytes, rinfo) => {
      this.contact(nowMicros(), 'udp', { address: canonicalAddress(rinfo.address), port: rinfo.port }, canary, bytes);
    });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(endpoint.port, endpoint.address, () => {
        socket.off('error', reject);
        socket.on('error', (e) => this.options.onError?.(e));
        resolve(() => new Promise((done) => socket.close(() => done())));
      });
    });
  }

  /** TCP contacts accepted and still being read (not yet recorded). */
  get contactsBeingRead(): number {
    return this.reading.size;
  }

  /** Records the contacts still being read, then closes every listener. */
  async stop(): Promise<void> {
    for (const finish of [...this.reading]) finish();
    const closers = this.closers.splice(0);
    await Promise.all(closers.map((close) => close()));
  }
}
