/**
 * The spoofed-answer race primitives (RFC 5452; Recommendations #3, #4, #7): before the
 * genuine answer, the resolver sends a forged one that a careful stub must reject — wrong
 * transaction ID, wrong source port, wrong source address, or a question that does not
 * match. Its record points at a canary of its own, so the canary contacted tells which
 * kind of spoof the device accepted. Only over UDP: a TCP connection cannot be raced.
 */
import { isIP } from 'node:net';
import { canonicalAddress } from './access-list.ts';
import { requireArgs, requireCanary } from './canary.ts';
import type { PrimitiveDefinition, SpoofKind } from './scenario.ts';

function familyOf(raw: string | undefined): 4 | 6 {
  return isIP(raw ?? '') === 6 ? 6 : 4;
}

/** A primitive `<name>(canary)` (or `<name>(canary, from)` for `source`) queueing one spoof of `kind`. */
export function spoofPrimitive(name: string, kind: SpoofKind, summary: string): PrimitiveDefinition {
  const withFrom = kind === 'source';
  const usage = withFrom ? `${name}(canary address, from address)` : `${name}(canary address)`;
  return {
    name,
    usage,
    summary,
    bind(args, limits) {
      requireArgs(args, withFrom ? 2 : 1, usage);
      const canary = requireCanary(args[0], familyOf(args[0]), limits);
      // The sender must be the harness's own address too: never someone else's.
      const from = withFrom ? requireCanary(args[1], familyOf(args[1]), limits) : undefined;
      const type = familyOf(canary) === 4 ? 'A' : 'AAAA';
      return (plan, exchange) => {
        if (exchange.transport !== 'udp' || exchange.question.type !== type) return false;
        plan.spoofs.push({ kind, canary, ...(from ? { from } : {}) });
        return true;
      };
    },
    ...(withFrom ? { listenerNeeds: (args: string[]) => ({ spoofFrom: [canonicalAddress(args[1] ?? '')] }) } : {}),
  };
}
