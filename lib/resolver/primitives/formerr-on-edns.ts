import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';

/**
 * `formerrOnEdns()`: answer FORMERR without an OPT record to queries that carry one, as an
 * EDNS-unaware server does; a conforming client retries without EDNS (RFC 6891 §7).
 */
export default {
  name: 'formerrOnEdns',
  usage: 'formerrOnEdns()',
  summary: 'answer FORMERR (no OPT) to queries carrying EDNS(0); others are answered normally',
  deterministic: true,
  bind(args) {
    requireArgs(args, 0, this.usage);
    return (plan, exchange) => {
      if (!exchange.queryHasEdns) return false;
      plan.rcode = 'FORMERR';
      plan.answers = [];
      plan.authorities = [];
      plan.additionals = [];
      plan.withholdOpt = true;
      return true;
    };
  },
} satisfies PrimitiveDefinition;
