import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';

/**
 * `truncate()`: over UDP, answer TC=1 with the question only, so a conforming client retries
 * over TCP (RFC 1035 §4.2.1, RFC 7766 §5). TCP answers are left whole: the retry must succeed.
 */
export default {
  name: 'truncate',
  usage: 'truncate()',
  summary: 'over UDP, answer TC=1 without records so the client must retry over TCP',
  deterministic: true,
  bind(args) {
    requireArgs(args, 0, this.usage);
    return (plan, exchange) => {
      if (exchange.transport !== 'udp') return false;
      plan.truncated = true;
      plan.answers = [];
      plan.authorities = [];
      plan.additionals = [];
      return true;
    };
  },
} satisfies PrimitiveDefinition;
