/**
 * The rule shared by the checks that a huge TTL is not pinned (Recommendation #8): every
 * answer whose TTL lies beyond the DUT's cap is held against the next query for the same
 * question, which must come within the cap plus a grace.
 */
import type { CheckContext, CheckOutcome } from '../../lib/checks/check-types.ts';
import type { Evidence } from '../../lib/evidence/evidence.ts';
import type { ResponseEvent } from '../../lib/evidence/events.ts';
import { eventsRef } from '../evidence-ref.ts';
import { isAtOrBelow } from '../../lib/dns/dnssec.ts';
import { Restarts } from '../../lib/analysis/device-restarts.ts';
import { firstAbove, firstAtOrAbove } from '../../lib/analysis/binary-search.ts';
import { normaliseName } from '../../lib/dns/names.ts';
import { questionKeyOf, round, secondsBetween } from '../question-series.ts';
import { inOpenPhase, SEQUENTIAL_P1, sprtSettles } from '../sequential.ts';
import { KEY_TYPES, REFUSED_AS_BOGUS_TEXT, refusedAsBogus } from '../dnssec-refusal.ts';

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
    'An answer is followed only until the DUT is next restarted (a simulated device started, or power-cycled, as the evidence records it): ' +
    'a restarted device has forgotten it, so a query after the restart is no evidence either way, and the answer is pinned only when C + grace ran out before the restart. ' +
    `An answer the DUT refuses as DNSSEC-bogus is not held: ${REFUSED_AS_BOGUS_TEXT} (a forged address carries no signature of the zone). ` +
    'Such an answer is counted as refused and not judged (the DUT never kept it, so the time until it asks again is its failure back-off, not a TTL; dnssec-validation holds it to the declaration). ' +
    'DNSKEY and DS answers, which a validator asks for only when it validates an answer under their owner, are held against need instead when no query for them came within C + ' +
    `${rule.graceSeconds} s: capped when the DUT asked for them again by its next query (with DO) under the owner after its first one asked once C + ${rule.graceSeconds} s had passed, ` +
    `or within ${rule.graceSeconds} s of that first one; pinned when it did not although the phase went on that long; not judged when it asked nothing under the owner after C + ${rule.graceSeconds} s. ` +
    `FAIL when any answer was pinned. INCONCLUSIVE when fewer than ${rule.minJudgedAnswers} answers (minJudgedAnswers) were judged. Otherwise PASS. ` +
    'Early stop: a pinned answer settles the FAIL; a PASS is settled once, in the phase in progress, every question given an extreme TTL (refused ones aside) was asked again within the cap ' +
    `and so many answers were capped, none pinned, that Wald's SPRT accepts a pinned share ≤ ${SEQUENTIAL_P1.settleP0} against ≥ ${SEQUENTIAL_P1.settleP1} (α = ${SEQUENTIAL_P1.settleAlpha}, β = ${SEQUENTIAL_P1.settleBeta}).`
  );
}

/** How the outcome speaks of the answers it judges (`answers with extreme TTLs`). */
export interface TtlCapWords {
  answers: string;
}

/** What became of one answer with an extreme TTL. */
type Outcome = 'capped' | 'pinned' | 'not judged' | 'refused';

/**
 * Query times (µs, ascending) by phase and question, so the next query after an answer is a
 * binary search, not a scan of every query per answer (an hour of ttl-jump holds some 50 000
 * of each).
 */
class QueryTimes {
  readonly #times = new Map<string, number[]>();

  add(key: string, t: number): void {
    const times = this.#times.get(key);
    if (times) times.push(t);
    else this.#times.set(key, [t]);
  }

