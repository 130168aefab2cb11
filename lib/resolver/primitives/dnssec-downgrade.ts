import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs, requireCanary } from '../canary.ts';

/**
 * `dnssecDowngrade(canary)`: over plain UDP and TCP, A answers are forged to the canary,
 * sent without any RRSIG and with AD set. Draft IOTDNS-D-VAL-2 lets a stub trust AD only from
 * a resolver it reaches over an authenticated channel; a device that takes AD from plain
 * port 53 as proof is caught at the canary. Encrypted exchanges are left alone, and so, when
 * the profile has a signed zone, are names outside it: a validating device rightly takes an
 * unsigned name as it comes, so only a signed name tells it from one that trusts AD.
 */
export default {
  name: 'dnssecDowngrade',
  usage: 'dnssecDowngrade(canary IPv4 address)',
  summary: 'over plain UDP/TCP, answer A queries with the canary address, no RRSIG and AD set',
  bind(args, limits) {
    requireArgs(args, 1, this.usage);
    const canary = requireCanary(args[0], 4, limits);
    return (plan, exchange) => {
      if (exchange.question.type !== 'A' || (exchange.transport !== 'udp' && exchange.transport !== 'tcp'))
        return false;
      if (exchange.signedZone && !exchange.signedZone.covers(exchange.question.name)) return false;
      const genuine = plan.answers.find((rr) => rr.type === 'A');
      const ttl = genuine && 'ttl' in genuine && typeof genuine.ttl === 'number' ? genuine.ttl : 300;
      plan.rcode = 'NOERROR';
      plan.answers = [{ name: exchange.question.name, type: 'A', class: 'IN', ttl, data: canary }];
      plan.authorities = [];
      plan.authenticData = true;
      return true;
    };
  },
} satisfies PrimitiveDefinition;
