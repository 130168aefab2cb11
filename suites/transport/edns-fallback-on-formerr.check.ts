/**
 * Paper Recommendation #9 (draft IOTDNS-D-SIZE-1, RFC 6891 §7): a DUT speaking EDNS(0)
 * that gets FORMERR from a server that does not know EDNS asks again without the OPT
 * record, rather than giving up.
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
    `Under formerr-on-edns, each FORMERR response to a DUT query that carried an OPT record is followed up when the DUT asks the same question without OPT within ${rule.retrySeconds} s (retrySeconds); ` +
    'it is judged when followed up, or when the phase went on that long. A DUT that sent no EDNS query gives nothing to judge. ' +
    `INCONCLUSIVE when fewer than ${rule.minJudged} were judged (minJudged). FAIL when under ${percent(rule.minFollowedShare)} were followed up (minFollowedShare). Otherwise PASS.` +
    sequentialRuleText('FORMERR answers not followed up without EDNS', '1 − minFollowedShare'),
);

const meta: CheckMeta = {
  title: 'FORMERR to an EDNS query leads to a retry without EDNS',
  requirement: requirementText(
    'RFC 6891 §7: a responder that does not understand EDNS answers FORMERR, and the requestor may retry without the OPT record.',
    draftClause('IOTDNS-D-SIZE-1'),
    'A server answering FORMERR to EDNS is expected to get a retry without EDNS.',
    recommendation('9'),
  ),
  keyword: 'SHOULD',
  severity: 'medium',
  covers: { paper: ['9'], draft: ['IOTDNS-D-SIZE-1'], etsi: ['5.13-1'] },
  decisionRule: rule,
  experiments: ['formerr-on-edns'],
  passive: true,
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const byQuery = new Map(evidence.queries(context.dutId).map((q) => [q.seq, q]));
    const formerrs = evidence
      .responses(context.dutId)
      .filter((r) => r.flags.rcode === 'FORMERR' && byQuery.get(r.queryRef)?.edns != null);
    const result = followUps(evidence, context.dutId, formerrs, (q) => q.edns === null, p.retrySeconds);
    return followUpOutcome(
      evidence,
      result,
      p,
      {
        trigger: 'FORMERR answers to EDNS queries',
        retry: 'the same question without EDNS',
        expected: `Each FORMERR to an EDNS query is followed within ${p.retrySeconds} s by the same question without the OPT record (at least ${percent(p.minFollowedShare)} of them).`,
      },
      context.eventsFile,
    );
  },
});
