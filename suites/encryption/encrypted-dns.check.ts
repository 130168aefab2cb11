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
import { eventsRef, sampledRef, SeqSample } from '../evidence-ref.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { normaliseName } from '../../lib/dns/names.ts';

/** The name a DDR client asks for (RFC 9462 §4). */
const DDR_NAME = '_dns.resolver.arpa';
/** SVCB, as the evidence may spell it (dns-packet has no name for type 64). */
const SVCB_TYPES = new Set(['SVCB', 'TYPE64', 'UNKNOWN_64']);
/** EDNS(0) Padding option (RFC 7830). */
const PADDING_OPTION = 12;

const rule = decisionRule(
  { upgradeGraceSeconds: 60 },
  () =>
    'Encrypted DNS: DUT queries the harness received over DoT or DoH, and DoT/DoQ/DoH contacts seen in a capture. ' +
    'PASS when there is any encrypted DNS (support shown; padding, option 12, is reported where the harness could read the queries). ' +
    `FAIL when there is none although a resolver answered the DUT's DDR query (${DDR_NAME} SVCB) with at least one record, and the DUT still sent plain DNS queries ` +
    'more than upgradeGraceSeconds after that answer. ' +
    'INCONCLUSIVE when the DUT sent no DNS at all. Otherwise INFO: plain DNS only, with no encrypted resolver offered in the evidence ' +
    '(the paper recommends but does not mandate encrypted DNS, so this is recorded, not judged).',
);

const meta: CheckMeta = {
  title: 'DNS is encrypted (DoT, DoH or DoQ) when an encrypted resolver is available',
  requirement: requirementText(
    recommendation('1'),
    'The paper does not mandate DoH/DoT for constrained devices.',
    draftClause('IOTDNS-D-ENC-1'),
  ),
  keyword: 'RECOMMENDATION',
  severity: 'critical',
  covers: { paper: ['1'], draft: ['IOTDNS-D-ENC-1'], etsi: ['5.8-1', '5.6-2'] },
  decisionRule: rule,
  // Transport choice shows in every phase.
  experiments: ['*'],
  tableI: 'secureDns',
};

/** Whether a response answered the DUT's DDR query with at least one record. */
function offersEncryptedResolver(response: ResponseEvent): boolean {
  return (
    response.flags.rcode === 'NOERROR' &&
    response.answers.length > 0 &&
    response.questions.some((q) => normaliseName(q.name) === DDR_NAME && SVCB_TYPES.has(q.type))
  );
}

function isPlain(query: QueryEvent): boolean {
  return query.transport === 'udp' || query.transport === 'tcp';
}

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    // One visit of the queries, keeping counts and samples of seqs: a capture can hold millions.
    const plain = new SeqSample();
    const decrypted = new SeqSample();
    const decryptedTransports = new Set<string>();
    let padded = 0;
    evidence.eachQuery(context.dutId, (q) => {
      if (isPlain(q)) {
        plain.add(q.seq);
        return;
      }
      decrypted.add(q.seq);
      decryptedTransports.add(q.transport.toUpperCase());
      if (q.edns?.options.some((o) => o.code === PADDING_OPTION)) padded += 1;
    });
    const contacts = evidence.ofType('dns.encrypted-contact').filter((e) => e.dut === context.dutId);
    const figures = {
      plainQueries: plain.count,
      encryptedQueries: decrypted.count,
      encryptedContacts: contacts.length,
      paddedEncryptedQueries: padded,
    };
    const expected =
      'The DUT resolves over an encrypted transport (DoT, DoH or DoQ) to its resolver whenever one is available; padded (EDNS option 12).';

    if (decrypted.count > 0 || contacts.length > 0) {
      const transports = [
        ...(decrypted.count > 0
          ? [
              `${decrypted.count} ${[...decryptedTransports].join('/')} queries to the harness, ${padded} of them padded`,
            ]
          : []),
        ...contacts.map(
          (c) =>
            `${c.protocol.toUpperCase()} to ${c.server.address}:${c.server.port}${c.sni ? ` (SNI ${c.sni})` : ''}, ${c.contacts} contact${c.contacts === 1 ? '' : 's'} (contents not visible: padding unknown)`,
        ),
      ];
      return {
        verdict: 'PASS',
        expected,
        figures,
        observed: `Encrypted DNS used: ${transports.join('; ')}. ${plain.count} plain DNS queries besides.`,
        evidence: [
          sampledRef(
            context.eventsFile,
            decrypted,
            'encrypted DNS of the DUT',
            contacts.map((c) => c.seq),
          ),
        ],
      };
    }
    if (plain.count === 0) {
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        figures,
        evidence: [],
        observed: 'No DNS traffic of the DUT at all (0 queries, 0 encrypted contacts).',
      };
    }
    let offer: ResponseEvent | undefined;
    evidence.eachResponse(context.dutId, (r) => {
      if (!offersEncryptedResolver(r)) return true;
      offer = r;
      return false;
    });
    if (offer !== undefined) {
      const offeredAt = offer.t;
      const after = new SeqSample();
      evidence.eachQuery(context.dutId, (q) => {
        if (isPlain(q) && q.t > offeredAt + p.upgradeGraceSeconds * 1e6) after.add(q.seq);
      });
      if (after.count > 0) {
        return {
          verdict: 'FAIL',
          expected,
          figures: { ...figures, plainQueriesAfterOffer: after.count },
          observed:
            `An encrypted resolver was offered (DDR answer with ${offer.answers.length} record${offer.answers.length === 1 ? '' : 's'}, event ${offer.seq}), ` +
            `yet ${after.count} of ${plain.count} plain DNS queries came more than ${p.upgradeGraceSeconds} s after it, and no encrypted DNS at all.`,
          evidence: [
            eventsRef(context.eventsFile, [offer.seq], 'the DDR answer offering an encrypted resolver'),
            sampledRef(context.eventsFile, after, 'plain DNS queries after the offer'),
          ],
        };
      }
    }
    return {
      verdict: 'INFO',
      expected,
      figures,
      observed: `${plain.count} plain DNS queries and no encrypted DNS${offer === undefined ? '; no encrypted resolver was offered in this evidence' : `; the DDR offer came less than ${p.upgradeGraceSeconds} s before the last query`}.`,
      evidence: [sampledRef(context.eventsFile, plain, 'plain DNS queries of the DUT')],
    };
  },
});
