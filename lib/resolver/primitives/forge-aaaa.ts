import type { PrimitiveDefinition } from '../scenario.ts';
import { forgeAddress } from '../forge-address.ts';
import { requireArgs, requireCanary } from '../canary.ts';

/** `forgeAAAA(canary)`: AAAA queries get one AAAA record pointing at the canary (paper Table III: forged IPv6). */
export default {
  name: 'forgeAAAA',
  summary: 'answer AAAA queries with a single AAAA record for the canary address',
  bind(args, limits) {
    requireArgs(args, 1, 'forgeAAAA(canary IPv6 address)');
    const canary = requireCanary(args[0], 6, limits);
    return (plan, exchange) => forgeAddress(plan, exchange, 'AAAA', canary);
  },
} satisfies PrimitiveDefinition;
