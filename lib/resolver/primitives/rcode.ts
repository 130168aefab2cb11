import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';

const ALLOWED = ['SERVFAIL', 'REFUSED', 'NXDOMAIN'] as const;
type FailureRcode = (typeof ALLOWED)[number];

/**
 * `rcode(SERVFAIL|REFUSED|NXDOMAIN)`: a failure answer without records. NXDOMAIN carries an
 * SOA in the authority section (the genuine answer's, or the zone's negative SOA for a name
 * that exists), so negative caching (RFC 2308 §3, §5) is possible and can be judged.
 */
export default {
  name: 'rcode',
  usage: `rcode(${ALLOWED.join('|')})`,
  summary: 'answer with SERVFAIL, REFUSED or NXDOMAIN and no answer records',
  deterministic: true,
  bind(args) {
    requireArgs(args, 1, this.usage);
    const rcode = (args[0] ?? '').toUpperCase() as FailureRcode;
    if (!ALLOWED.includes(rcode)) throw new Error(`"${args[0]}" is not one of ${ALLOWED.join(', ')}`);
    return (plan, exchange) => {
      const changed = plan.rcode !== rcode || plan.answers.length > 0;
      const soa = plan.authorities.filter((rr) => rr.type === 'SOA');
      plan.rcode = rcode;
      plan.answers = [];
      plan.authorities =
        rcode !== 'NXDOMAIN' ? [] : soa.length > 0 ? soa : [exchange.zone.negativeSoa(exchange.question.name)];
      plan.additionals = [];
      return changed;
    };
  },
} satisfies PrimitiveDefinition;
