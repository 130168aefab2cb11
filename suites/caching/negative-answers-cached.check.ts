/**
 * Paper Recommendations #5 and #6 (draft IOTDNS-D-CACHE-2, RFC 2308): an NXDOMAIN or NODATA
 * answer with an SOA is cached for min(SOA TTL, SOA MINIMUM) before the name is asked again.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import type { ResponseEvent } from '../../lib/evidence/events.ts';
import { eventsRef, percent } from '../evidence-ref.ts';
import { nextQuery, round, secondsBetween } from '../question-series.ts';
import { countIn, openPhaseSeqs, SEQUENTIAL, sequentialRuleText, sprtSettles } from '../sequential.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { queriesWithDo, REFUSED_AS_BOGUS_TEXT, refusedAsBogus } from '../dnssec-refusal.ts';
import { Restarts } from '../../lib/analysis/device-restarts.ts';

const rule = decisionRule(
  {
    minJudgedAnswers: 3,
    minPrematureRequeries: 2,
    maxPrematureShare: 0.1,
    graceSeconds: 1,
    followSeconds: 1.5,
    ...SEQUENTIAL,
  },
  (rule) =>
    'Under the nxdomain experiment, every NXDOMAIN or NOERROR-without-records response to the DUT that carries an SOA grants T = min(SOA TTL, SOA MINIMUM), ' +
    'lowered to the TTL cap the profile declares (ixit.ttlCapSeconds) if any. The next query for the same question in the phase is premature when it comes less than ' +
    `T − ${rule.graceSeconds} s (graceSeconds) after the answer. An answer is judged when a query followed it, or min(T, ${rule.followSeconds} s) (followSeconds) of the phase did. ` +
    'An answer is followed only until the DUT is next restarted (a simulated device started, or power-cycled, as the evidence records it): ' +
    'a restarted device has forgotten it, so a query after the restart is not held against it, and it is judged only when min(T, followSeconds) passed before the restart. ' +
    `A negative answer the DUT refuses as DNSSEC-bogus is not judged: ${REFUSED_AS_BOGUS_TEXT}. ` +
    'A validator must not cache a denial it cannot authenticate as a negative answer; it caches the failure (RFC 9520 §3), so the time until it asks again is its failure back-off, ' +
    'not the negative TTL (dnssec-validation holds it to the declaration). ' +
    `INCONCLUSIVE when fewer than ${rule.minJudgedAnswers} answers (minJudgedAnswers) were judged. FAIL when at least ${rule.minPrematureRequeries} re-queries (minPrematureRequeries) were premature ` +
    `and they exceed ${percent(rule.maxPrematureShare)} (maxPrematureShare) of judged answers. Otherwise PASS.` +
    sequentialRuleText('premature re-queries among judged negative answers', 'maxPrematureShare'),
);

/** The negative TTL an answer grants (RFC 2308 §5), or null without an SOA. */
function negativeTtl(response: ResponseEvent): number | null {
  const soa = response.authority.find((rr) => rr.type === 'SOA');
  if (!soa) return null;
  const minimum = Number(soa.data.trim().split(/\s+/).at(-1));
  return Number.isFinite(minimum) ? Math.min(soa.ttl, minimum) : soa.ttl;
}

