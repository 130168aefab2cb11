import type { Answer } from 'dns-packet';
import dnsPacket from 'dns-packet';
import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';

/** Filler per TXT string (RFC 1035 §3.3.14 allows 255). */
const STRING = 'o'.repeat(255);

/**
 * `oversize()`: over UDP, make the response larger than the client said it takes (its EDNS
 * size, or 512 without EDNS) and send it anyway, without TC. Tests whether the device
 * validates response sizes (Recommendation #9, RFC 9715) instead of trusting any datagram.
 */
export default {
  name: 'oversize',
  usage: 'oversize()',
  summary: "over UDP, send a response larger than the client's advertised limit, without TC",
  bind(args) {
    requireArgs(args, 0, this.usage);
    return (plan, exchange) => {
      if (exchange.transport !== 'udp') return false;
      plan.exceedClientLimit = true;
      const current = () =>
        dnsPacket.encodingLength({
          questions: [exchange.question],
          answers: plan.answers,
          authorities: plan.authorities,
          additionals: plan.additionals,
        });
      while (current() <= exchange.clientLimit) {
        const filler: Answer = {
          name: 'oversize.dnsconform.invalid',
          type: 'TXT',
          class: 'IN',
          ttl: 0,
          data: [STRING],
        };
        plan.additionals.push(filler);
      }
      return true;
    };
  },
} satisfies PrimitiveDefinition;
