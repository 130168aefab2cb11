/**
 * Paper Recommendation #9 (draft IOTDNS-D-SIZE-1, RFC 7766 §5): a UDP answer with TC=1 is
 * retried over TCP, not used as it is nor dropped.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import { percent } from '../evidence-ref.ts';
import { followUps } from '../question-series.ts';
import { SEQUENTIAL, sequentialRuleText } from '../sequential.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { followUpOutcome } from './follow-up-rule.ts';

const rule = decisionRule(
  { retrySeconds: 5, minJudged: 3, minFollowedShare: 0.9, ...SEQUENTIAL },
  (rule) =>
    `Under truncation, each UDP response to the DUT with TC=1 is followed up when the DUT asks the same question over TCP within ${rule.retrySeconds} s (retrySeconds); ` +
    'it is judged when followed up, or when the phase went on that long. ' +
    `INCONCLUSIVE when fewer than ${rule.minJudged} were judged (minJudged). FAIL when under ${percent(rule.minFollowedShare)} were followed up (minFollowedShare). Otherwise PASS.` +
    sequentialRuleText('truncated answers not followed up over TCP', '1 − minFollowedShare'),
);

const meta: CheckMeta = {
  title: 'Truncated UDP answers (TC=1) are retried over TCP',
  requirement: requirementText(
    recommendation('9'),
    'The paper adds that devices "should fall back to TCP upon receiving truncated responses".',
    draftClause('IOTDNS-D-SIZE-1'),
    'RFC 7766 §5: a stub that receives a truncated response over UDP SHOULD retry over TCP.',
  ),
  keyword: 'SHOULD',
  severity: 'medium',
  covers: { paper: ['9'], draft: ['IOTDNS-D-SIZE-1'], etsi: ['5.13-1'] },
  decisionRule: rule,
  experiments: ['truncation'],
  passive: true,
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const truncated = evidence.responses(context.dutId).filter((r) => r.transport === 'udp' && r.flags.tc);
    const result = followUps(evidence, context.dutId, truncated, (q) => q.transport === 'tcp', p.retrySeconds);
    return followUpOutcome(
      evidence,
      result,
      p,
      {
        trigger: 'truncated UDP answers',
        retry: 'a TCP query for the same question',
        expected: `Each TC=1 answer is followed within ${p.retrySeconds} s by the same question over TCP (at least ${percent(p.minFollowedShare)} of them).`,
      },
      context.eventsFile,
    );
  },
});
