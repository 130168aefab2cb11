/**
 * A simulated device's DHCP client (RFC 2131) for its loopback segment: real DHCPREQUESTs
 * to the harness's dnsmasq, whose ACKs (and the options in them) dnsmasq logs into the
 * run's evidence exactly as for a lab device. Loopback carries no broadcast, so the device
 * has no DISCOVER/INIT-REBOOT: it already holds its fixed address (the profile's), and
 * every request, the one at boot included, is the unicast form a client sends while
 * RENEWING (§4.3.2: `ciaddr` set, no server identifier or requested address), which dnsmasq
 * answers with the device's fixed lease. The device renews at T1 (option 58), else at half
 * the lease, and hands each lease's resolvers (option 6) to `onLease`.
 *
 * Hand-written: the DHCPv4 message is a fixed BOOTP header and a list of type-length-value
 * options, and the npm DHCP packages are unmaintained servers; Node's dgram does the rest.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import type { DeviceLog } from './device-log.ts';

/** What a lease told the device. */
export interface DhcpLease {
  /** Option 6, in order. */
  dnsServers: string[];
  /** Option 51. */
  leaseSeconds: number | null;
  /** Option 58 (T1). */
  renewSeconds: number | null;
}

export interface DhcpClientOptions {
  /** The device's own (fixed) address: `ciaddr`, and the socket's. */
  address: string;
  mac: string;
  /** Where the harness's DHCP server listens (its port is picked per run: loopback needs no port 67). */
  server: { address: string; port: number };
  log: DeviceLog;
  /** Each ACK, in order: the boot lease, then every renewal. */
  onLease: (lease: DhcpLease) => void;
}

const BOOTREQUEST = 1;
const BOOTREPLY = 2;
const MAGIC_COOKIE = 0x63825363;
const OPTIONS_START = 240;
/** RFC 1542 §3.1: a BOOTP message is at least 300 octets. */
const MIN_MESSAGE = 300;
const DHCPREQUEST = 3;
const DHCPACK = 5;
const DHCPNAK = 6;
const OPTION = {
  pad: 0,
  dnsServers: 6,
  leaseTime: 51,
  messageType: 53,
  parameters: 55,
  renewal: 58,
  clientId: 61,
  end: 255,
};
/** Retransmission (RFC 2131 §4.1): 4 s doubling; a loopback server answers in milliseconds, so the device starts at 1 s. */
const FIRST_RETRANSMIT_MS = 1000;
const MAX_RETRANSMIT_MS = 8000;

function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(/[:-]/).map((h) => Number.parseInt(h, 16)));
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** A DHCPREQUEST in the RENEWING form (§4.3.2 table 5): ciaddr set, no server identifier, no requested address. */
export function renewalRequest(xid: number, address: string, mac: string): Buffer {
  const message = Buffer.alloc(MIN_MESSAGE);
  message[0] = BOOTREQUEST;
  message[1] = 1; // Ethernet
  message[2] = 6;
  message.writeUInt32BE(xid, 4);
  ipv4Bytes(address).copy(message, 12);
  const chaddr = macBytes(mac);
  chaddr.copy(message, 28);
  message.writeUInt32BE(MAGIC_COOKIE, 236);
  const options = Buffer.from([
    OPTION.messageType,
    1,
    DHCPREQUEST,
    OPTION.clientId,
    chaddr.length + 1,
    1,
    ...chaddr,
    OPTION.parameters,
    4,
    OPTION.dnsServers,
    OPTION.leaseTime,
    OPTION.renewal,
    1,
    OPTION.end,
  ]);
  options.copy(message, OPTIONS_START);
  return message;
}

