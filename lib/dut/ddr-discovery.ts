/**
 * The device side of Discovery of Designated Resolvers (RFC 9462 §4): ask the resolver the
 * network assigned for `_dns.resolver.arpa` SVCB over plain DNS, and read the DoT and DoH
 * endpoints it designates. Whether to trust them is decided on connecting (see
 * `encrypted-transport.ts`, RFC 9462 §4.2); this module only asks and reads.
 */
import { createSocket } from 'node:dgram';
import type { Question } from 'dns-packet';
import { randomInt } from 'node:crypto';
import { buildQuery } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import { SVCB_PACKET_TYPE, decodeSvcb, isSvcbType } from '../dns/svcb.ts';
import { DDR_QUERY_NAME } from '../resolver/ddr.ts';
import { failedAnswerChecks } from './answer-acceptance.ts';

/** One encrypted endpoint a DDR answer designates. */
export interface DesignatedEndpoint {
  transport: 'dot' | 'doh';
  /** The SVCB TargetName: the name to send as SNI and find on the certificate. */
  name: string;
  /** Where to connect: the address hint, or the unencrypted resolver's own address without one. */
  address: string;
  port: number;
  /** DoH only: the request path, from the dohpath template (RFC 9461 §5). */
  path?: string;
  /** SvcPriority: lower is preferred. */
  priority: number;
}

/** Where to ask and how long to wait. */
export interface DiscoveryTarget {
  /** The device's own address; the query goes out from it. */
  sourceAddress: string;
  /** The unencrypted resolver the network assigned. */
  resolver: { address: string; port: number };
  timeoutMs: number;
}

/** Default ports when an SVCB record has no `port` (RFC 7858 §3.1, RFC 8484 §3 via HTTPS). */
const DEFAULT_PORT = { dot: 853, doh: 443 } as const;

/**
 * The endpoints designated in a DDR answer, best first. Records whose ALPN set offers neither
 * `dot` nor HTTP/2 or HTTP/1.1 with a dohpath are not usable here and are left out; so are
 * AliasMode records (RFC 9462 §4: DDR uses ServiceMode).
 */
export function designatedEndpoints(
  answers: readonly { type: string; data?: unknown }[],
  resolverAddress: string,
): DesignatedEndpoint[] {
  const endpoints: DesignatedEndpoint[] = [];
  for (const rr of answers) {
    if (!isSvcbType(rr.type) || !Buffer.isBuffer(rr.data)) continue;
    const svcb = decodeSvcb(rr.data);
    if (svcb.priority === 0) continue;
    const alpn = svcb.params.alpn ?? [];
    const address = svcb.params.ipv4hint?.[0] ?? svcb.params.ipv6hint?.[0] ?? resolverAddress;
    const common = { name: svcb.target, address, priority: svcb.priority };
    if (alpn.includes('dot'))
      endpoints.push({ transport: 'dot', port: svcb.params.port ?? DEFAULT_PORT.dot, ...common });
    const template = svcb.params.dohpath;
    if (template && (alpn.includes('h2') || alpn.includes('http/1.1'))) {
      // The template's variable part (`{?dns}`) is where a GET puts the query; POST needs only the path.
      endpoints.push({
        transport: 'doh',
        port: svcb.params.port ?? DEFAULT_PORT.doh,
        path: template.replace(/\{[^}]*\}/g, ''),
        ...common,
      });
    }
  }
  return endpoints.sort((a, b) => a.priority - b.priority);
}

/** Asks the resolver for its designated resolvers; resolves with none when it names none or is silent. */
export async function discoverDesignatedResolvers(target: DiscoveryTarget): Promise<DesignatedEndpoint[]> {
  const txid = randomInt(0, 0x10000);
  const query = encodeMessage(
    buildQuery({ id: txid, name: DDR_QUERY_NAME, type: SVCB_PACKET_TYPE as Question['type'], edns: { udpSize: 1232 } }),
  );
  const socket = createSocket(target.resolver.address.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, target.sourceAddress, () => resolve());
    });
    const reply = await new Promise<Buffer | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), target.timeoutMs);
      socket.on('message', (bytes, from) => {
        const decoded = decodeMessage(bytes);
        if (!decoded.ok) return;
        const failed = failedAnswerChecks(
          decoded.message,
          { address: from.address, port: from.port },
          { txid, name: DDR_QUERY_NAME, type: SVCB_PACKET_TYPE, resolver: target.resolver },
        );
        if (failed.length > 0) return;
        clearTimeout(timer);
        resolve(bytes);
      });
      socket.send(query, target.resolver.port, target.resolver.address);
    });
    if (!reply) return [];
    const decoded = decodeMessage(reply);
    if (!decoded.ok || decoded.message.rcode !== 'NOERROR') return [];
    return designatedEndpoints(decoded.message.answers ?? [], target.resolver.address);
  } finally {
    socket.close();
  }
}
