/**
 * Which resolvers a device chose itself (paper Recommendation #2, draft IOTDNS-D-DISC-3).
 * With the resolvers the network assigned known, every other one is hard-coded; without
 * them, only the listed public resolvers can be called so (a lab or home network may hand
 * out any private address, but a device that picks a public operator itself is plain).
 */
import { isPublicResolver, PUBLIC_RESOLVERS } from '../capture/classify.ts';

/** The assigned resolvers (empty: unknown) and the public list to fall back on. */
export interface ResolverAssignment {
  assigned: readonly string[];
  /** Public resolver addresses; the default list of capture/classify.ts when absent. */
  publicResolvers?: readonly string[];
}

/** The resolvers among `used` that the device did not get from the network, sorted. */
export function hardcodedResolvers(used: Iterable<string>, assignment: ResolverAssignment): string[] {
  const list = assignment.publicResolvers === undefined ? {} : { publicResolvers: assignment.publicResolvers };
  const hardcoded = new Set<string>();
  for (const address of used) {
    const chosen =
      assignment.assigned.length > 0 ? !assignment.assigned.includes(address) : isPublicResolver(address, list);
    if (chosen) hardcoded.add(address);
  }
  return [...hardcoded].sort();
}

/** An encrypted DNS server the device contacted. */
export interface EncryptedServer {
  protocol: 'dot' | 'doq' | 'doh';
  address: string;
}

/**
 * The hard-coded resolvers among plain DNS servers and encrypted ones. DoH is recognised
 * only by a public endpoint's name or address, so a DoH server is hard-coded unless it is
 * an assigned address.
 */
export function hardcodedServers(
  plain: Iterable<string>,
  encrypted: readonly EncryptedServer[],
  assignment: ResolverAssignment,
): string[] {
  const hardcoded = new Set(hardcodedResolvers([...plain, ...encrypted.map((e) => e.address)], assignment));
  for (const e of encrypted)
    if (e.protocol === 'doh' && !assignment.assigned.includes(e.address)) hardcoded.add(e.address);
  return [...hardcoded].sort();
}

/** The built-in public resolvers with the lab's own (a profile's `publicResolvers`) added, address → operator. */
export function publicResolverList(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...PUBLIC_RESOLVERS, ...extra };
}

/** `208.67.222.222 (OpenDNS (Cisco))` for a listed public resolver, else the address. */
export function describeResolver(address: string, list: Readonly<Record<string, string>> = PUBLIC_RESOLVERS): string {
  const operator = Object.hasOwn(list, address) ? list[address] : undefined;
  return operator === undefined ? address : `${address} (${operator})`;
}
