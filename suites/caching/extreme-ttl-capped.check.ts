/**
 * Paper Recommendation #8 (draft IOTDNS-D-TTL-1): a huge TTL (10⁹ s, 2³²−1) or one with
 * the top bit set (2³¹) must not pin an answer: the DUT caps it (RFC 8767 §4) or treats it
 * as 0 (RFC 2181 §8), and so asks again within its cap.
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
  (rule) => ttlCapRuleText('Under ttl-huge, ttl-top-bit and ttl-max', rule),
);

const meta: CheckMeta = {
  title: 'Huge and top-bit TTLs are capped, not pinned',
  requirement: requirementText(
    recommendation('8'),
    draftClause('IOTDNS-D-TTL-1'),
    'RFC 2181 §8: a TTL with the top bit set is treated as 0; RFC 8767 §4: TTLs are unsigned and capped, 604800 s recommended.',
  ),
  keyword: 'SHOULD',
  severity: 'medium',
  covers: { paper: ['8'], draft: ['IOTDNS-D-TTL-1'], etsi: ['5.13-1'] },
  decisionRule: rule,
  experiments: ['ttl-huge', 'ttl-top-bit', 'ttl-max'],
  tableI: 'forgedTtlResilience',
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    return judgeTtlCap(evidence, context, ruleParameters(rule), {
      answers: 'answers with extreme TTLs',
    });
  },
});
