import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';

/** `empty()`: NOERROR with every record removed (paper Table III: empty response injection). */
export default {
  name: 'empty',
  usage: 'empty()',
  summary: 'answer NOERROR with no records in any section',
  deterministic: true,
  bind(args) {
    requireArgs(args, 0, this.usage);
    return (plan) => {
      const changed =
        plan.rcode !== 'NOERROR' || plan.answers.length + plan.authorities.length + plan.additionals.length > 0;
      plan.rcode = 'NOERROR';
      plan.answers = [];
      plan.authorities = [];
      plan.additionals = [];
      return changed;
    };
  },
} satisfies PrimitiveDefinition;
