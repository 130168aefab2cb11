/**
 * Paper Recommendation #9 (draft IOTDNS-D-SIZE-2): of several replies that all match a
 * query, the DUT takes the first and ignores the rest. Late replies point at a canary, so a
 * DUT that lets a later reply overwrite the first shows by contacting it.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import { FORGERY_SETTLED_TEXT, forgeryLookedUpAgain } from '../sequential.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { contactsByCanary, forgedRecordRefs, forgedRecordUse } from '../validation/forged-record-use.ts';

const rule = decisionRule(
  { minRaces: 5, maxContacts: 0 },
  (rule) =>
    'Under late-answers, each A query over UDP gets its genuine answer first, then further replies that match it as fully (same transaction ID, from the same socket, the same question) ' +
    'with a record pointing at a canary; each such race is one late-answer response in the evidence. ' +
    `INCONCLUSIVE when fewer than ${rule.minRaces} races reached the DUT (minRaces). ` +
    `FAIL when the DUT contacted a canary more than ${rule.maxContacts} times in the phase (maxContacts): it used a later reply. Otherwise PASS.` +
    FORGERY_SETTLED_TEXT,
);

const meta: CheckMeta = {
  title: 'Only the first matching reply is taken; later ones are ignored',
  requirement: requirementText(
    recommendation('9'),
    draftClause('IOTDNS-D-SIZE-2'),
    'It fails if this causes use of a later, different answer.',
  ),
  keyword: 'SHOULD',
  severity: 'high',
  covers: { paper: ['9'], draft: ['IOTDNS-D-SIZE-2'], etsi: ['5.13-1'] },
  decisionRule: rule,
  experiments: ['late-answers'],
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const use = forgedRecordUse(evidence, context);
    const figures = {
      races: use.manipulated.length,
      lateReplies: use.manipulated.reduce((sum, r) => sum + (r.copies ?? 1), 0),
      canaryContacts: use.contacts.length,
      contactsByCanary: contactsByCanary(use.contacts),
    };
    const expected =
      'The DUT uses the first matching reply to each query; the later ones never reach its application, so it never contacts the canary.';
    const counts = `${use.manipulated.length} queries raced by ${figures.lateReplies} late matching replies; ${use.contacts.length} canary contacts by the DUT`;
    const refs = forgedRecordRefs({ ...use, followed: [] }, context.eventsFile);
    if (use.contacts.length > p.maxContacts) {
      // A canary already contacted stays contacted: more evidence cannot undo it.
      return {
        verdict: 'FAIL',
        settled: true,
        expected,
        observed: `${counts} (${Object.entries(figures.contactsByCanary)
          .map(([k, v]) => `${k} ×${v}`)
          .join(', ')}): a later reply won.`,
        figures,
        evidence: refs,
      };
    }
    if (use.manipulated.length < p.minRaces)
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${counts}; the rule needs ${p.minRaces} races.`,
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
