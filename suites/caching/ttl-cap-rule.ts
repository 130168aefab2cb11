/**
 * The rule shared by the checks that a huge TTL is not pinned (Recommendation #8): every
 * answer whose TTL lies beyond the DUT's cap is held against the next query for the same
 * question, which must come within the cap plus a grace.
 */
import type { CheckContext, CheckOutcome } from '../../lib/checks/check-types.ts';
import type { Evidence } from '../../lib/evidence/evidence.ts';
import type { ResponseEvent } from '../../lib/evidence/events.ts';
import { eventsRef } from '../evidence-ref.ts';
import { nextQuery, questionKeyOf, round, secondsBetween } from '../question-series.ts';
import { inOpenPhase, SEQUENTIAL_P1, sprtSettles } from '../sequential.ts';

/** The thresholds of the rule, by the names the metadata carries. */
export type TtlCapParameters = {
  defaultCapSeconds: number;
  extremeTtlSeconds: number;
  graceSeconds: number;
  minJudgedAnswers: number;
};

/** The rule as the report states it; `under` names the experiments and what they send. */
export function ttlCapRuleText(under: string, rule: TtlCapParameters): string {
  return (
    'Cap C = the TTL cap the profile declares (ixit.ttlCapSeconds), else defaultCapSeconds ' +
    `(${rule.defaultCapSeconds} s, RFC 8767 §4). ${under}, every response to the DUT whose answer records all carry a TTL above C, ` +
    `or of at least ${rule.extremeTtlSeconds} (extremeTtlSeconds, the top bit), is held against the next query for the same question in the phase: ` +
    `capped when it comes within C + ${rule.graceSeconds} s (graceSeconds); pinned when none came although the phase went on that long; otherwise not judged. ` +
    `FAIL when any answer was pinned. INCONCLUSIVE when fewer than ${rule.minJudgedAnswers} answers (minJudgedAnswers) were judged. Otherwise PASS. ` +
    'Early stop: a pinned answer settles the FAIL; a PASS is settled once, in the phase in progress, every question given an extreme TTL was asked again within the cap ' +
    `and so many answers were capped, none pinned, that Wald's SPRT accepts a pinned share ≤ ${SEQUENTIAL_P1.settleP0} against ≥ ${SEQUENTIAL_P1.settleP1} (α = ${SEQUENTIAL_P1.settleAlpha}, β = ${SEQUENTIAL_P1.settleBeta}).`
  );
}

/** How the outcome speaks of the answers it judges (`answers with extreme TTLs`). */
export interface TtlCapWords {
  answers: string;
}

/** Judges the rule of {@link ttlCapRuleText} over the responses in `evidence`. */
export function judgeTtlCap(
  evidence: Evidence,
  context: CheckContext,
  p: TtlCapParameters,
  words: TtlCapWords,
): CheckOutcome {
  const declared = context.profile.ixit?.ttlCapSeconds;
  const cap = declared ?? p.defaultCapSeconds;
  const limit = cap + p.graceSeconds;
  const phaseEnd = new Map(evidence.phases().map((phase) => [phase.name, phase.end]));
  const extreme = (r: ResponseEvent) =>
    r.answers.length > 0 && r.answers.every((rr) => rr.ttl > cap || rr.ttl >= p.extremeTtlSeconds);
  const canaries = new Set(context.profile.canaries);
  const capped: ResponseEvent[] = [];
  const pinned: ResponseEvent[] = [];
  const responses = evidence.responses(context.dutId).filter(extreme);
  const rows = responses.map((response) => {
    const next = nextQuery(evidence, context.dutId, response);
    const after = next ? secondsBetween(response.t, next.t) : null;
    const followed = secondsBetween(response.t, phaseEnd.get(response.phase ?? '') ?? response.t);
    const outcome = after !== null && after <= limit ? 'capped' : followed >= limit ? 'pinned' : 'not judged';
    if (outcome === 'capped') capped.push(response);
    if (outcome === 'pinned') pinned.push(response);
    return {
      phase: response.phase,
      question: `${response.questions[0]?.name} ${response.questions[0]?.type}`,
      ttl: Math.min(...response.answers.map((rr) => rr.ttl)),
      askedAgainAfter: after === null ? null : round(after),
      followedSeconds: round(followed),
      outcome,
    };
  });
  const toCanary = responses.filter((r) => r.answers.some((rr) => canaries.has(rr.data))).length;
  const figures = {
    capSeconds: cap,
    capDeclared: declared !== undefined,
    extremeAnswers: rows.length,
    capped: capped.length,
    pinned: pinned.length,
    ...(toCanary > 0 ? { answersToCanary: toCanary } : {}),
    answers: rows.slice(0, 40),
  };
  const capText = `${cap} s (${declared !== undefined ? 'declared in the profile' : 'RFC 8767 default'})`;
  const expected = `After an answer with an extreme TTL the DUT asks again within its cap of ${capText} plus ${p.graceSeconds} s.`;
  const counts = `${rows.length} ${words.answers}: ${capped.length} asked again in time, ${pinned.length} pinned, ${rows.length - capped.length - pinned.length} not judged (phase too short)`;
  if (pinned.length > 0) {
    const example = rows.find((r) => r.outcome === 'pinned')!;
    return {
      // An answer kept past its cap stays kept past it: more evidence cannot undo that.
      verdict: 'FAIL',
      settled: true,
      expected,
      observed: `${counts}; e.g. ${example.question}: TTL ${example.ttl}, no query in the ${example.followedSeconds} s that followed.`,
      figures,
      evidence: [
        eventsRef(
          context.eventsFile,
          pinned.map((r) => r.seq),
          `${words.answers} never followed by a query within the cap`,
        ),
      ],
    };
  }
  if (capped.length < p.minJudgedAnswers) {
    return {
      verdict: 'INCONCLUSIVE',
      expected,
      observed: `${counts}; the rule needs ${p.minJudgedAnswers} judged answers (phases must outlast the cap).`,
      figures,
      evidence: [
        eventsRef(
          context.eventsFile,
          responses.map((r) => r.seq),
          words.answers,
        ),
      ],
    };
  }
  // Early stop: settled once, in the phase in progress, every question with an extreme answer was
  // asked again within the cap after one (the DUT showed it re-asks once its own cap ran out).
  const open = inOpenPhase(evidence);
  const openQuestions = new Set(responses.filter(open).map(questionKeyOf));
  const openCapped = new Set(capped.filter(open).map(questionKeyOf));
  const settled =
    capped.filter(open).length >= p.minJudgedAnswers &&
    [...openQuestions].every((key) => openCapped.has(key)) &&
    sprtSettles('PASS', 0, capped.filter(open).length, SEQUENTIAL_P1.settleP1, SEQUENTIAL_P1);
  return {
    verdict: 'PASS',
    settled,
    expected,
    observed: `${counts}.`,
    figures,
    evidence: [
      eventsRef(
        context.eventsFile,
        capped.map((r) => r.seq),
        `${words.answers} followed by a query within the cap`,
      ),
    ],
  };
}
