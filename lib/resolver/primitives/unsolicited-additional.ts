import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs, requireCanary } from '../canary.ts';
import { normaliseName } from '../../dns/names.ts';

/** Most poisoned names one response carries with `zone` (keeps the answer well under 512 bytes). */
const MAX_ZONE_NAMES = 8;

/**
 * `unsolicitedAdditional(name, canary)`: add an A record for another name to the additional
 * section (the classic cache-poisoning payload). A conforming stub ignores records it did
 * not ask for (Recommendation #7, RFC 5452 §9). With `zone` as the name, every other name
 * of the DUT's zone that has an address (up to 8) is poisoned: names the device really
 * uses, so one that caches them later contacts the canary instead of asking.
 */
export default {
  name: 'unsolicitedAdditional',
  usage: 'unsolicitedAdditional(other name | zone, canary IPv4 address)',
  summary: "add A records for names that were not asked (one name, or the zone's other names), pointing at a canary",
  deterministic: true,
  bind(args, limits) {
    requireArgs(args, 2, this.usage);
    const name = args[0] ?? '';
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`"${name}" is not a domain name`);
    const canary = requireCanary(args[1], 4, limits);
    return (plan, exchange) => {
      const asked = normaliseName(exchange.question.name);
      const names =
        name !== 'zone'
          ? [name]
          : exchange.zone
              .addressNames()
              .filter((n) => normaliseName(n) !== asked)
              .slice(0, MAX_ZONE_NAMES);
      for (const other of names) plan.additionals.push({ name: other, type: 'A', class: 'IN', ttl: 300, data: canary });
      return names.length > 0;
    };
  },
} satisfies PrimitiveDefinition;
