import type { PrimitiveDefinition } from '../scenario.ts';
import { requireArgs } from '../canary.ts';
import { countArgument } from '../count-argument.ts';

/** Largest padding accepted: keeps a padded answer within one TCP message. */
const MAX_PADDING = 60_000;

/**
 * `pad(octets)`: inflate the response by about n octets (paper Table III: response padding).
 * With EDNS the filler is an EDNS(0) Padding option (RFC 7830); without, a TXT record in
 * the additional section. The usual UDP limit still applies (add `oversize()` to break it).
 */
export default {
  name: 'pad',
  usage: `pad(octets, 1…${MAX_PADDING})`,
  summary: 'inflate the response by n octets (EDNS padding option, or a TXT filler without EDNS)',
  deterministic: true,
  bind(args) {
    requireArgs(args, 1, this.usage);
    const octets = countArgument(args[0], 1, MAX_PADDING);
    return (plan, exchange) => {
      if (exchange.queryHasEdns && !plan.withholdOpt) {
        plan.ednsPadding += octets;
        return true;
      }
      // TXT character-strings hold at most 255 octets each (RFC 1035 §3.3.14).
      const strings = Array.from({ length: Math.ceil(octets / 255) }, (_, i) =>
        'x'.repeat(Math.min(255, octets - i * 255)),
      );
      plan.additionals.push({ name: 'padding.dnsconform.invalid', type: 'TXT', class: 'IN', ttl: 0, data: strings });
      return true;
    };
  },
} satisfies PrimitiveDefinition;
