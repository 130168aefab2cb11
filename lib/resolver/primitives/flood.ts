import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';
import { countArgument } from '../count-argument.ts';
import { MAX_COPIES } from '../responder.ts';

/**
 * `flood(n)`: every response sent n times (paper Table III: response flooding ×10, ×100).
 * A conforming stub takes the first matching answer and ignores the rest. Capped overall
 * by the responder's flood budget.
 */
export default {
  name: 'flood',
  usage: `flood(copies, 2…${MAX_COPIES})`,
  summary: 'send each response n times',
  bind(args) {
    requireArgs(args, 1, this.usage);
    const copies = countArgument(args[0], 2, MAX_COPIES);
    return (plan) => {
      plan.copies = copies;
      return true;
    };
  },
} satisfies PrimitiveDefinition;
