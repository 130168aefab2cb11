/**
 * Picks a device's name-resolution traffic out of captured packets: DNS messages to and
 * from resolvers over UDP and TCP (reassembled), mDNS and LLMNR counted apart (they are not
 * queries to a resolver), and contacts over the encrypted transports (DoT, DoQ, DoH).
 */
import { u16be, u32be } from './bytes.ts';
import type { Endpoint } from '../evidence/events.ts';
import { dnsServiceOf, isDohHost, isPublicResolver, PORT } from './classify.ts';
import type { ClassifyOptions, DnsService } from './classify.ts';
import { isIPv4 } from 'node:net';
import type { IpHeader } from './ip.ts';
import { normaliseMac } from './link-layers.ts';
import type { LinkHeader } from './link-layers.ts';
import type { CapturedPacket } from './packets.ts';
import { DnsTcpReassembler } from './tcp-stream.ts';
import { parseClientHello } from './tls-hello.ts';
import { TCP_FLAG } from './transport.ts';
import type { TransportHeader } from './transport.ts';

/** Who the device is on the wire. Frames are the device's by source MAC when `mac` is given, else by IP. */
export interface DeviceSelector {
  mac?: string;
  ip?: string;
}

/** A DNS message between the device and a resolver. */
export interface ExtractedDnsMessage {
  file: string;
  /** Frame that carried (for TCP: completed) the message. */
  frame: number;
  /** µs since the epoch. */
  timestamp: number;
  /** True when the device sent it. */
  fromDevice: boolean;
  transport: 'udp' | 'tcp';
  /** The device's side. */
  client: Endpoint;
  /** The resolver's side (port 53). */
  server: Endpoint;
  bytes: Buffer;
}

/** The device used an encrypted DNS transport (or a DoH endpoint) with this server. */
export interface SecureDnsContact {
  kind: 'dot' | 'doq' | 'doh';
  server: Endpoint;
  /** TLS server name, when a ClientHello was seen. */
  serverName: string | null;
  /** ALPN protocols offered in the first ClientHello seen. */
  alpn: string[];
  /** First packet of the first contact. */
  file: string;
  frame: number;
  firstSeen: number;
  /** Contacts seen: DoT connections (SYNs; at least 1), DoH ClientHellos, DoQ datagrams. */
  contacts: number;
}

/** Link-local name resolution the device took part in, counted by message. */
export interface LinkLocalCounts {
  /** Messages the device sent, by QR bit. */
  queries: number;
  responses: number;
}

/** Everything the extractor saw besides the messages. */
export interface ExtractionSummary {
  mdns: LinkLocalCounts;
  llmnr: LinkLocalCounts;
  secureDns: SecureDnsContact[];
  /** Frames the device selector could not judge (a MAC was given but the link type records none). */
  framesWithoutMac: number;
  /** UDP/TCP port-53 payloads cut short by the snap length or IP fragmentation. */
  incompleteMessages: number;
  /** TCP streams given up after a gap that never filled. */
  lostTcpStreams: number;
}

/** Whether {@link DnsExtractor.push} acts on this port (as either port of a packet): DNS, mDNS, LLMNR, DoT/DoQ, HTTPS (DoH). */
function isNameResolutionPort(port: number): boolean {
  return (
    port === PORT.DNS || port === PORT.HTTPS || port === PORT.DNS_OVER_TLS || port === PORT.MDNS || port === PORT.LLMNR
  );
}

/** A device's DNS traffic from packets fed in capture order. */
export class DnsExtractor {
  private readonly mac: string | null;
  private readonly ip: string | null;
  /** The MAC's first two and last four bytes, for comparing frames in place; -1 without a MAC. */
  private readonly macHigh: number = -1;
  private readonly macLow: number = -1;
  /** The IPv4 address as a number, for comparing frames in place; -1 without one (or for IPv6). */
  private readonly ipv4: number = -1;
  private readonly tcp = new DnsTcpReassembler();
  private readonly contacts = new Map<string, SecureDnsContact>();
  private readonly counts = {
    mdns: { queries: 0, responses: 0 },
    llmnr: { queries: 0, responses: 0 },
    framesWithoutMac: 0,
    incompleteMessages: 0,
  };

