import type { Answer } from 'dns-packet';
import type { ExchangeContext, PrimitiveDefinition, ResponsePlan } from '../scenario.ts';
import { requireArgs, requireCanary } from '../canary.ts';

/** The three ways a signed answer is made bogus (RFC 4035 §5.5), in the order they take turns. */
export const BOGUS_VARIANTS = ['rdata', 'stripped', 'expired'] as const;
export type BogusVariant = (typeof BOGUS_VARIANTS)[number];

/** The step text's prefix the report and the check use to tell the variant a response had. */
export const BOGUS_STEP = 'dnssecBogus';

/**
 * Makes the A answer of a signed name bogus, towards the variant's canary:
 * `rdata` keeps the genuine RRSIGs over an RRset whose address is now the canary (the
 * signature no longer verifies); `stripped` sends the canary address with no RRSIG at all
 * (a signed zone's answer without signatures); `expired` sends the canary address with a
 * genuine signature over exactly that RRset whose validity ended a week ago. Without DO
 * the client gets no RRSIGs in any variant: it asked for none.
 */
function makeBogus(plan: ResponsePlan, exchange: ExchangeContext, variant: BogusVariant, canary: string): boolean {
  const zone = exchange.signedZone;
  const addresses = plan.answers.filter((rr) => rr.type === 'A');
  // Only names the signed zone covers: a validator takes an unsigned name as it comes, so forging one would test nothing.
  if (!zone?.covers(exchange.question.name) || addresses.length === 0) return false;
  const forged = (rr: Answer): Answer => (rr.type === 'A' ? { ...rr, data: canary } : rr);
  if (variant === 'rdata') {
    plan.answers = plan.answers.map(forged);
  } else if (variant === 'stripped') {
    plan.answers = plan.answers.filter((rr) => !(rr.type === 'RRSIG' && rr.data.typeCovered === 'A')).map(forged);
  } else {
    const owners = new Set(addresses.map((rr) => rr.name));
    const unsigned = plan.answers.filter((rr) => !(rr.type === 'RRSIG' && rr.data.typeCovered === 'A')).map(forged);
    plan.answers = exchange.dnssecOk
      ? unsigned
          .flatMap((rr) =>
            rr.type === 'A' && owners.delete(rr.name) ? [rr, ...zone.expiredSignaturesFor(canary, rr.name, 'A')] : [rr],
          )
          // Keep the RRset together: the signatures follow its last record.
          .sort((x, y) => Number(x.type === 'RRSIG') - Number(y.type === 'RRSIG'))
      : unsigned;
  }
  plan.rcode = 'NOERROR';
  return true;
}

/**
 * `dnssecBogus(rdata canary, stripped canary, expired canary)`: A answers from the signed
 * zone are made bogus, the three variants taking turns answer by answer, each pointing at its
 * own canary so a contact tells which variant the device used.
 */
export default {
  name: BOGUS_STEP,
  usage: 'dnssecBogus(canary for changed RDATA, canary for stripped RRSIGs, canary for expired RRSIGs)',
  summary:
    'make signed A answers bogus in turn: RDATA changed to a canary under the genuine RRSIG, RRSIGs stripped, or an expired RRSIG (each variant its own canary)',
  bind(args, limits) {
    requireArgs(args, 3, this.usage);
    const canaries = args.map((a) => requireCanary(a, 4, limits));
    if (new Set(canaries).size !== 3)
      throw new Error('needs three different canaries, one per variant, so a contact tells which variant was used');
    let turn = 0;
    return (plan, exchange) => {
      const index = turn % BOGUS_VARIANTS.length;
      const changed = makeBogus(plan, exchange, BOGUS_VARIANTS[index]!, canaries[index]!);
      if (changed) turn += 1;
      return changed;
    };
  },
} satisfies PrimitiveDefinition;
