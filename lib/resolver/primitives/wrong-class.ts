import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs, requireCanary } from '../canary.ts';

const CLASSES = ['CH', 'HS'] as const;
type WrongClass = (typeof CLASSES)[number];

/**
 * `wrongClass(CH|HS, canary)`: answer A queries with an A record of the right name and type
 * but another class (CHAOS or Hesiod), pointing at the canary. The question stays IN, so a
 * device that uses the record ignored the class (Recommendation #7, RFC 1035 §3.2.4).
 */
export default {
  name: 'wrongClass',
  usage: `wrongClass(${CLASSES.join('|')}, canary IPv4 address)`,
  summary: 'answer A queries with an A record of class CH or HS pointing at the canary',
  deterministic: true,
  bind(args, limits) {
    requireArgs(args, 2, this.usage);
    const klass = (args[0] ?? '').toUpperCase() as WrongClass;
    if (!CLASSES.includes(klass)) throw new Error(`"${args[0]}" is not one of ${CLASSES.join(', ')}`);
    const canary = requireCanary(args[1], 4, limits);
    return (plan, exchange) => {
      if (exchange.question.type !== 'A') return false;
      plan.rcode = 'NOERROR';
      plan.answers = [{ name: exchange.question.name, type: 'A', class: klass, ttl: 300, data: canary }];
      plan.authorities = [];
      return true;
    };
  },
} satisfies PrimitiveDefinition;
