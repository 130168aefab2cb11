import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';

const ALLOWED = ['SERVFAIL', 'REFUSED', 'NXDOMAIN'] as const;
type FailureRcode = (typeof ALLOWED)[number];

/**
 * `rcode(SERVFAIL|REFUSED|NXDOMAIN)`: a failure answer without records. NXDOMAIN keeps the
 * zone's SOA in the authority section when the genuine answer had one, so negative
 * caching (RFC 2308) stays possible.
 */
export default {
  name: 'rcode',
  usage: `rcode(${ALLOWED.join('|')})`,
  summary: 'answer with SERVFAIL, REFUSED or NXDOMAIN and no answer records',
  bind(args) {
    requireArgs(args, 1, this.usage);
    const rcode = (args[0] ?? '').toUpperCase() as FailureRcode;
    if (!ALLOWED.includes(rcode)) throw new Error(`"${args[0]}" is not one of ${ALLOWED.join(', ')}`);
    return (plan) => {
      const changed = plan.rcode !== rcode || plan.answers.length > 0;
      plan.rcode = rcode;
      plan.answers = [];
      plan.authorities = rcode === 'NXDOMAIN' ? plan.authorities.filter((rr) => rr.type === 'SOA') : [];
      plan.additionals = [];
      return changed;
    };
  },
} satisfies PrimitiveDefinition;
