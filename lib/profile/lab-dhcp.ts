/**
 * What a profile's `network.dhcp` implies before anything runs: the fixed address the
 * harness's DHCP server gives the DUT (derived from its MAC, so the lab never types it),
 * the resolver addresses it hands out before and after the resolver change, and the
 * problems that make the section unusable. Pure: the same profile text always gives the
 * same addresses, so a re-judged bundle sees what the run saw.
 */
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { LabDhcp, Profile } from './profile-types.ts';

/** The interface a simulated device's DHCP runs on. */
export const LOOPBACK_INTERFACE = 'lo';

/** An IPv4 subnet as numbers. */
export interface Ipv4Subnet {
  network: number;
  prefix: number;
  /** Number of addresses, network and broadcast included. */
  size: number;
}

export function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

/** Parses `a.b.c.d/len`; null when it is not a usable IPv4 subnet (prefix 8–30, host bits zero). */
export function parseSubnet(cidr: string): Ipv4Subnet | null {
  const [address, length] = cidr.split('/');
  const prefix = Number(length);
  if (address === undefined || !isIPv4(address) || !Number.isInteger(prefix) || prefix < 8 || prefix > 30) return null;
  const size = 2 ** (32 - prefix);
  const network = ipv4ToNumber(address);
  if (network % size !== 0) return null;
  return { network, prefix, size };
}

export function inSubnet(address: string, subnet: Ipv4Subnet): boolean {
  if (!isIPv4(address)) return false;
  const n = ipv4ToNumber(address);
  return n > subnet.network && n < subnet.network + subnet.size - 1;
}

/** The netmask of a subnet in dotted form (dnsmasq's dhcp-range wants it). */
export function netmask(subnet: Ipv4Subnet): string {
  return numberToIpv4(2 ** 32 - subnet.size);
}

/** The harness resolvers the DHCP server hands out: before the resolver change, and after it. */
export interface DhcpResolvers {
  initial: string;
  changed: string | null;
}

/** UDP listen addresses of the profile's resolver inside the subnet. */
function udpAddressesIn(profile: Profile, subnet: Ipv4Subnet): string[] {
  return [
    ...new Set(
      profile.resolver.listen.filter((l) => l.transport === 'udp' && inSubnet(l.address, subnet)).map((l) => l.address),
    ),
  ];
}

/** Option 6 before and after the change; null when the profile names no usable resolver (see {@link labDhcpProblems}). */
export function dhcpResolvers(profile: Profile, dhcp: LabDhcp): DhcpResolvers | null {
  const subnet = parseSubnet(dhcp.subnet);
  if (!subnet) return null;
  const initial = udpAddressesIn(profile, subnet).find((a) => a !== dhcp.resolverChange);
  if (initial === undefined) return null;
  return { initial, changed: dhcp.resolverChange ?? null };
}

/**
 * The DUT's fixed address: a host of the subnet chosen by a hash of its MAC (so two DUTs
 * on one segment rarely meet; a run refuses two that do), skipping the harness's own
 * addresses and canaries. Hashing rather than "the next free one" keeps it a function of
 * this profile alone.
 */
export function derivedDutAddress(mac: string, subnet: Ipv4Subnet, taken: ReadonlySet<string>): string | null {
  const hosts = subnet.size - 2;
  const start = createHash('sha256').update(mac.toLowerCase()).digest().readUInt32BE(0) % hosts;
  for (let i = 0; i < hosts; i++) {
    const candidate = numberToIpv4(subnet.network + 1 + ((start + i) % hosts));
    if (!taken.has(candidate)) return candidate;
  }
  return null;
}

/** The modified EUI-64 SLAAC address of `mac` in a /64 prefix (RFC 4291 appendix A). */
export function eui64Address(prefix: string, mac: string): string {
  const bytes = mac.split(':').map((h) => parseInt(h, 16));
  const iid = [bytes[0]! ^ 0x02, bytes[1]!, bytes[2]!, 0xff, 0xfe, bytes[3]!, bytes[4]!, bytes[5]!];
  const groups = [0, 2, 4, 6].map((i) => ((iid[i]! << 8) | iid[i + 1]!).toString(16));
  const base = prefix.split('/')[0]!.replace(/::$/, '');
  const head = base
    .split(':')
    .filter((g) => g !== '')
    .slice(0, 4);
  while (head.length < 4) head.push('0');
  return [...head.map((g) => parseInt(g, 16).toString(16)), ...groups].join(':');
}

/** Addresses the harness itself uses on the segment: resolver listeners and canaries. */
function harnessAddresses(profile: Profile): Set<string> {
  return new Set([...profile.resolver.listen.map((l) => l.address), ...profile.canaries]);
}

