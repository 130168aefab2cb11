/**
 * Paper Recommendation #7 (draft IOTDNS-D-VAL-1): the DUT validates answers and does not use
 * records that do not fit its question: another type (TXT/MX/NS, AAAA for an A query), another
 * class, or records for other names slipped into the additional section.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import { FORGERY_SETTLED_TEXT, forgeryLookedUpAgain } from '../sequential.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { contactsByCanary, forgedRecordRefs, forgedRecordUse } from './forged-record-use.ts';

const rule = decisionRule(
  { minForgedResponses: 3, maxUses: 0 },
  (rule) =>
    "Under wrong-type-txt, wrong-type-mx, wrong-type-ns, aaaa-for-a, wrong-class and unsolicited-additional, count the DUT's uses of the invalid records: " +
    'canary.contact events from the DUT (only those records point at canaries) and queries for names that only a forged MX/NS/CNAME record named. ' +
    `INCONCLUSIVE when fewer than ${rule.minForgedResponses} responses to the DUT were forged (minForgedResponses). ` +
    `FAIL when the uses exceed ${rule.maxUses} (maxUses). Otherwise PASS.` +
    FORGERY_SETTLED_TEXT,
);

const meta: CheckMeta = {
  title: 'Records of the wrong type, class or name are not used',
  requirement: requirementText(recommendation('7'), draftClause('IOTDNS-D-VAL-1')),
  keyword: 'MUST',
  severity: 'high',
  covers: { paper: ['7'], draft: ['IOTDNS-D-VAL-1'], etsi: ['5.13-1', '5.5-2'] },
  decisionRule: rule,
  experiments: [
    'wrong-type-txt',
    'wrong-type-mx',
    'wrong-type-ns',
    'aaaa-for-a',
    'wrong-class',
    'unsolicited-additional',
  ],
  tableI: 'modifiedRrResilience',
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const use = forgedRecordUse(evidence, context);
    const uses = use.contacts.length + use.followed.length;
    const byPhase: Record<string, number> = {};
    for (const event of [...use.contacts, ...use.followed])
      byPhase[event.phase ?? '-'] = (byPhase[event.phase ?? '-'] ?? 0) + 1;
    const figures = {
      forgedResponses: use.manipulated.length,
      canaryContacts: use.contacts.length,
      followedTargets: use.followed.length,
      usesByPhase: byPhase,
      contactsByCanary: contactsByCanary(use.contacts),
    };
    const expected =
      'Records that do not fit the question (type, class, name) are discarded: no contact with the canary they name, no lookup of the names they point to.';
    const counts = `${use.manipulated.length} forged responses; ${use.contacts.length} canary contacts and ${use.followed.length} lookups of forged targets by the DUT`;
    const evidenceRefs = forgedRecordRefs(use, context.eventsFile);
    if (uses > p.maxUses)
      return {
        verdict: 'FAIL',
        settled: true,
        expected,
        observed: `${counts} (by phase: ${Object.entries(byPhase)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}).`,
        figures,
        evidence: evidenceRefs,
      };
    if (use.manipulated.length < p.minForgedResponses)
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${counts}; the rule needs ${p.minForgedResponses} forged responses.`,
        figures,
        evidence: evidenceRefs,
      };
    return {
      verdict: 'PASS',
      // Settled once every forged question was asked again with no canary contact (suites/sequential.ts).
      settled: forgeryLookedUpAgain(evidence, context.dutId, use.manipulated, use.contacts),
      expected,
      observed: `${counts}.`,
      figures,
      evidence: evidenceRefs,
    };
  },
});
