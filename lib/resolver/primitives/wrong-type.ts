import type { Answer } from 'dns-packet';
import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';

const TYPES = ['TXT', 'MX', 'NS'] as const;
type WrongType = (typeof TYPES)[number];

/**
 * `wrongType(TXT|MX|NS)`: answer A and AAAA queries with a record of another type for the
 * same name (Recommendation #7: record-type validation). The targets are names under
 * `.invalid` (RFC 6761), so nothing real is ever pointed at.
 */
export default {
  name: 'wrongType',
  usage: `wrongType(${TYPES.join('|')})`,
  summary: 'answer A/AAAA queries with a TXT, MX or NS record instead',
  deterministic: true,
  bind(args) {
    requireArgs(args, 1, this.usage);
    const type = (args[0] ?? '').toUpperCase() as WrongType;
    if (!TYPES.includes(type)) throw new Error(`"${args[0]}" is not one of ${TYPES.join(', ')}`);
    return (plan, exchange) => {
      if (exchange.question.type !== 'A' && exchange.question.type !== 'AAAA') return false;
      const name = exchange.question.name;
      const base = { name, class: 'IN' as const, ttl: 300 };
      const record: Answer =
        type === 'TXT'
          ? { ...base, type: 'TXT', data: 'dnsconform: wrong record type' }
          : type === 'MX'
            ? { ...base, type: 'MX', data: { preference: 10, exchange: 'mx.dnsconform.invalid' } }
            : { ...base, type: 'NS', data: 'ns.dnsconform.invalid' };
      plan.rcode = 'NOERROR';
      plan.answers = [record];
      return true;
    };
  },
} satisfies PrimitiveDefinition;
