/**
 * Paper Recommendation #1 (draft IOTDNS-D-ENC-2, RFC 7830, RFC 8467): encrypted queries
 * are padded with the EDNS(0) Padding option to a multiple of 128 octets, so their length
 * does not give the name away. Only queries that reached the harness's own DoT/DoH resolver
 * can be read: the harness terminates TLS and sees the plaintext.
 */
import { defineCheck, notAssessedOutcome } from '../../lib/checks/check-types.ts';
import type { CheckMeta, CheckOutcome } from '../../lib/checks/check-types.ts';
import type { QueryEvent } from '../../lib/evidence/events.ts';
import { eventsRef, percent } from '../evidence-ref.ts';
import { inOpenPhase, SEQUENTIAL_P1, sequentialRuleText, sprtSettles } from '../sequential.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';

const rule = decisionRule(
  { paddingBlock: 128, minQueries: 3, ...SEQUENTIAL_P1 },
  (rule) =>
    'Judged over the phases of the ddr-upgrade experiment (the harness offers its DoT/DoH resolver): every query of the DUT the harness received over DoT or DoH, ' +
    'which it can read because it terminates the TLS session. A query is padded when its OPT record carries the Padding option (code 12) ' +
    `and its length (the DNS message, without the TCP length prefix) is a multiple of ${rule.paddingBlock} octets (paddingBlock, RFC 8467 §4.1 block-length policy). ` +
    'FAIL when any judged query is not padded. ' +
    `INCONCLUSIVE when fewer than ${rule.minQueries} encrypted queries could be read (minQueries): a DUT that stays on port 53, or encrypts to a resolver other than the harness, shows nothing to judge. ` +
    'Otherwise PASS. Not assessed (INCONCLUSIVE) when no ddr-upgrade phase ran.' +
    sequentialRuleText('unpadded encrypted queries', 'settleP1'),
);

/** EDNS(0) Padding option (RFC 7830). */
const PADDING_OPTION = 12;

const meta: CheckMeta = {
  title: 'Encrypted queries are padded (EDNS(0) Padding, 128-octet blocks)',
  requirement: requirementText(
    recommendation('1'),
    draftClause('IOTDNS-D-ENC-2'),
    'RFC 8467 §4.1: clients pad queries to a multiple of 128 octets.',
  ),
  keyword: 'SHOULD',
  severity: 'medium',
  covers: { paper: ['1'], draft: ['IOTDNS-D-ENC-2'], etsi: ['5.8-1', '5.6-2'] },
  decisionRule: rule,
  experiments: ['ddr-upgrade'],
};

export default defineCheck({
  meta,
  judge(evidence, context): CheckOutcome {
    const p = ruleParameters(rule);
    const expected = `Every DoT/DoH query carries EDNS(0) Padding (option ${PADDING_OPTION}) and is a multiple of ${p.paddingBlock} octets long.`;
    if (evidence.phases().length === 0) {
      return notAssessedOutcome(
        `this run had 0 phases of the ddr-upgrade experiment: no encrypted resolver was offered, so the padding of encrypted queries was not assessed.`,
        {
          expected,
          figures: { phases: 0 },
          evidence: [],
        },
      );
    }
    const encrypted = evidence.queries(context.dutId).filter((q) => q.transport === 'dot' || q.transport === 'doh');
    const hasOption = (q: QueryEvent) => q.edns?.options.some((o) => o.code === PADDING_OPTION) === true;
    const isPadded = (q: QueryEvent) => hasOption(q) && q.size % p.paddingBlock === 0;
    const withOption = encrypted.filter(hasOption);
    const padded = encrypted.filter(isPadded);
    const unpadded = encrypted.filter((q) => !isPadded(q));
    const contacts = evidence.ofType('dns.encrypted-contact').filter((e) => e.dut === context.dutId);
    const sizes = [...new Set(encrypted.map((q) => q.size))].sort((a, b) => a - b);
    const figures = {
      encryptedQueries: encrypted.length,
      byTransport: {
        dot: encrypted.filter((q) => q.transport === 'dot').length,
        doh: encrypted.filter((q) => q.transport === 'doh').length,
      },
      withPaddingOption: withOption.length,
      padded: padded.length,
      unpadded: unpadded.length,
      paddedShare: encrypted.length === 0 ? null : padded.length / encrypted.length,
      querySizes: sizes.slice(0, 20),
      unreadableEncryptedContacts: contacts.length,
    };
    const counts =
      `${encrypted.length} encrypted queries read (${figures.byTransport.dot} DoT, ${figures.byTransport.doh} DoH): ` +
      `${withOption.length} with the Padding option, ${padded.length} padded to ${p.paddingBlock}-octet blocks (${percent(encrypted.length === 0 ? 0 : padded.length / encrypted.length)}); sizes ${sizes.slice(0, 8).join(', ') || 'none'}`;
    if (unpadded.length > 0) {
      const example = unpadded[0]!;
      const why = hasOption(example)
        ? `${example.size} octets, not a multiple of ${p.paddingBlock}`
        : 'no Padding option';
      return {
        // An unpadded query already went out: more evidence cannot undo it.
        verdict: 'FAIL',
        settled: true,
        expected,
        figures,
        observed: `${counts}; ${unpadded.length} not padded, e.g. ${example.questions[0]?.name ?? '?'} ${example.questions[0]?.type ?? ''} over ${example.transport.toUpperCase()}: ${why}.`,
        evidence: [
          eventsRef(
            context.eventsFile,
            unpadded.map((q) => q.seq),
            'encrypted queries without padding to the block length',
          ),
        ],
      };
    }
    if (encrypted.length < p.minQueries) {
      const elsewhere =
        contacts.length > 0
          ? `; ${contacts.length} encrypted contacts with other resolvers, whose contents the harness cannot read`
          : '';
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        figures,
        observed: `${counts}${elsewhere}; the rule needs ${p.minQueries} encrypted queries the harness could read.`,
        evidence: [
          eventsRef(
            context.eventsFile,
            [...encrypted.map((q) => q.seq), ...contacts.map((c) => c.seq)].sort((a, b) => a - b),
            'encrypted DNS of the DUT',
          ),
        ],
      };
    }
    // Early stop: the SPRT over the encrypted queries of the phase in progress (none unpadded, or this is no PASS).
    const settled = sprtSettles('PASS', 0, encrypted.filter(inOpenPhase(evidence)).length, p.settleP1, p);
    return {
      verdict: 'PASS',
      settled,
      expected,
      observed: `${counts}.`,
      figures,
      evidence: [
        eventsRef(
          context.eventsFile,
          padded.map((q) => q.seq),
          'padded encrypted queries',
        ),
      ],
    };
  },
});