  /**
   * `copyPayloads: false` hands out UDP messages as views of the reader's window instead of
   * copies, for a caller that copies what it keeps at once (a view kept pins its window).
   */
  constructor(
    device: DeviceSelector,
    private readonly options: ClassifyOptions = {},
    private readonly extraction: { copyPayloads?: boolean } = {},
  ) {
    if (device.mac === undefined && device.ip === undefined) throw new Error('the device needs a MAC or an IP address');
    this.mac = device.mac === undefined ? null : normaliseMac(device.mac);
    if (device.mac !== undefined && this.mac === null) throw new Error(`not a MAC address: ${device.mac}`);
    this.ip = device.ip ?? null;
    if (this.mac !== null) {
      const bytes = Buffer.from(this.mac.replace(/:/g, ''), 'hex');
      this.macHigh = bytes.readUInt16BE(0);
      this.macLow = bytes.readUInt32BE(2);
    }
    // Only the dotted quad packets are printed as (`10.0.0.5`, not `010.0.0.5`) can equal a packet's address.
    if (this.ip !== null && isIPv4(this.ip) && this.ip.split('.').every((part) => String(Number(part)) === part)) {
      const bytes = Buffer.from(this.ip.split('.').map(Number));
      this.ipv4 = bytes.readUInt32BE(0);
    }
  }

  /**
   * Whether {@link push} could take anything from the packet whose headers are `link`, `ip`
   * and `transport` (offsets into `data`): false only when it would surely return nothing
   * and count nothing, so a reader need not make a packet of the frame at all. That is a
   * frame that records both MACs, neither of them the device's (when the device is given by
   * MAC), or whose addresses are not the device's IPv4 address (when it is given by that
   * alone), or a packet on none of the ports {@link push} looks at. A frame that records no
   * MAC at all is always taken when the device is given by MAC: push() counts it.
   */
  concerns(data: Buffer, link: LinkHeader, ip: IpHeader, transport: TransportHeader): boolean {
    if (this.mac !== null) {
      if (link.srcMacAt < 0 && link.dstMacAt < 0) return true;
      if (
        link.srcMacAt >= 0 &&
        link.dstMacAt >= 0 &&
        !this.isDeviceMac(data, link.srcMacAt) &&
        !this.isDeviceMac(data, link.dstMacAt)
      )
        return false;
    } else if (this.ipv4 >= 0) {
      if (ip.version !== 4) return false;
      if (u32be(data, ip.srcAt) !== this.ipv4 && u32be(data, ip.dstAt) !== this.ipv4) return false;
    }
    return isNameResolutionPort(transport.srcPort) || isNameResolutionPort(transport.dstPort);
  }

  private isDeviceMac(data: Buffer, at: number): boolean {
    return u32be(data, at + 2) === this.macLow && u16be(data, at) === this.macHigh;
  }

  /** Whether the device sent the packet (true), received it (false), or neither (null). */
  private direction(packet: CapturedPacket): boolean | null {
    if (this.mac !== null) {
      if (packet.srcMac !== null || packet.dstMac !== null) {
        if (packet.srcMac === this.mac) return true;
        if (packet.dstMac === this.mac) return false;
        // Cooked captures record only the sender: a reply to the device falls back to its IP.
        if (packet.dstMac !== null || this.ip === null) return null;
      } else {
        this.counts.framesWithoutMac += 1;
        if (this.ip === null) return null;
      }
    }
    if (packet.src === this.ip) return true;
    if (packet.dst === this.ip) return false;
    return null;
  }

  /** Feeds one packet; returns the DNS messages it carried or completed. */
  push(packet: CapturedPacket): ExtractedDnsMessage[] {
    const fromDevice = this.direction(packet);
    if (fromDevice === null) return [];
    const serverPort = fromDevice ? packet.dstPort : packet.srcPort;
    const service = dnsServiceOf(serverPort) ?? (fromDevice ? dnsServiceOf(packet.srcPort) : null);
    if (service !== null && service !== 'dns') {
      if (fromDevice && packet.transport === 'udp') this.countLinkLocal(service, packet.payload);
      return [];
    }
    if (serverPort === PORT.DNS) return this.dnsMessages(packet, fromDevice);
    if (fromDevice) this.noteSecureDns(packet);
    return [];
  }

