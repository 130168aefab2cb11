import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs, requireCanary } from '../canary.ts';

/** The alias forged CNAMEs point at: under `.invalid` (RFC 6761), so it can never be real. */
export const FORGED_ALIAS = 'redirect.dnsconform.invalid';

/**
 * `forgeCNAME(canary)`: answer A queries with a CNAME to an alias and an A record for that
 * alias pointing at the canary (paper Table III: forged CNAME redirection). A device that
 * follows it ends up contacting the canary.
 */
export default {
  name: 'forgeCNAME',
  usage: 'forgeCNAME(canary IPv4 address)',
  summary: `answer A queries with a CNAME to ${FORGED_ALIAS} whose A record is the canary`,
  deterministic: true,
  bind(args, limits) {
    requireArgs(args, 1, this.usage);
    const canary = requireCanary(args[0], 4, limits);
    return (plan, exchange) => {
      if (exchange.question.type !== 'A') return false;
      const name = exchange.question.name;
      plan.rcode = 'NOERROR';
      plan.answers = [
        { name, type: 'CNAME', class: 'IN', ttl: 300, data: FORGED_ALIAS },
        { name: FORGED_ALIAS, type: 'A', class: 'IN', ttl: 300, data: canary },
      ];
      plan.authorities = [];
      return true;
    };
  },
} satisfies PrimitiveDefinition;
