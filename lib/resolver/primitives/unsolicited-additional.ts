import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs, requireCanary } from '../canary.ts';

/**
 * `unsolicitedAdditional(name, canary)`: add an A record for another name to the additional
 * section (the classic cache-poisoning payload). A conforming stub ignores records it did
 * not ask for (Recommendation #7, RFC 5452 §9).
 */
export default {
  name: 'unsolicitedAdditional',
  usage: 'unsolicitedAdditional(other name, canary IPv4 address)',
  summary: 'add an A record for a name that was not asked, pointing at a canary',
  bind(args, limits) {
    requireArgs(args, 2, this.usage);
    const name = args[0] ?? '';
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`"${name}" is not a domain name`);
    const canary = requireCanary(args[1], 4, limits);
    return (plan) => {
      plan.additionals.push({ name, type: 'A', class: 'IN', ttl: 300, data: canary });
      return true;
    };
  },
} satisfies PrimitiveDefinition;
