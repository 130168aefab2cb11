/**
 * Paper Recommendations #3, #4 and #7 (draft IOTDNS-D-RND-3, RFC 5452 §9.1): the DUT takes
 * a reply only if it matches the outstanding query: transaction ID, source address and port,
 * and question. Spoofed replies raced ahead of the real one point at canaries.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import { FORGERY_SETTLED_TEXT, forgeryLookedUpAgain } from '../sequential.ts';
import { draftClause, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { contactsByCanary, forgedRecordRefs, forgedRecordUse } from './forged-record-use.ts';

const rule = decisionRule(
  { minSpoofedResponses: 3, maxContacts: 0 },
  (rule) =>
    'Under spoof-race, each query is raced by replies with a wrong transaction ID, from a wrong source port, from a wrong source address and for a mismatched question, each pointing at its own canary. ' +
    `INCONCLUSIVE when fewer than ${rule.minSpoofedResponses} spoofed replies reached the DUT (minSpoofedResponses). ` +
    `FAIL when the DUT contacted a canary more than ${rule.maxContacts} times (maxContacts); the canary contacted tells which mismatch was accepted. Otherwise PASS.` +
    FORGERY_SETTLED_TEXT,
);

const meta: CheckMeta = {
  title: 'Spoofed replies (wrong ID, port, source or question) are rejected',
  requirement: requirementText(
    'RFC 5452 §9.1: a resolver accepts a response only when it matches the query: transaction ID, source and destination address and port, and question.',
    draftClause('IOTDNS-D-RND-3'),
    'Paper Recommendations #3, #4 (randomisation only helps if mismatches are rejected) and #7 (authenticity checks).',
  ),
  keyword: 'MUST',
  severity: 'critical',
  covers: { paper: ['3', '4', '7'], draft: ['IOTDNS-D-RND-3'], etsi: ['5.13-1'] },
  decisionRule: rule,
  experiments: ['spoof-race'],
  tableI: 'modifiedRrResilience',
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const use = forgedRecordUse(evidence, context);
    const figures = {
      spoofedResponses: use.manipulated.length,
      canaryContacts: use.contacts.length,
      contactsByCanary: contactsByCanary(use.contacts),
    };
    const expected = 'Every spoofed reply is discarded; the DUT never contacts a canary.';
    const counts = `${use.manipulated.length} spoofed replies; ${use.contacts.length} canary contacts by the DUT`;
    const refs = forgedRecordRefs({ ...use, followed: [] }, context.eventsFile);
    if (use.contacts.length > p.maxContacts) {
      return {
        verdict: 'FAIL',
        settled: true,
        expected,
        observed: `${counts} (${Object.entries(figures.contactsByCanary)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ')}).`,
        figures,
        evidence: refs,
      };
    }
    if (use.manipulated.length < p.minSpoofedResponses)
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${counts}; the rule needs ${p.minSpoofedResponses} spoofed replies.`,
        figures,
        evidence: refs,
      };
    return {
      verdict: 'PASS',
      // Settled once every forged question was asked again with no canary contact (suites/sequential.ts).
      settled: forgeryLookedUpAgain(evidence, context.dutId, use.manipulated, use.contacts),
      expected,
      observed: `${counts}.`,
      figures,
      evidence: refs,
    };
  },
});
