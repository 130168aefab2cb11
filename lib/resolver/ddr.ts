/**
 * Discovery of Designated Resolvers (RFC 9462): the SVCB records with which the resolver
 * answers `_dns.resolver.arpa`, one per encrypted endpoint it listens on, so a client
 * that asked the unencrypted resolver can upgrade to DoT or DoH on the same server.
 */
import type { Answer } from 'dns-packet';
import { isIPv4, isIPv6 } from 'node:net';
import { svcbAnswer } from '../dns/svcb.ts';
import type { SvcbData } from '../dns/svcb.ts';

/** The special-use name DDR queries ask for (RFC 9462 §4). */
export const DDR_QUERY_NAME = '_dns.resolver.arpa';
/** The name the resolver's certificate and DDR answers use when the profile gives none. */
export const DEFAULT_RESOLVER_NAME = 'resolver.dnsconform.invalid';
/** TTL of the DDR answers: long enough that a client need not ask again within a phase. */
export const DDR_TTL_SECONDS = 300;

/** An encrypted endpoint the resolver listens on. */
export interface EncryptedEndpoint {
  transport: 'dot' | 'doh';
  address: string;
  port: number;
  /** DoH only: the URI path. */
  path?: string;
}

/** What the resolver can designate: its name and its encrypted endpoints. */
export interface DesignatedResolvers {
  name: string;
  endpoints: readonly EncryptedEndpoint[];
}

/**
 * The SVCB RDATA advertising each endpoint, DoT first: alpn, port, the address as a hint
 * (RFC 9462 §4: the client still verifies the certificate covers the resolver's IP) and,
 * for DoH, the dohpath template (RFC 9461 §5).
 */
export function ddrRecords(designated: DesignatedResolvers): SvcbData[] {
  const ordered = [...designated.endpoints].sort((a, b) =>
    a.transport === b.transport ? 0 : a.transport === 'dot' ? -1 : 1,
  );
  return ordered.map((endpoint, index) => ({
    priority: index + 1,
    target: designated.name.replace(/\.$/, ''),
    params: {
      alpn: endpoint.transport === 'dot' ? ['dot'] : ['h2', 'http/1.1'],
      port: endpoint.port,
      ...(isIPv4(endpoint.address) ? { ipv4hint: [endpoint.address] } : {}),
      ...(isIPv6(endpoint.address) ? { ipv6hint: [endpoint.address] } : {}),
      ...(endpoint.transport === 'doh' ? { dohpath: `${endpoint.path ?? '/dns-query'}{?dns}` } : {}),
    },
  }));
}

/** The answer section for a DDR query, owned by the name as the client spelled it. */
export function ddrAnswers(owner: string, designated: DesignatedResolvers): Answer[] {
  return ddrRecords(designated).map((data) => svcbAnswer(owner, DDR_TTL_SECONDS, data));
}
