/**
 * Paper Recommendation #5 (draft IOTDNS-D-CACHE-1): the DUT caches answers and asks for a
 * name again only once the TTL it was given has run out.
 */
import { ttlCompliance } from '../../lib/analysis/ttl-compliance.ts';
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta, EvidenceRef } from '../../lib/checks/check-types.ts';
import { eventsRef, percent } from '../evidence-ref.ts';
import { countIn, openPhaseSeqs, SEQUENTIAL, sequentialRuleText, sprtSettles } from '../sequential.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';

const rule = decisionRule(
  {
    minJudgedAnswers: 10,
    minPrematureRequeries: 2,
    maxPrematureShare: 0.1,
    graceSeconds: 1,
    graceFraction: 0.1,
    minTtlSeconds: 2,
    followSeconds: 60,
    ...SEQUENTIAL,
  },
  (rule) =>
    'For each (name, type) the DUT asks, every NOERROR answer holding records of that type or a CNAME grants TTL T (the smallest such record TTL). ' +
    'The next query for the same name and type is held against it: it is premature when it arrives less than T − max(graceSeconds, graceFraction × T) ' +
    `seconds after the answer (grace ${rule.graceSeconds} s or ${percent(rule.graceFraction)} of T). Answers with T below ${rule.minTtlSeconds} s (minTtlSeconds) are not judged. ` +
    `An answer is judged when a re-query followed it, or when min(T, ${rule.followSeconds} s) (followSeconds) of observation followed it. ` +
    "A query the harness read so late (its recorded lateness) that it may have left the DUT before the answer did is the DUT's retry, not a re-query: it is set aside. " +
    'An answer given before the DUT was restarted (a simulated device started, or power-cycled, as the evidence records it) is not held against a query after the restart: the device forgot it. ' +
    `INCONCLUSIVE when fewer than ${rule.minJudgedAnswers} answers (minJudgedAnswers) could be judged. ` +
    `FAIL when at least ${rule.minPrematureRequeries} re-queries (minPrematureRequeries) were premature and they exceed ${percent(rule.maxPrematureShare)} (maxPrematureShare) of the judged answers. Otherwise PASS.` +
    sequentialRuleText('premature re-queries among judged answers', 'maxPrematureShare'),
);

const meta: CheckMeta = {
  title: 'Answers are cached for their TTL before the name is asked again',
  requirement: requirementText(
    recommendation('5'),
    'The paper adds that devices should cache responses for their full validity period rather than issuing premature queries.',
    draftClause('IOTDNS-D-CACHE-1'),
  ),
  keyword: 'RECOMMENDATION',
  severity: 'medium',
  covers: { paper: ['5'], draft: ['IOTDNS-D-CACHE-1'], etsi: ['5.9-2', '5.9-3'] },
  decisionRule: rule,
  experiments: ['baseline'],
  passive: true,
  tableI: 'queryConsistency',
};

/** The TTLs a name got, in words: all of a few, the range of many (a capture can hold hundreds). */
function ttlList(ttls: readonly number[]): string {
  return ttls.length <= 5 ? ttls.join('/') : `${ttls[0]}–${ttls.at(-1)} (${ttls.length} values)`;
}

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const result = ttlCompliance(evidence, context.dutId, {
      graceSeconds: p.graceSeconds,
      graceFraction: p.graceFraction,
      minTtlSeconds: p.minTtlSeconds,
      followSeconds: p.followSeconds,
    });
    const { totals } = result;
    const prematureShare = totals.judged === 0 ? 0 : totals.premature / totals.judged;
    const figures = { names: result.rows, totals, prematureShare };
    const expected =
      `Each name is asked again only after its TTL has run out (less a grace of max(${p.graceSeconds} s, ${percent(p.graceFraction)} of the TTL)); ` +
      `premature re-queries on no more than ${percent(p.maxPrematureShare)} of judged answers.`;
    const judgedRef = eventsRef(
      context.eventsFile,
      result.judgedAnswerSeqs,
      'responses whose TTL was held against the next query or the observation window',
    );
    const setAside =
      totals.setAside > 0
        ? `; ${totals.setAside} queries set aside (the harness read them so late they may have left before the answer)`
        : '';
    const counts = `${totals.answers} answers over ${totals.names} names (${totals.judged} judged), ${totals.requeries} re-queries, ${totals.premature} premature (${percent(prematureShare)} of judged)${setAside}`;

    // Early stop: the SPRT over the phase in progress (suites/sequential.ts).
    const phaseSeqs = openPhaseSeqs(evidence);
    const settles = (verdict: 'PASS' | 'FAIL') =>
      sprtSettles(
        verdict,
        countIn(result.prematureSeqs, phaseSeqs),
        countIn(result.judgedAnswerSeqs, phaseSeqs),
        p.maxPrematureShare,
        p,
      );
    if (totals.judged < p.minJudgedAnswers) {
      const span = evidence.span();
      const window: EvidenceRef = { kind: 'time-range', from: span.start, to: span.end, note: 'observation window' };
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${counts}; the rule needs at least ${p.minJudgedAnswers} judged answers.`,
        figures,
        evidence: [judgedRef, window],
      };
    }
    if (totals.premature >= p.minPrematureRequeries && prematureShare > p.maxPrematureShare) {
      const worst = [...result.rows].sort((a, b) => b.premature - a.premature)[0];
      const example = worst
        ? `; worst ${worst.name} ${worst.type}: TTL ${ttlList(worst.ttls)} s, asked again after ${worst.shortestRequerySeconds?.toFixed(1)} s, ${worst.premature} of ${worst.judged} premature`
        : '';
      return {
        verdict: 'FAIL',
        expected,
        observed: `${counts}${example}.`,
        figures,
        evidence: [
          eventsRef(
            context.eventsFile,
            result.prematureSeqs,
            'premature re-queries (before the TTL less grace had run out)',
          ),
          judgedRef,
        ],
      };
    }
    return {
      verdict: 'PASS',
      settled: settles('PASS'),
      expected,
      observed: `${counts}.`,
      figures,
      evidence: [judgedRef],
    };
  },
});
