import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';

/** Largest TTL the 32-bit field can carry (RFC 1035 §3.2.1). */
const MAX_TTL = 2 ** 32 - 1;

/** `ttl(n)`: every record of the response carries TTL n seconds (paper Table III: TTL 0, 1, 10⁹). */
export default {
  name: 'ttl',
  usage: 'ttl(seconds)',
  summary: 'set the TTL of every record in the response to n seconds (0 … 2^32−1)',
  deterministic: true,
  bind(args) {
    requireArgs(args, 1, this.usage);
    const ttl = Number(args[0]);
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL)
      throw new Error(`"${args[0]}" is not a TTL (integer 0 … ${MAX_TTL})`);
    return (plan) => {
      let changed = false;
      for (const rr of [...plan.answers, ...plan.authorities, ...plan.additionals]) {
        if (rr.type === 'OPT' || !('ttl' in rr)) continue;
        if (rr.ttl !== ttl) changed = true;
        rr.ttl = ttl;
      }
      return changed;
    };
  },
} satisfies PrimitiveDefinition;
