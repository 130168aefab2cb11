import type { Answer } from 'dns-packet';
import type { ExchangeContext, PrimitiveDefinition, ResponsePlan } from '../scenario.ts';
import type { ZoneAnswer } from '../zone.ts';
import { requireArgs } from '../canary.ts';

const ALLOWED = ['SERVFAIL', 'REFUSED', 'NXDOMAIN'] as const;
type FailureRcode = (typeof ALLOWED)[number];

/** The records of a section without their signatures: two signings of one RRset differ only there. */
function unsigned(records: readonly Answer[]): string {
  return JSON.stringify(records.filter((rr) => rr.type !== 'RRSIG'));
}

/**
 * For a query with DO under the signed zone: the zone's answer as if it held only its apex
 * (`SignedZone.emptiedAnswer`), or null. A validating device takes it, where an unsigned
 * NXDOMAIN for every name, the apex's DNSKEY included, would leave it nothing to validate
 * and every denial bogus, so its negative caching could never be judged.
 */
function emptiedZoneAnswer(exchange: ExchangeContext): ZoneAnswer | null {
  const zone = exchange.signedZone;
  const { name, type } = exchange.question;
  if (exchange.dnssecOk !== true || !zone?.covers(name)) return null;
  return zone.emptiedAnswer(name, type);
}

/** Puts the emptied zone's answer in the plan; a changed plan only when more than the signatures differ (the apex's own SOA, NS and DNSKEY are left as they are). */
function serveEmptied(plan: ResponsePlan, emptied: ZoneAnswer): boolean {
  const same =
    plan.rcode === emptied.rcode &&
    unsigned(plan.answers) === unsigned(emptied.answers) &&
    unsigned(plan.authorities) === unsigned(emptied.authorities);
  if (same) return false;
  plan.rcode = emptied.rcode;
  plan.answers = emptied.answers;
  plan.authorities = emptied.authorities;
  plan.additionals = [];
  return true;
}

/**
 * `rcode(SERVFAIL|REFUSED|NXDOMAIN)`: a failure answer without records. NXDOMAIN carries an
 * SOA in the authority section (the genuine answer's, or the zone's negative SOA for a name
 * that exists), so negative caching (RFC 2308 §3, §5) is possible and can be judged. To a
 * query with DO under the profile's signed zone, NXDOMAIN is what that zone would serve if it
 * held only its apex: every other name denied with a signed NSEC proof, the apex's keys
 * answered, so a validating device's negative caching can be judged too.
 */
export default {
  name: 'rcode',
  usage: `rcode(${ALLOWED.join('|')})`,
  summary:
    'answer with SERVFAIL, REFUSED or NXDOMAIN and no answer records (NXDOMAIN with DO under the signed zone: the zone emptied to its apex, denials signed)',
  deterministic: true,
  bind(args) {
    requireArgs(args, 1, this.usage);
    const rcode = (args[0] ?? '').toUpperCase() as FailureRcode;
    if (!ALLOWED.includes(rcode)) throw new Error(`"${args[0]}" is not one of ${ALLOWED.join(', ')}`);
    return (plan, exchange) => {
      const emptied = rcode === 'NXDOMAIN' ? emptiedZoneAnswer(exchange) : null;
      if (emptied) return serveEmptied(plan, emptied);
      const changed = plan.rcode !== rcode || plan.answers.length > 0;
      const soa = plan.authorities.filter((rr) => rr.type === 'SOA');
      plan.rcode = rcode;
      plan.answers = [];
      plan.authorities =
        rcode !== 'NXDOMAIN' ? [] : soa.length > 0 ? soa : [exchange.zone.negativeSoa(exchange.question.name)];
      plan.additionals = [];
      return changed;
    };
  },
} satisfies PrimitiveDefinition;