/** A server's reply to `xid` for `mac`: ACK with its lease, NAK, or null when it is not one. */
export function parseReply(
  bytes: Buffer,
  xid: number,
  mac: string,
): { kind: 'ack'; lease: DhcpLease } | { kind: 'nak' } | null {
  if (bytes.length < OPTIONS_START || bytes[0] !== BOOTREPLY || bytes.readUInt32BE(4) !== xid) return null;
  if (!bytes.subarray(28, 34).equals(macBytes(mac)) || bytes.readUInt32BE(236) !== MAGIC_COOKIE) return null;
  const lease: DhcpLease = { dnsServers: [], leaseSeconds: null, renewSeconds: null };
  let type: number | null = null;
  for (let at = OPTIONS_START; at < bytes.length; ) {
    const code = bytes[at]!;
    if (code === OPTION.end) break;
    if (code === OPTION.pad) {
      at += 1;
      continue;
    }
    const length = bytes[at + 1];
    if (length === undefined || at + 2 + length > bytes.length) return null;
    const value = bytes.subarray(at + 2, at + 2 + length);
    if (code === OPTION.messageType && length === 1) type = value[0]!;
    else if (code === OPTION.dnsServers)
      for (let i = 0; i + 4 <= length; i += 4) lease.dnsServers.push([...value.subarray(i, i + 4)].join('.'));
    else if (code === OPTION.leaseTime && length === 4) lease.leaseSeconds = value.readUInt32BE(0);
    else if (code === OPTION.renewal && length === 4) lease.renewSeconds = value.readUInt32BE(0);
    at += 2 + length;
  }
  if (type === DHCPACK) return { kind: 'ack', lease };
  if (type === DHCPNAK) return { kind: 'nak' };
  return null;
}

/** Asks for its lease at boot and renews it until stopped. */
export class DhcpClient {
  private socket: Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private xid = 0;
  private retransmitMs = FIRST_RETRANSMIT_MS;
  private firstLease: ((lease: DhcpLease) => void) | null = null;
  private lastLeaseSeconds: number | null = null;

  constructor(private readonly options: DhcpClientOptions) {}

  /**
   * Opens the socket and asks for the lease; resolves with the first ACK (retransmitting
   * with back-off until one comes, as a device does not use the network before it has a lease).
   */
  async start(): Promise<DhcpLease> {
    const socket = createSocket('udp4');
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, this.options.address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (error) => this.options.log('dhcp-error', { error: error.message }));
    socket.on('message', (bytes) => this.receive(bytes));
    const first = new Promise<DhcpLease>((resolve) => {
      this.firstLease = resolve;
    });
    this.request();
    return first;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
  }

  /** Sends a new request (new transaction) and retransmits it until answered. */
  private request(): void {
    if (this.stopped || !this.socket) return;
    this.xid = randomBytes(4).readUInt32BE(0);
    this.retransmitMs = FIRST_RETRANSMIT_MS;
    this.send();
  }

  private send(): void {
    if (this.stopped || !this.socket) return;
    const { address, mac, server, log } = this.options;
    log('dhcp-request', { xid: this.xid, server: `${server.address}:${server.port}` });
    this.socket.send(renewalRequest(this.xid, address, mac), server.port, server.address, (error) => {
      if (error) log('dhcp-error', { xid: this.xid, error: error.message });
    });
    this.schedule(this.retransmitMs, () => {
      this.retransmitMs = Math.min(this.retransmitMs * 2, MAX_RETRANSMIT_MS);
      this.send();
    });
  }

  private schedule(ms: number, action: () => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(action, ms);
  }

  private receive(bytes: Buffer): void {
    const reply = parseReply(bytes, this.xid, this.options.mac);
    if (!reply) return;
    // This transaction is over: a duplicate of the reply must not count twice.
    this.xid = -1;
    if (reply.kind === 'nak') {
      // Loopback has no DISCOVER to fall back on: keep what it has and ask again at the next renewal time.
      this.options.log('dhcp-nak', {});
      this.schedule(this.renewAfterMs(null), () => this.request());
      return;
    }
    const { lease } = reply;
    this.lastLeaseSeconds = lease.leaseSeconds ?? this.lastLeaseSeconds;
    this.options.log('dhcp-ack', { ...lease });
    this.options.onLease(lease);
    this.firstLease?.(lease);
    this.firstLease = null;
    this.schedule(this.renewAfterMs(lease), () => this.request());
  }

  /** T1 when the server sent one, else half the lease (RFC 2131 §4.4.5). */
  private renewAfterMs(lease: DhcpLease | null): number {
    const seconds = lease?.renewSeconds ?? (lease?.leaseSeconds ?? this.lastLeaseSeconds ?? 120) / 2;
    return Math.max(1, seconds) * 1000;
  }
}
