/**
 * Which responses a validating DUT refuses as DNSSEC-bogus (RFC 4035 §5), so the caching rules
 * do not judge them as answers it kept: a device that refused an answer never cached it, and the
 * time until it asks again is its failure back-off (RFC 9520 §3), not a TTL. Whether it did
 * refuse them is `validation/dnssec-validation`'s to judge against the IXIT declaration.
 */
import type { CheckContext } from '../lib/checks/check-types.ts';
import type { Evidence } from '../lib/evidence/evidence.ts';
import type { ResponseEvent, RecordSummary } from '../lib/evidence/events.ts';
import { isAtOrBelow } from '../lib/dns/dnssec.ts';
import { normaliseName } from '../lib/dns/names.ts';

/** Record types a validator asks for on its own behalf, only when it validates an answer under their owner (RFC 4035 §5). */
export const KEY_TYPES: ReadonlySet<string> = new Set(['DNSKEY', 'DS']);

/** The types that prove a denial of existence (RFC 4035 §3.1.3, RFC 5155 §7.2). */
const DENIAL_TYPES = new Set(['NSEC', 'NSEC3']);

/** The rule's words for the responses {@link refusedAsBogus} sets aside, beside each rule's own reason. */
export const REFUSED_AS_BOGUS_TEXT =
  "when the IXIT declares DNSSEC validation (dnssecValidation), a response for a name at or below the profile's signedZone apex, to a query with DO, " +
  'is refused as DNSSEC-bogus when it holds an RRset there that no RRSIG covers or, negative (NXDOMAIN, or no record of the asked type), no NSEC or NSEC3 ' +
  'proving the denial (RFC 4035 §5.4, RFC 5155 §8: a validator cannot authenticate it); only a missing signature or proof is recognised';

/** The `seq`s of the DUT's queries that set DO (RFC 3225): only those ask for what a validator needs. */
export function queriesWithDo(evidence: Evidence, dutId: string): Set<number> {
  const seqs = new Set<number>();
  evidence.eachQuery(dutId, (query) => {
    if (query.edns?.do === true) seqs.add(query.seq);
  });
  return seqs;
}

/**
 * Whether a response is one a validating DUT refuses: under the profile's signed zone, to a
 * query with DO (`doQueries`), with an RRset there that no RRSIG in it covers, or a negative
 * answer without a denial proof. Only a missing signature or proof is recognised (what forging
 * an address or an rcode does): a signature that does not verify over altered data is not
 * checked here. A positive DNSKEY or DS answer is never refused here (the TTL-cap rule holds keys
 * against need instead).
 */
export function refusedAsBogus(
  context: CheckContext,
  doQueries: ReadonlySet<number>,
): (response: ResponseEvent) => boolean {
  const apex = context.profile.signedZone?.apex;
  if (context.profile.ixit?.dnssecValidation !== true || apex === undefined) return () => false;
  const unsigned = (records: readonly RecordSummary[]) => {
    const covered = new Set(
      records.filter((rr) => rr.type === 'RRSIG').map((rr) => `${normaliseName(rr.name)}|${rr.data.split(' ')[0]}`),
    );
    return records.some(
      (rr) => rr.type !== 'RRSIG' && isAtOrBelow(rr.name, apex) && !covered.has(`${normaliseName(rr.name)}|${rr.type}`),
    );
  };
  return (response) => {
    const question = response.questions[0];
    if (!question || !isAtOrBelow(question.name, apex) || !doQueries.has(response.queryRef)) return false;
    const { rcode } = response.flags;
    const positive = response.answers.some((rr) => rr.type === question.type || rr.type === 'CNAME');
    if (rcode === 'NXDOMAIN' || (rcode === 'NOERROR' && !positive))
      return (
        !response.authority.some((rr) => DENIAL_TYPES.has(rr.type)) ||
        unsigned(response.authority) ||
        unsigned(response.answers)
      );
    return !KEY_TYPES.has(question.type) && unsigned(response.answers);
  };
}
