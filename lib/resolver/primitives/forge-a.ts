import type { PrimitiveDefinition } from '../scenario.ts';
import { forgeAddress } from '../forge-address.ts';
import { requireArgs, requireCanary } from '../canary.ts';

/** `forgeA(canary)`: A queries get one A record pointing at the canary (paper Table III: forged IPv4). */
export default {
  name: 'forgeA',
  summary: 'answer A queries with a single A record for the canary address',
  bind(args, limits) {
    requireArgs(args, 1, 'forgeA(canary IPv4 address)');
    const canary = requireCanary(args[0], 4, limits);
    return (plan, exchange) => forgeAddress(plan, exchange, 'A', canary);
  },
} satisfies PrimitiveDefinition;
