import { isIP } from 'node:net';
import { requireArgs, requireCanary } from '../canary.ts';
import { countArgument } from '../count-argument.ts';
import { MAX_COPIES } from '../responder.ts';
import type { PrimitiveDefinition } from '../scenario.ts';

/**
 * `lateAnswers(canary, n)`: after the genuine answer, n more replies to the same UDP query
 * (same transaction ID, from the same socket, the same question) whose record points at the
 * canary. They match the query as fully as the genuine one; a conforming stub takes the
 * first matching reply and ignores the rest (draft IOTDNS-D-SIZE-2). Only queries of the
 * canary's address type; capped overall by the responder's flood budget.
 */
export default {
  name: 'lateAnswers',
  usage: `lateAnswers(canary address, copies 1…${MAX_COPIES})`,
  summary: 'after the genuine answer, send n fully matching answers pointing at the canary',
  bind(args, limits) {
    requireArgs(args, 2, this.usage);
    const family = isIP(args[0] ?? '') === 6 ? 6 : 4;
    const canary = requireCanary(args[0], family, limits);
    const copies = countArgument(args[1], 1, MAX_COPIES);
    const type = family === 4 ? 'A' : 'AAAA';
    return (plan, exchange) => {
      if (exchange.transport !== 'udp' || exchange.question.type !== type) return false;
      plan.lateAnswers = { canary, copies };
      return true;
    };
  },
} satisfies PrimitiveDefinition;
