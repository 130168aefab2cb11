/**
 * The rule shared by the fallback checks: a response that calls for a retry of another kind
 * (TC=1 → over TCP; FORMERR to EDNS → without EDNS) must be followed by that retry.
 */
import type { CheckOutcome } from '../../lib/checks/check-types.ts';
import { eventsRef, percent } from '../evidence-ref.ts';
import type { Evidence } from '../../lib/evidence/evidence.ts';
import type { FollowUps } from '../question-series.ts';
import { inOpenPhase, sprtSettles } from '../sequential.ts';
import type { SequentialParameters } from '../sequential.ts';

/** The thresholds of a follow-up rule. */
export interface FollowUpParameters extends SequentialParameters {
  minJudged: number;
  minFollowedShare: number;
}

/** The verdict from the follow-ups of the triggers, worded with `what` (e.g. `TCP retries`). */
export function followUpOutcome(
  evidence: Evidence,
  result: FollowUps,
  p: FollowUpParameters,
  words: { trigger: string; retry: string; expected: string },
  file: string,
): CheckOutcome {
  const judged = result.followed.length + result.missed.length;
  const share = judged ? result.followed.length / judged : 0;
  const figures = {
    triggers: judged + result.unjudged.length,
    judged,
    followed: result.followed.length,
    missed: result.missed.length,
    followedShare: Math.round(share * 1000) / 1000,
  };
  const counts = `${figures.triggers} ${words.trigger} (${judged} judged): ${result.followed.length} followed by ${words.retry}, ${result.missed.length} not (${percent(share)})`;
  const followedRef = eventsRef(
    file,
    result.followed.map((f) => f.query.seq),
    `${words.retry}`,
  );
  const missedRef = eventsRef(
    file,
    result.missed.map((r) => r.seq),
    `${words.trigger} never followed by ${words.retry}`,
  );
  // Early stop: the SPRT over the phase in progress, a missed follow-up being the bad event.
  const open = inOpenPhase(evidence);
  const openMissed = result.missed.filter(open).length;
  const openJudged = openMissed + result.followed.filter((f) => open(f.trigger)).length;
  const settles = (verdict: 'PASS' | 'FAIL') => sprtSettles(verdict, openMissed, openJudged, 1 - p.minFollowedShare, p);
  if (judged < p.minJudged)
    return {
      verdict: 'INCONCLUSIVE',
      expected: words.expected,
      observed: `${counts}; the rule needs ${p.minJudged} judged.`,
      figures,
      evidence: [followedRef, missedRef],
    };
  if (share < p.minFollowedShare)
    return {
      verdict: 'FAIL',
      expected: words.expected,
      observed: `${counts}.`,
      figures,
      evidence: [missedRef, followedRef],
    };
  return {
    verdict: 'PASS',
    settled: settles('PASS'),
    expected: words.expected,
    observed: `${counts}.`,
    figures,
    evidence: [followedRef],
  };
}
