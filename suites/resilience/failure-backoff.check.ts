/**
 * Paper Recommendation #6 (draft IOTDNS-D-FAIL-1/2, RFC 9520): when resolution keeps failing
 * (SERVFAIL, REFUSED, silence, empty answers) the DUT backs off instead of retrying in a
 * fixed-rate storm.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import { eventsRef } from '../evidence-ref.ts';
import { questionSeries, round, secondsBetween } from '../question-series.ts';
import { openPhase } from '../sequential.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';

const rule = decisionRule(
  {
    minQueries: 3,
    minTotalQueries: 3,
    maxQueriesPerSecond: 1,
    minGrowth: 1.5,
    settleQuietSeconds: 300,
  },
  (rule) =>
    'Under servfail, refused, resolver-silent, resolver-closed-port and empty-answer, for each question (name, type) the DUT asks in a phase: ' +
    'rate = (queries − 1) / seconds from its first to its last query, and growth = median gap of the later half of its inter-query gaps ÷ median gap of the earlier half. ' +
    `A question is judged with at least ${rule.minQueries} queries (minQueries). It storms when rate > ${rule.maxQueriesPerSecond} per second (maxQueriesPerSecond, RFC 9520's 1 s minimum failure caching) ` +
    `and growth < ${rule.minGrowth} (minGrowth: the gaps do not grow). FAIL when any judged question storms. ` +
    `INCONCLUSIVE when the DUT sent fewer than ${rule.minTotalQueries} queries in all these phases together (minTotalQueries: no sign it was running; a device that holds failing names down may ask each only once or twice). Otherwise PASS. ` +
    'Early stop: a PASS is settled once the DUT asked in the phase in progress, and every question it asked there was asked minQueries times or went minQueries ÷ maxQueriesPerSecond seconds from its first query without that many (a storm would have shown them); ' +
    `or once the phase went ${rule.settleQuietSeconds} s (settleQuietSeconds, RFC 9520's longest failure caching) without a query: a device holding its failures down asks again by then.`,
);

/** The median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const meta: CheckMeta = {
  title: 'Persistent resolution failure leads to back-off, not a retry storm',
  requirement: requirementText(
    recommendation('6'),
    draftClause('IOTDNS-D-FAIL-1'),
    'RFC 9520 §3.2: a failure is cached for at least 1 s and at most 5 min.',
    draftClause('IOTDNS-D-FAIL-2'),
  ),
  keyword: 'SHOULD',
  severity: 'high',
  covers: { paper: ['6'], draft: ['IOTDNS-D-FAIL-1', 'IOTDNS-D-FAIL-2'], etsi: ['5.9-1', '5.9-3'] },
  decisionRule: rule,
  experiments: ['servfail', 'refused', 'resolver-silent', 'resolver-closed-port', 'empty-answer'],
  tableI: 'backoff',
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const all = questionSeries(evidence, context.dutId);
    const total = all.reduce((sum, series) => sum + series.queries.length, 0);
    const rows = all
      .filter((s) => s.queries.length >= p.minQueries)
      .map((series) => {
        const times = series.queries.map((q) => q.t);
        const gaps = times.slice(1).map((t, i) => secondsBetween(times[i]!, t));
        const half = Math.floor(gaps.length / 2);
        const earlier = median(gaps.slice(0, Math.max(half, 1)));
        const later = median(gaps.slice(half));
        const rate = (times.length - 1) / Math.max(secondsBetween(times[0]!, times.at(-1)!), 1e-3);
        const growth = earlier > 0 ? later / earlier : later > 0 ? Infinity : 1;
        return {
          phase: series.phase.name,
          name: series.name,
          type: series.type,
          queries: times.length,
          rate: round(rate),
          growth: Number.isFinite(growth) ? round(growth) : null,
          storm: rate > p.maxQueriesPerSecond && growth < p.minGrowth,
          seqs: series.queries.map((q) => q.seq),
        };
      });
    const storms = rows.filter((row) => row.storm);
    const figures = {
      failureQueries: total,
      questionsAsked: all.length,
      judgedQuestions: rows.length,
      storms: storms.length,
      questions: rows.map(({ seqs: _seqs, ...row }) => row),
    };
    const expected = `Under persistent failure each name is asked at most ${p.maxQueriesPerSecond} time per second, or with gaps that grow (by ${p.minGrowth}× or more): back-off and failure caching.`;
    const phases = [...new Set(rows.map((r) => r.phase))].join(', ');
    if (storms.length > 0) {
      const worst = [...storms].sort((a, b) => b.rate - a.rate)[0]!;
      return {
        verdict: 'FAIL',
        expected,
        observed: `${storms.length} of ${rows.length} questions stormed (phases ${phases}); worst ${worst.name} ${worst.type} in ${worst.phase}: ${worst.queries} queries at ${worst.rate}/s, gaps growing ${worst.growth ?? '∞'}×.`,
        figures,
        evidence: [
          eventsRef(context.eventsFile, worst.seqs, `queries for ${worst.name} ${worst.type} during ${worst.phase}`),
        ],
      };
    }
    const failureRef = eventsRef(
      context.eventsFile,
      all.flatMap((series) => series.queries.map((q) => q.seq)).sort((a, b) => a - b),
      'queries under persistent failure',
    );
    if (total < p.minTotalQueries) {
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${total} queries in the failure phases; the rule needs ${p.minTotalQueries} to show the DUT was running.`,
        figures,
        evidence: [failureRef],
      };
    }
    const busiest = [...rows].sort((a, b) => b.rate - a.rate)[0];
    const detail = busiest
      ? `${rows.length} asked ${p.minQueries}+ times (phases ${phases}), none stormed; busiest ${busiest.name} ${busiest.type}: ${busiest.queries} queries at ${busiest.rate}/s, gaps growing ${busiest.growth ?? '∞'}×`
      : `no question asked ${p.minQueries} times or more in one phase`;
    // Early stop: a storm (over maxQueriesPerSecond) shows minQueries queries within
    // minQueries / maxQueriesPerSecond seconds of its first; settled once every question asked in
    // the phase in progress was judged, or went that long since its first query without a storm.
    const phase = openPhase(evidence);
    const open = all.filter((series) => series.phase.name === phase?.name);
    const shown = (series: (typeof all)[number]) =>
      series.queries.length >= p.minQueries ||
      secondsBetween(series.queries[0]!.t, phase!.end) >= p.minQueries / p.maxQueriesPerSecond;
    const quiet = phase !== undefined && secondsBetween(phase.start, phase.end) >= p.settleQuietSeconds;
    const settled = open.length > 0 ? open.every(shown) : quiet;
    return {
      verdict: 'PASS',
      settled,
      expected,
      observed: `${total} queries for ${all.length} questions under failure; ${detail}.`,
      figures,
      evidence: [failureRef],
    };
  },
});
