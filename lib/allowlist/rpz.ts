/**
 * A Response Policy Zone (draft-vixie-dnsop-dns-rpz) for a Protective DNS resolver that
 * lets a device resolve the names it was seen resolving and nothing else: each allowed name
 * is a QNAME trigger with the PASSTHRU action (`CNAME rpz-passthru.`); every other name
 * answers NXDOMAIN (`CNAME .`) through wildcards. An exact trigger is more specific than a
 * wildcard, so it wins in both Unbound (`rpz:` clause) and BIND (`response-policy`).
 *
 * One `*` at the apex is not enough for Unbound: it looks a wildcard up at the closest
 * encloser only, so `other.example.com` beside an allowed `api.example.com` finds no
 * `*.example.com` and passes (seen with Unbound 1.17). The zone therefore also has a
 * wildcard below every ancestor of an allowed name and below each allowed name (so its
 * subdomains are refused, as BIND refuses them through the ancestors' wildcards).
 *
 * Zone-file syntax is written here: a handful of fixed record lines, for which no
 * zone-writing library earns its weight.
 */

/** The zone's SOA timers: refresh, retry, expire, minimum (seconds). */
const SOA_TIMERS = '3600 600 86400 60';

/** The RPZ origin for a device: `allow.<dut id>.rpz.dnsconform.` (the resolver's `name:` for the zone). */
export function rpzOrigin(dutId: string): string {
  return `allow.${dutId}.rpz.dnsconform.`;
}

/** A serial (RFC 1982, 32 bits) from the time the evidence ends: seconds since the epoch, modulo 2^32. */
function serialOf(lastUpdate: string): number {
  return Math.floor(Date.parse(lastUpdate) / 1000) % 2 ** 32;
}

/** The names under which a wildcard refuses: each allowed name and each of its ancestors below the root, sorted, once each. */
export function refusingWildcards(names: readonly string[]): string[] {
  const parents = new Set<string>();
  for (const name of names) {
    const labels = name.split('.');
    for (let i = 0; i < labels.length; i++) parents.add(labels.slice(i).join('.'));
  }
  return [...parents].sort();
}

/** The zone file text. `names`: the allowed names, canonical (lower case, no trailing dot). */
export function buildRpzZone(options: {
  origin: string;
  names: readonly string[];
  lastUpdate: string;
  comment: string[];
}): string {
  const lines = [
    ...options.comment.map((line) => `; ${line}`),
    `$ORIGIN ${options.origin}`,
    '$TTL 60',
    `@ SOA localhost. hostmaster.localhost. ${serialOf(options.lastUpdate)} ${SOA_TIMERS}`,
    '@ NS localhost.',
    '; allowed: the names the device resolved and their CNAME targets (PASSTHRU)',
    ...options.names.map((name) => `${name} CNAME rpz-passthru.`),
    '; everything else: NXDOMAIN (below each allowed name, below each of their ancestors, and everywhere)',
    ...refusingWildcards(options.names).map((name) => `*.${name} CNAME .`),
    '* CNAME .',
  ];
  return `${lines.join('\n')}\n`;
}
