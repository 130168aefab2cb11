import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs, requireCanary } from '../canary.ts';

/**
 * `aaaaForA(canary)`: answer A queries with an AAAA record for an IPv6 canary (the paper's
 * forged IPv6 answer returned to A queries, which made devices retry in storms).
 */
export default {
  name: 'aaaaForA',
  usage: 'aaaaForA(canary IPv6 address)',
  summary: 'answer A queries with an AAAA record pointing at an IPv6 canary',
  deterministic: true,
  bind(args, limits) {
    requireArgs(args, 1, this.usage);
    const canary = requireCanary(args[0], 6, limits);
    return (plan, exchange) => {
      if (exchange.question.type !== 'A') return false;
      plan.rcode = 'NOERROR';
      plan.answers = [{ name: exchange.question.name, type: 'AAAA', class: 'IN', ttl: 300, data: canary }];
      return true;
    };
  },
} satisfies PrimitiveDefinition;
