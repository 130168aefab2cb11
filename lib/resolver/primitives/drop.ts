import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';

/** `drop()`: send nothing, as if the resolver were gone (paper Table III: resolver unavailability). */
export default {
  name: 'drop',
  usage: 'drop()',
  summary: 'send no response at all',
  bind(args) {
    requireArgs(args, 0, this.usage);
    return (plan) => {
      plan.drop = 'scenario drop()';
      return true;
    };
  },
} satisfies PrimitiveDefinition;