/** What is wrong with a profile's `network.dhcp`, as JSON pointers and messages. */
export function labDhcpProblems(profile: Profile): { pointer: string; message: string }[] {
  const dhcp = profile.network?.dhcp;
  if (!dhcp) {
    return profile.dut.addresses === undefined
      ? [{ pointer: '/dut', message: 'addresses is required unless network.dhcp hands the DUT its address' }]
      : [];
  }
  const problems: { pointer: string; message: string }[] = [];
  const add = (pointer: string, message: string) => problems.push({ pointer, message });
  // A simulated device's segment is loopback: the harness's dnsmasq serves it on `lo` (on
  // ports of its own, picked at run time), inside the loopback block the device lives in.
  if (profile.device.kind !== 'lab') {
    if (dhcp.interface !== LOOPBACK_INTERFACE)
      add(
        '/network/dhcp/interface',
        `a simulated device's DHCP runs on loopback: interface must be ${LOOPBACK_INTERFACE}`,
      );
    if (!/^127\./.test(dhcp.subnet))
      add('/network/dhcp/subnet', `a simulated device's subnet must be inside 127.0.0.0/8 (its loopback block)`);
    if (dhcp.ipv6)
      add('/network/dhcp/ipv6', 'a simulated device has no IPv6 segment (no router advertisements on loopback)');
  }
  if (!profile.dut.mac)
    add('/dut', 'mac is required with network.dhcp: the DHCP server gives the DUT its fixed address by MAC');
  const subnet = parseSubnet(dhcp.subnet);
  if (!subnet) {
    add('/network/dhcp/subnet', `"${dhcp.subnet}" is not an IPv4 subnet with prefix 8–30 and zero host bits`);
    return problems;
  }
  const inside = udpAddressesIn(profile, subnet);
  if (inside.filter((a) => a !== dhcp.resolverChange).length === 0) {
    add(
      '/resolver/listen',
      `no udp listener inside ${dhcp.subnet}${dhcp.resolverChange ? ` besides resolverChange ${dhcp.resolverChange}` : ''}: the DHCP server has no harness resolver to hand out`,
    );
  }
  if (dhcp.resolverChange !== undefined && !inside.includes(dhcp.resolverChange)) {
    add(
      '/network/dhcp/resolverChange',
      `${dhcp.resolverChange} is not a udp listener of resolver.listen inside ${dhcp.subnet}: the harness must answer on the address it hands out`,
    );
  }
  if (dhcp.renewSeconds !== undefined && dhcp.renewSeconds >= dhcp.leaseSeconds)
    add('/network/dhcp/renewSeconds', `is not below leaseSeconds (${dhcp.leaseSeconds})`);
  if (
    dhcp.encryptedDns &&
    !profile.resolver.listen.some(
      (l) => (l.transport === 'dot' || l.transport === 'doh') && inSubnet(l.address, subnet),
    )
  ) {
    add('/network/dhcp/encryptedDns', `no dot or doh listener inside ${dhcp.subnet} to offer by DNR`);
  }
  profile.dut.addresses?.forEach((address, i) => {
    if (isIPv4(address) && !inSubnet(address, subnet))
      add(`/dut/addresses/${i}`, `${address} is not inside network.dhcp.subnet ${dhcp.subnet}`);
    if (harnessAddresses(profile).has(address))
      add(`/dut/addresses/${i}`, `${address} is one of the harness's own addresses`);
  });
  return problems;
}

/**
 * The profile with the addresses network.dhcp gives the DUT filled in: its fixed IPv4
 * address when dut.addresses names none, and its EUI-64 address when the segment has IPv6.
 * Call after {@link labDhcpProblems} found nothing.
 */
export function withDhcpAddresses(profile: Profile): Profile {
  const dhcp = profile.network?.dhcp;
  if (!dhcp || !profile.dut.mac) return profile;
  const subnet = parseSubnet(dhcp.subnet);
  if (!subnet) return profile;
  const addresses = [...(profile.dut.addresses ?? [])];
  if (!addresses.some(isIPv4)) {
    const derived = derivedDutAddress(profile.dut.mac, subnet, harnessAddresses(profile));
    if (derived) addresses.unshift(derived);
  }
  if (dhcp.ipv6) {
    const slaac = eui64Address(dhcp.ipv6.prefix, profile.dut.mac);
    if (!addresses.includes(slaac)) addresses.push(slaac);
  }
  return { ...profile, dut: { ...profile.dut, addresses } };
}

/** The DUT's fixed IPv4 address on the segment (after {@link withDhcpAddresses}). */
export function dhcpDutAddress(profile: Profile): string | null {
  return profile.network?.dhcp ? (profile.dut.addresses.find(isIPv4) ?? null) : null;
}