  /** Sorts every list; call once after the last `add`. */
  seal(): this {
    for (const times of this.#times.values()) times.sort((a, b) => a - b);
    return this;
  }

  /** The first time after `t` (strictly) of `key`, or null. */
  after(key: string, t: number): number | null {
    const times = this.#times.get(key) ?? [];
    return times[firstAbove(times, t)] ?? null;
  }

  /** The first time at or after `t` of `key`, or null. */
  atOrAfter(key: string, t: number): number | null {
    const times = this.#times.get(key) ?? [];
    return times[firstAtOrAbove(times, t)] ?? null;
  }
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
  // One pass over the queries: their times by phase and question, and (for DNSKEY and DS
  // answers) the times of the answered queries with DO that a validator needs keys for.
  const asked = new QueryTimes();
  const doQueries = new Set<number>();
  const needs: { name: string; phase: string | null; t: number }[] = [];
  evidence.eachQuery(context.dutId, (query) => {
    asked.add(`${query.phase}|${questionKeyOf(query)}`, query.t);
    if (query.edns?.do !== true) return;
    doQueries.add(query.seq);
    const question = query.questions[0];
    const rcode = evidence.responseTo(query)?.flags.rcode;
    if (question && !KEY_TYPES.has(question.type) && (rcode === 'NOERROR' || rcode === 'NXDOMAIN'))
      needs.push({ name: normaliseName(question.name), phase: query.phase, t: query.t });
  });
  asked.seal();
  const refused = refusedAsBogus(context, doQueries);
  /** The validations under `owner` in `phase`: the times of the DUT's answered queries with DO there. */
  const needTimes = new Map<string, QueryTimes>();
  const needsUnder = (owner: string): QueryTimes => {
    let times = needTimes.get(owner);
    if (!times) {
      times = new QueryTimes();
      for (const need of needs) if (isAtOrBelow(need.name, owner)) times.add(`${need.phase}`, need.t);
      needTimes.set(owner, times.seal());
    }
    return times;
  };
  const grace = p.graceSeconds * 1e6;
  const capped: ResponseEvent[] = [];
  const pinned: ResponseEvent[] = [];
  const refusals: ResponseEvent[] = [];
  const responses = evidence.responses(context.dutId).filter(extreme);
  const restarts = new Restarts(evidence, context.dutId);
  const rows = responses.map((response) => {
    const key = questionKeyOf(response);
    // Followed until the phase ends or the DUT restarts, whichever comes first: a restarted DUT forgot the answer.
    const { end, restart } = restarts.followUntil(response.t, phaseEnd.get(response.phase ?? '') ?? response.t);
    const beforeEnd = (t: number | null) => (t === null || t > end ? null : t);
    const nextT = beforeEnd(asked.after(`${response.phase}|${key}`, response.t));
    const after = nextT === null ? null : secondsBetween(response.t, nextT);
    const followed = secondsBetween(response.t, end);
    let outcome: Outcome;
    let neededAfter: number | null = null;
    if (refused(response)) outcome = 'refused';
    else if (after !== null && after <= limit) outcome = 'capped';
    else if (KEY_TYPES.has(response.questions[0]?.type ?? '')) {
      // Keys are asked for when an answer under their owner is validated: held against the first
      // such need once the cap ran out, not against the clock.
      const under = needsUnder(normaliseName(response.questions[0]!.name));
      const need = beforeEnd(under.atOrAfter(`${response.phase}`, response.t + limit * 1e6));
      if (need === null) outcome = 'not judged';
      else {
        neededAfter = secondsBetween(response.t, need);
        const deadline = Math.max(need + grace, under.after(`${response.phase}`, need) ?? need);
        outcome = nextT !== null && nextT <= deadline ? 'capped' : end >= deadline ? 'pinned' : 'not judged';
      }
    } else outcome = after !== null && after <= limit ? 'capped' : followed >= limit ? 'pinned' : 'not judged';
    if (outcome === 'capped') capped.push(response);
    if (outcome === 'pinned') pinned.push(response);
    if (outcome === 'refused') refusals.push(response);
    return {
      phase: response.phase,
      question: `${response.questions[0]?.name} ${response.questions[0]?.type}`,
      ttl: Math.min(...response.answers.map((rr) => rr.ttl)),
      askedAgainAfter: after === null ? null : round(after),
      ...(neededAfter === null ? {} : { neededAgainAfter: round(neededAfter) }),
      followedSeconds: round(followed),
      ...(restart === null ? {} : { restartedAfter: round(secondsBetween(response.t, restart)) }),
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
    ...(refusals.length > 0 ? { refusedAsBogus: refusals.length } : {}),
    ...(toCanary > 0 ? { answersToCanary: toCanary } : {}),
    answers: rows.slice(0, 40),
  };
  const capText = `${cap} s (${declared !== undefined ? 'declared in the profile' : 'RFC 8767 default'})`;
  const expected = `After an answer with an extreme TTL the DUT asks again within its cap of ${capText} plus ${p.graceSeconds} s.`;
  const refusedText = refusals.length > 0 ? `, ${refusals.length} refused as DNSSEC-bogus (not held)` : '';
  const unjudged = rows.length - capped.length - pinned.length - refusals.length;
  const cutShort = rows.filter((r) => r.outcome === 'not judged' && 'restartedAfter' in r).length;
  const why = cutShort > 0 ? `phase too short, or ${cutShort} forgotten at a restart of the DUT` : 'phase too short';
  const counts = `${rows.length} ${words.answers}: ${capped.length} asked again in time, ${pinned.length} pinned${refusedText}, ${unjudged} not judged (${why})`;
  if (pinned.length > 0) {
    const example = rows.find((r) => r.outcome === 'pinned')!;
    const late =
      example.askedAgainAfter === null
        ? `no query in the ${example.followedSeconds} s that followed`
        : `asked again only after ${example.askedAgainAfter} s`;
    const need =
      'neededAgainAfter' in example ? ` although it looked up a name under it ${example.neededAgainAfter} s after` : '';
    return {
      // An answer kept past its cap stays kept past it: more evidence cannot undo that.
      verdict: 'FAIL',
      settled: true,
      expected,
      observed: `${counts}; e.g. ${example.question}: TTL ${example.ttl}, ${late}${need}.`,
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
  const refusedSet = new Set(refusals);
  const openQuestions = new Set(responses.filter((r) => open(r) && !refusedSet.has(r)).map(questionKeyOf));
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
