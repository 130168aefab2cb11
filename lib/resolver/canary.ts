/**
 * Forged answers may only point at canary addresses: loopback ones, or those a lab
 * profile declares as its own. Never a real host (not even documentation ranges such as
 * 192.0.2.1, which some networks route).
 */
import { isIP } from 'node:net';
import { canonicalAddress } from './access-list.ts';
import type { ScenarioLimits } from './scenario.ts';

function isLoopback(address: string): boolean {
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

/** Checks a forge target; throws a message naming why it is refused. */
export function requireCanary(raw: string | undefined, family: 4 | 6, limits: ScenarioLimits): string {
  if (raw === undefined) throw new Error('needs the canary address as its argument');
  if (isIP(raw) !== family) throw new Error(`"${raw}" is not an IPv${family} address`);
  const address = canonicalAddress(raw);
  const declared = limits.canaries.map(canonicalAddress);
  if (!isLoopback(address) && !declared.includes(address)) {
    throw new Error(
      `${address} is neither loopback nor a canary declared in the profile; forged answers must point at addresses the harness owns`,
    );
  }
  // An IPv6 canary stays IPv6 text, even an IPv4-mapped one (what a forged AAAA record carries).
  return family === 6 ? raw.toLowerCase() : address;
}

/** Requires exactly `count` arguments. */
export function requireArgs(args: string[], count: number, usage: string): void {
  if (args.length !== count)
    throw new Error(`takes ${count === 0 ? 'no arguments' : `${count} argument(s)`}: ${usage}`);
}