  private countLinkLocal(service: Exclude<DnsService, 'dns'>, payload: Buffer): void {
    if (payload.length < 3) return;
    if (payload[2]! & 0x80) this.counts[service].responses += 1;
    else this.counts[service].queries += 1;
  }

  private dnsMessages(packet: CapturedPacket, fromDevice: boolean): ExtractedDnsMessage[] {
    const client = fromDevice
      ? { address: packet.src, port: packet.srcPort }
      : { address: packet.dst, port: packet.dstPort };
    const server = fromDevice
      ? { address: packet.dst, port: packet.dstPort }
      : { address: packet.src, port: packet.srcPort };
    // Object literals written out, not spread from a common part: a spread cost microseconds a message.
    const file = packet.file;
    if (packet.transport === 'udp') {
      if (packet.incomplete) this.counts.incompleteMessages += 1;
      // A copy: the payload is a view that would keep its whole read window alive (unless the caller copies it).
      const bytes = this.extraction.copyPayloads === false ? packet.payload : Buffer.from(packet.payload);
      return [
        { file, fromDevice, client, server, frame: packet.frame, timestamp: packet.timestamp, transport: 'udp', bytes },
      ];
    }
    return this.tcp.push(packet).map((m) => ({
      file,
      fromDevice,
      client,
      server,
      frame: m.packet.frame,
      timestamp: m.packet.timestamp,
      transport: 'tcp' as const,
      bytes: m.bytes,
    }));
  }

  private noteSecureDns(packet: CapturedPacket): void {
    let kind: SecureDnsContact['kind'];
    let hello: ReturnType<typeof parseClientHello> = null;
    let counts: boolean;
    if (packet.dstPort === PORT.DNS_OVER_TLS) {
      kind = packet.transport === 'tcp' ? 'dot' : 'doq';
      if (packet.transport === 'tcp') hello = parseClientHello(packet.payload);
      // A DoT connection is counted at its SYN, a DoQ contact per datagram.
      counts = packet.transport === 'udp' || (packet.tcp!.flags & TCP_FLAG.SYN) !== 0;
    } else if (packet.dstPort === PORT.HTTPS && packet.transport === 'tcp') {
      hello = parseClientHello(packet.payload);
      if (hello === null) return;
      const byName = hello.serverName !== null && isDohHost(hello.serverName, this.options);
      // Without SNI, TLS to a public resolver's address on 443 is taken as DoH to it.
      if (!byName && !(hello.serverName === null && isPublicResolver(packet.dst, this.options))) return;
      kind = 'doh';
      counts = true;
    } else {
      return;
    }
    const key = `${kind}|${packet.dst}|${packet.dstPort}`;
    const known = this.contacts.get(key);
    if (known === undefined) {
      this.contacts.set(key, {
        kind,
        server: { address: packet.dst, port: packet.dstPort },
        serverName: hello?.serverName ?? null,
        alpn: hello?.alpn ?? [],
        file: packet.file,
        frame: packet.frame,
        firstSeen: packet.timestamp,
        contacts: 1,
      });
      return;
    }
    if (hello !== null && known.serverName === null) {
      known.serverName = hello.serverName;
      known.alpn = hello.alpn;
    }
    if (counts) known.contacts += 1;
  }

  /** What was counted so far. */
  summary(): ExtractionSummary {
    return {
      mdns: { ...this.counts.mdns },
      llmnr: { ...this.counts.llmnr },
      secureDns: [...this.contacts.values()].sort((a, b) => a.firstSeen - b.firstSeen),
      framesWithoutMac: this.counts.framesWithoutMac,
      incompleteMessages: this.counts.incompleteMessages,
      lostTcpStreams: this.tcp.lostStreams,
    };
  }
}
