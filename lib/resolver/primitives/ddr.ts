import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';
import { DDR_QUERY_NAME, ddrAnswers } from '../ddr.ts';
import { isSvcbType } from '../../dns/svcb.ts';
import { normaliseName } from '../../dns/names.ts';

/**
 * `ddr()`: answer `_dns.resolver.arpa` SVCB with the resolver's DoT and DoH endpoints
 * (RFC 9462), so a device able to upgrade to encrypted DNS can discover them. Without
 * encrypted listeners in the profile there is nothing to advertise and the zone answers.
 */
export default {
  name: 'ddr',
  usage: 'ddr()',
  summary: 'offer DoT/DoH by Discovery of Designated Resolvers (_dns.resolver.arpa SVCB, RFC 9462)',
  bind(args) {
    requireArgs(args, 0, this.usage);
    return (plan, exchange) => {
      const designated = exchange.designatedResolvers;
      const { name, type } = exchange.question;
      if (!designated || designated.endpoints.length === 0) return false;
      if (normaliseName(name) !== DDR_QUERY_NAME || !isSvcbType(type)) return false;
      plan.rcode = 'NOERROR';
      plan.answers = ddrAnswers(name, designated);
      plan.authorities = [];
      return true;
    };
  },
} satisfies PrimitiveDefinition;
