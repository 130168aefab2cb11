/**
 * Paper Recommendation #8 (draft IOTDNS-D-TTL-2): when a stable name suddenly comes back
 * with a huge TTL and a new address (what a cache-poisoning attacker would send), the DUT
 * does not pin the jumped answer: it asks again within its normal cap.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { judgeTtlCap, ttlCapRuleText } from './ttl-cap-rule.ts';
import type { TtlCapParameters } from './ttl-cap-rule.ts';

const rule = decisionRule<TtlCapParameters>(
  {
    defaultCapSeconds: 604800,
    extremeTtlSeconds: 2147483648,
    graceSeconds: 2,
    minJudgedAnswers: 2,
  },
  (rule) =>
    ttlCapRuleText(
      'Under ttl-jump (names the DUT has resolved with their normal TTLs suddenly answered with TTL 10⁹ and a new, canary address)',
      rule,
    ) +
    " Whether the DUT used the new address is not judged here (no stub can tell a resolver's forgery without DNSSEC); only whether it kept it beyond its cap.",
);

const meta: CheckMeta = {
  title: 'An abrupt TTL jump with a new address is not pinned',
  requirement: requirementText(
    recommendation('8'),
    draftClause('IOTDNS-D-TTL-2'),
    'For example 300 s → 10⁹ s with a new address.',
  ),
  keyword: 'SHOULD',
  severity: 'medium',
  covers: { paper: ['8'], draft: ['IOTDNS-D-TTL-2'], etsi: ['5.13-1'] },
  decisionRule: rule,
  experiments: ['ttl-jump'],
  tableI: 'forgedTtlResilience',
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    return judgeTtlCap(evidence, context, ruleParameters(rule), {
      answers: 'answers with the jumped TTL',
    });
  },
});
