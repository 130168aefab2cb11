/**
 * Who holds a local address and port: the process `ss` names (iproute2, which reads the
 * kernel's socket tables and their owners), so a bind failure can say "taken by dnsmasq
 * (pid 812)" rather than only "taken".
 */
import { spawnSync } from 'node:child_process';

/**
 * The processes listening on (TCP) or bound to (UDP) `address:port`, or on the wildcard
 * address at that port, as `name (pid N)`; null when `ss` is missing or names nobody.
 */
export function portOwner(transport: 'tcp' | 'udp', address: string, port: number): string | null {
  const result = spawnSync('ss', ['-Hlnp', transport === 'tcp' ? '-t' : '-u', `sport = :${port}`], {
    encoding: 'utf8',
  });
  if (result.status !== 0) return null;
  const wanted = new Set([address, `[${address}]`, '0.0.0.0', '*', '[::]', '[::ffff:0.0.0.0]']);
  const owners = new Set<string>();
  for (const line of result.stdout.split('\n')) {
    const local = line.trim().split(/\s+/)[3];
    if (!local) continue;
    const host = local.slice(0, local.lastIndexOf(':')).replace(/%.*$/, '');
    if (!wanted.has(host)) continue;
    for (const match of line.matchAll(/\("([^"]+)",pid=(\d+)/g)) owners.add(`${match[1]} (pid ${match[2]})`);
  }
  return owners.size === 0 ? null : [...owners].join(', ');
}
