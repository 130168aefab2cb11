/**
 * Paper Recommendation #7, observed only: when the assigned resolver itself forges an answer
 * (a well-formed A, AAAA or CNAME chain, from the right address with the right ID), a stub
 * cannot tell it from a real one without DNSSEC. Whether the DUT used it is recorded as INFO.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import { FORGERY_SETTLED_TEXT, forgeryLookedUpAgain } from '../sequential.ts';
import { recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { contactsByCanary, forgedRecordRefs, forgedRecordUse } from './forged-record-use.ts';

const rule = decisionRule(
  { minForgedResponses: 1 },
  (rule) =>
    'Under forged-a, forged-aaaa and forged-cname, count the forged responses sent to the DUT and its canary contacts. Always INFO: ' +
    `it reports whether the DUT used the forged records (INCONCLUSIVE when fewer than ${rule.minForgedResponses} forged responses reached it, minForgedResponses).` +
    FORGERY_SETTLED_TEXT,
);

const meta: CheckMeta = {
  title: 'Use of well-formed answers forged by the resolver itself (observation)',
  requirement: requirementText(
    recommendation('7'),
    'The paper found most devices used the forged A address. A forged answer from the assigned resolver is indistinguishable to a non-validating stub; ' +
      'only DNSSEC validation (draft IOTDNS-D-VAL-2, MAY/SHOULD) could reject it, and these experiments forge unsigned names. So this is recorded, not graded; ' +
      "whether the DUT validates is judged by validation/dnssec-validation, which breaks the signatures of the lab's signed zone.",
  ),
  keyword: 'MAY',
  severity: 'low',
  covers: { paper: ['7'], draft: ['IOTDNS-D-VAL-2'], etsi: ['5.13-1'] },
  decisionRule: rule,
  experiments: ['forged-a', 'forged-aaaa', 'forged-cname'],
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const use = forgedRecordUse(evidence, context);
    const figures = {
      forgedResponses: use.manipulated.length,
      canaryContacts: use.contacts.length,
      contactsByCanary: contactsByCanary(use.contacts),
    };
    const expected =
      'Nothing is required: without DNSSEC a stub cannot tell a forged answer from its own resolver from a real one.';
    const counts = `${use.manipulated.length} forged responses; ${use.contacts.length} canary contacts by the DUT`;
    const refs = forgedRecordRefs({ ...use, followed: [] }, context.eventsFile);
    if (use.manipulated.length < p.minForgedResponses)
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${counts}; no forged answer reached the DUT.`,
        figures,
        evidence: refs,
      };
    const verdictText =
      use.contacts.length > 0 ? 'the DUT used the forged records' : 'the DUT did not contact a canary';
    return {
      verdict: 'INFO',
      // Its text is final once a canary was contacted, or every forged question was asked again without one.
      settled: use.contacts.length > 0 || forgeryLookedUpAgain(evidence, context.dutId, use.manipulated, use.contacts),
      expected,
      observed: `${counts}: ${verdictText}.`,
      figures,
      evidence: refs,
    };
  },
});