const meta: CheckMeta = {
  title: 'Negative answers are cached for their SOA-derived TTL',
  requirement: requirementText(
    draftClause('IOTDNS-D-CACHE-2'),
    "RFC 2308 §5: negative answers are cached for the minimum of the SOA record's TTL and its MINIMUM field.",
    recommendation('6'),
  ),
  keyword: 'SHOULD',
  severity: 'medium',
  covers: { paper: ['5', '6'], draft: ['IOTDNS-D-CACHE-2'], etsi: ['5.9-3'] },
  decisionRule: rule,
  experiments: ['nxdomain'],
  passive: true,
  tableI: 'queryConsistency',
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const cap = context.profile.ixit?.ttlCapSeconds ?? Infinity;
    const phaseEnd = new Map(evidence.phases().map((phase) => [phase.name, phase.end]));
    const negatives = evidence
      .responses(context.dutId)
      .filter(
        (r) =>
          (r.flags.rcode === 'NXDOMAIN' || (r.flags.rcode === 'NOERROR' && r.answers.length === 0)) &&
          negativeTtl(r) !== null,
      );
    const refused = refusedAsBogus(context, queriesWithDo(evidence, context.dutId));
    const refusals = negatives.filter(refused);
    const held = negatives.filter((r) => !refused(r));
    const restarts = new Restarts(evidence, context.dutId);
    const judged: ResponseEvent[] = [];
    const premature: number[] = [];
    let forgotten = 0;
    for (const response of held) {
      const ttl = Math.min(negativeTtl(response)!, cap);
      // Followed until the phase ends or the DUT restarts, whichever comes first: a restarted DUT forgot the answer.
      const phaseEnds = phaseEnd.get(response.phase ?? '') ?? response.t;
      const { end } = restarts.followUntil(response.t, phaseEnds);
      const asked = nextQuery(evidence, context.dutId, response);
      const next = asked && asked.t <= end ? asked : undefined;
      const followed = secondsBetween(response.t, end);
      if (next) {
        judged.push(response);
        if (secondsBetween(response.t, next.t) < ttl - p.graceSeconds) premature.push(next.seq);
      } else if (followed >= Math.min(ttl, p.followSeconds)) {
        judged.push(response);
      } else if (end < phaseEnds) {
        forgotten += 1;
      }
    }
    const share = judged.length ? premature.length / judged.length : 0;
    const ttls = [...new Set(held.map((r) => Math.min(negativeTtl(r)!, cap)))];
    const figures = {
      negativeAnswers: negatives.length,
      ...(refusals.length > 0 ? { refusedAsBogus: refusals.length } : {}),
      ...(forgotten > 0 ? { forgottenAtRestart: forgotten } : {}),
      judged: judged.length,
      premature: premature.length,
      prematureShare: round(share),
      negativeTtls: ttls,
    };
    const expected = `A name that got a negative answer is not asked again before its negative TTL (${ttls.length ? `${ttls.join('/')} s` : 'from the SOA'}) less ${p.graceSeconds} s.`;
    const refusedText = refusals.length > 0 ? `, ${refusals.length} refused as DNSSEC-bogus (not judged)` : '';
    const forgottenText =
      forgotten > 0 ? `, ${forgotten} forgotten at a restart of the DUT before they could be judged` : '';
    const counts = `${negatives.length} negative answers with an SOA (${judged.length} judged${refusedText}${forgottenText}), ${premature.length} premature re-queries (${percent(share)} of judged)`;
    const judgedRef = eventsRef(
      context.eventsFile,
      judged.map((r) => r.seq),
      'negative answers held against the next query or the phase',
    );
    // Early stop: the SPRT over the phase in progress (suites/sequential.ts).
    const phaseSeqs = openPhaseSeqs(evidence);
    const settles = (verdict: 'PASS' | 'FAIL') =>
      sprtSettles(
        verdict,
        countIn(premature, phaseSeqs),
        countIn(
          judged.map((r) => r.seq),
          phaseSeqs,
        ),
        p.maxPrematureShare,
        p,
      );
    if (judged.length < p.minJudgedAnswers) {
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${counts}; the rule needs ${p.minJudgedAnswers} judged answers.`,
        figures,
        evidence: [judgedRef],
      };
    }
    if (premature.length >= p.minPrematureRequeries && share > p.maxPrematureShare) {
      return {
        verdict: 'FAIL',
        expected,
        observed: `${counts}.`,
        figures,
        evidence: [
          eventsRef(context.eventsFile, premature, 'queries sent while the negative answer was still valid'),
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
