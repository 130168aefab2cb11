import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';
import { countArgument } from '../count-argument.ts';
import { MAX_COPIES } from '../responder.ts';

/**
 * `amplify(n)`: every answer record repeated n times in one response (paper Table III: RR
 * amplification ×10, ×50, ×100), sent whole even past the client's UDP limit, as the paper
 * did: the device must cope with the oversized datagram.
 */
export default {
  name: 'amplify',
  usage: `amplify(times, 2…${MAX_COPIES})`,
  summary: 'repeat every answer record n times and send the response whole, whatever its size',
  bind(args) {
    requireArgs(args, 1, this.usage);
    const times = countArgument(args[0], 2, MAX_COPIES);
    return (plan) => {
      if (plan.answers.length === 0) return false;
      plan.answers = Array.from({ length: times }, () => plan.answers.map((rr) => ({ ...rr }))).flat();
      plan.exceedClientLimit = true;
      return true;
    };
  },
} satisfies PrimitiveDefinition;
