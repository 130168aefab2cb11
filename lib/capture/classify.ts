import { normaliseName } from '../dns/names.ts';
/**
 * What kind of name-resolution traffic a flow is, from ports, addresses and the TLS
 * ClientHello: DNS to a resolver (53), the link-local protocols kept apart from it (mDNS
 * 5353, LLMNR 5355), and the encrypted transports (DoT on TCP 853, DoQ on UDP 853, DoH
 * recognised by server name or by a public resolver's address on 443). The lists of public
 * resolvers and DoH endpoints are defaults a caller can replace.
 */

/** Well-known ports of name-resolution protocols. */
export const PORT = {
  DNS: 53,
  HTTPS: 443,
  /** DNS over TLS (RFC 7858) and DNS over QUIC (RFC 9250). */
  DNS_OVER_TLS: 853,
  MDNS: 5353,
  LLMNR: 5355,
} as const;

/** Public recursive resolvers by address, with the operator's name (for reports). */
export const PUBLIC_RESOLVERS: Readonly<Record<string, string>> = {
  '8.8.8.8': 'Google Public DNS',
  '8.8.4.4': 'Google Public DNS',
  '2001:4860:4860::8888': 'Google Public DNS',
  '2001:4860:4860::8844': 'Google Public DNS',
  '1.1.1.1': 'Cloudflare',
  '1.0.0.1': 'Cloudflare',
  '2606:4700:4700::1111': 'Cloudflare',
  '2606:4700:4700::1001': 'Cloudflare',
  '9.9.9.9': 'Quad9',
  '149.112.112.112': 'Quad9',
  '2620:fe::fe': 'Quad9',
  '2620:fe::9': 'Quad9',
  '208.67.222.222': 'OpenDNS (Cisco)',
  '208.67.220.220': 'OpenDNS (Cisco)',
  '208.67.222.220': 'OpenDNS (Cisco)',
  '208.67.220.222': 'OpenDNS (Cisco)',
  '2620:119:35::35': 'OpenDNS (Cisco)',
  '2620:119:53::53': 'OpenDNS (Cisco)',
  '94.140.14.14': 'AdGuard DNS',
  '94.140.15.15': 'AdGuard DNS',
  '76.76.2.0': 'Control D',
  '76.76.10.0': 'Control D',
  '185.228.168.9': 'CleanBrowsing',
  '185.228.169.9': 'CleanBrowsing',
  '64.6.64.6': 'Verisign Public DNS',
  '64.6.65.6': 'Verisign Public DNS',
  '4.2.2.1': 'Level 3 (Lumen)',
  '4.2.2.2': 'Level 3 (Lumen)',
  '114.114.114.114': '114DNS',
  '223.5.5.5': 'AliDNS',
  '223.6.6.6': 'AliDNS',
  '119.29.29.29': 'DNSPod (Tencent)',
  '180.76.76.76': 'Baidu DNS',
  '77.88.8.8': 'Yandex DNS',
  '77.88.8.1': 'Yandex DNS',
};

/** Host names of public DNS-over-HTTPS endpoints (TLS SNI). */
export const PUBLIC_DOH_HOSTS: readonly string[] = [
  'dns.google',
  'dns.google.com',
  'dns64.dns.google',
  'cloudflare-dns.com',
  'mozilla.cloudflare-dns.com',
  'chrome.cloudflare-dns.com',
  'one.one.one.one',
  '1dot1dot1dot1.cloudflare-dns.com',
  'security.cloudflare-dns.com',
  'family.cloudflare-dns.com',
  'dns.quad9.net',
  'dns9.quad9.net',
  'dns10.quad9.net',
  'dns11.quad9.net',
  'doh.opendns.com',
  'doh.familyshield.opendns.com',
  'dns.adguard.com',
  'dns.adguard-dns.com',
  'unfiltered.adguard-dns.com',
  'family.adguard-dns.com',
  'doh.cleanbrowsing.org',
  'dns.nextdns.io',
  'freedns.controld.com',
  'doh.dns.sb',
  'dns.alidns.com',
  'doh.pub',
  'doh.360.cn',
  'dns.twnic.tw',
  'doh.mullvad.net',
  'dns.mullvad.net',
  'doh.libredns.gr',
];

/** Lists the classification uses; each defaults to the public lists above. */
export interface ClassifyOptions {
  /** Addresses of public resolvers. */
  publicResolvers?: readonly string[];
  /** TLS server names of public DoH endpoints. */
  dohHosts?: readonly string[];
}

/** How DNS traffic on a port is to be read. */
export type DnsService = 'dns' | 'mdns' | 'llmnr';

/** The unencrypted DNS-speaking service of a UDP/TCP port pair, seen from the device, or null. */
export function dnsServiceOf(serverPort: number): DnsService | null {
  if (serverPort === PORT.DNS) return 'dns';
  if (serverPort === PORT.MDNS) return 'mdns';
  if (serverPort === PORT.LLMNR) return 'llmnr';
  return null;
}

/** Whether an address is one of the listed public resolvers. */
export function isPublicResolver(address: string, options: ClassifyOptions = {}): boolean {
  return options.publicResolvers ? options.publicResolvers.includes(address) : Object.hasOwn(PUBLIC_RESOLVERS, address);
}

/** Whether a TLS server name is a listed DoH endpoint (case-insensitive, trailing dot ignored). */
export function isDohHost(serverName: string, options: ClassifyOptions = {}): boolean {
  const name = normaliseName(serverName);
  return (options.dohHosts ?? PUBLIC_DOH_HOSTS).includes(name);
}
