import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';

/**
 * `closedPort()`: the resolver's sockets are really closed while this scenario is in force,
 * so the kernel answers UDP queries with ICMP port unreachable and TCP connections with a
 * reset (paper Table III: resolver unavailability by closed port). They reopen on the same
 * ports when the scenario changes. A message already in flight is dropped.
 */
export default {
  name: 'closedPort',
  usage: 'closedPort()',
  summary: 'close the resolver sockets for the phase: ICMP port unreachable over UDP, reset over TCP',
  bind(args) {
    requireArgs(args, 0, this.usage);
    return (plan) => {
      plan.drop = 'scenario closedPort(): the port is closed';
      return true;
    };
  },
  listenerNeeds: () => ({ closed: true }),
} satisfies PrimitiveDefinition;
