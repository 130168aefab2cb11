/**
 * Paper Recommendation #1 (draft IOTDNS-D-ENC-1): the DUT supports encrypted DNS (DoT,
 * DoH, DoQ). The paper recommends it but does not mandate it for constrained devices, and
 * the draft asks for it "when one is available". So plain DNS alone is recorded (INFO),
 * not failed; it FAILs only when the evidence shows an encrypted resolver was offered to
 * the device (a DDR answer, RFC 9462) and the device kept to plain DNS.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import type { QueryEvent, ResponseEvent } from '../../lib/evidence/events.ts';
import { eventsRef } from '../evidence-ref.ts';
import { ruleParameters } from '../rule-parameters.ts';

const PARAMETERS = ['upgradeGraceSeconds'] as const;

/** The name a DDR client asks for (RFC 9462 §4). */
const DDR_NAME = '_dns.resolver.arpa';
/** SVCB, as the evidence may spell it (dns-packet has no name for type 64). */
const SVCB_TYPES = new Set(['SVCB', 'TYPE64', 'UNKNOWN_64']);
/** EDNS(0) Padding option (RFC 7830). */
const PADDING_OPTION = 12;

const meta: CheckMeta = {
  title: 'DNS is encrypted (DoT, DoH or DoQ) when an encrypted resolver is available',
  requirement: 'Paper "From Lookup to Lockdown: DNS Guidelines for Securing IoT Ecosystems", Recommendation #1: '
    + '"IoT devices should support DoH/DoT. In addition, padding should be utilized to reduce fingerprinting." '
    + 'The paper does not mandate DoH/DoT for constrained devices; draft IOTDNS-D-ENC-1 asks for an encrypted transport to the network\'s resolver when one is available.',
  keyword: 'RECOMMENDATION',
  severity: 'critical',
  covers: { paper: ['1'], draft: ['IOTDNS-D-ENC-1'], etsi: ['5.8-1'] },
  decisionRule: {
    text: 'Encrypted DNS: DUT queries the harness received over DoT or DoH, and DoT/DoQ/DoH contacts seen in a capture. '
      + 'PASS when there is any encrypted DNS (support shown; padding, option 12, is reported where the harness could read the queries). '
      + `FAIL when there is none although a resolver answered the DUT's DDR query (${DDR_NAME} SVCB) with at least one record, and the DUT still sent plain DNS queries `
      + 'more than upgradeGraceSeconds after that answer. '
      + 'INCONCLUSIVE when the DUT sent no DNS at all. Otherwise INFO: plain DNS only, with no encrypted resolver offered in the evidence '
      + '(the paper recommends but does not mandate encrypted DNS, so this is recorded, not judged).',
    parameters: { upgradeGraceSeconds: 60 },
  },
  // Transport choice shows in every phase.
  experiments: ['*'],
};

/** Whether a response answered the DUT's DDR query with at least one record. */
function offersEncryptedResolver(response: ResponseEvent): boolean {
  return response.flags.rcode === 'NOERROR' && response.answers.length > 0
    && response.questions.some((q) => q.name.toLowerCase().replace(/\.$/, '') === DDR_NAME && SVCB_TYPES.has(q.type));
}

function isPlain(query: QueryEvent): boolean {
  return query.transport === 'udp' || query.transport === 'tcp';
}

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(meta.decisionRule, PARAMETERS);
    const queries = evidence.queries(context.dutId);
    const plain = queries.filter(isPlain);
    const decrypted = queries.filter((q) => !isPlain(q));
    const contacts = evidence.ofType('dns.encrypted-contact').filter((e) => e.dut === context.dutId);
    const padded = decrypted.filter((q) => q.edns?.options.some((o) => o.code === PADDING_OPTION)).length;
    const figures = { plainQueries: plain.length, encryptedQueries: decrypted.length, encryptedContacts: contacts.length, paddedEncryptedQueries: padded };
    const expected = 'The DUT resolves over an encrypted transport (DoT, DoH or DoQ) to its resolver whenever one is available; padded (EDNS option 12).';

    if (decrypted.length > 0 || contacts.length > 0) {
      const transports = [
        ...(decrypted.length > 0 ? [`${decrypted.length} ${[...new Set(decrypted.map((q) => q.transport.toUpperCase()))].join('/')} queries to the harness, ${padded} of them padded`] : []),
        ...contacts.map((c) => `${c.protocol.toUpperCase()} to ${c.server.address}:${c.server.port}${c.sni ? ` (SNI ${c.sni})` : ''}, ${c.contacts} contact${c.contacts === 1 ? '' : 's'} (contents not visible: padding unknown)`),
      ];
      return {
        verdict: 'PASS', expected, figures,
        observed: `Encrypted DNS used: ${transports.join('; ')}. ${plain.length} plain DNS queries besides.`,
        evidence: [eventsRef(context.eventsFile, [...decrypted, ...contacts].map((e) => e.seq).sort((a, b) => a - b), 'encrypted DNS of the DUT')],
      };
    }
    if (plain.length === 0) {
      return { verdict: 'INCONCLUSIVE', expected, figures, evidence: [], observed: 'No DNS traffic of the DUT at all (0 queries, 0 encrypted contacts).' };
    }
    const offer = evidence.responses(context.dutId).find(offersEncryptedResolver);
    if (offer !== undefined) {
      const after = plain.filter((q) => q.t > offer.t + p.upgradeGraceSeconds * 1e6);
      if (after.length > 0) {
        return {
          verdict: 'FAIL', expected, figures: { ...figures, plainQueriesAfterOffer: after.length },
          observed: `An encrypted resolver was offered (DDR answer with ${offer.answers.length} record${offer.answers.length === 1 ? '' : 's'}, event ${offer.seq}), `
            + `yet ${after.length} of ${plain.length} plain DNS queries came more than ${p.upgradeGraceSeconds} s after it, and no encrypted DNS at all.`,
          evidence: [eventsRef(context.eventsFile, [offer.seq], 'the DDR answer offering an encrypted resolver'), eventsRef(context.eventsFile, after.map((q) => q.seq), 'plain DNS queries after the offer')],
        };
      }
    }
    return {
      verdict: 'INFO', expected, figures,
      observed: `${plain.length} plain DNS queries and no encrypted DNS${offer === undefined ? '; no encrypted resolver was offered in this evidence' : `; the DDR offer came less than ${p.upgradeGraceSeconds} s before the last query`}.`,
      evidence: [eventsRef(context.eventsFile, plain.map((q) => q.seq), 'plain DNS queries of the DUT')],
    };
  },
});
