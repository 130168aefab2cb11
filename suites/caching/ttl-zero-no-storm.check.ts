/**
 * Paper Recommendations #5 and #8 (draft IOTDNS-D-TTL-1): TTL 0 means "do not cache", but
 * must not turn into a query storm: the DUT keeps a bounded rate per name.
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
    maxQueriesPerSecond: 2,
    minSpanSeconds: 1.5,
    minZeroTtlAnswers: 3,
    settleMinQueries: 3,
  },
  (rule) =>
    'Under the ttl-zero experiment (every record served with TTL 0), for each question (name, type) the DUT asks in a phase, ' +
    "rate = queries / the phase's length in seconds (a storm starts with the first TTL-0 answer, so it fills the phase). A question is judged when its phase lasted at least " +
    `${rule.minSpanSeconds} s (minSpanSeconds). INCONCLUSIVE when fewer than ${rule.minZeroTtlAnswers} responses to the DUT carried TTL-0 records (minZeroTtlAnswers) or no question was judged. ` +
    `FAIL when any judged question was asked at more than ${rule.maxQueriesPerSecond} queries per second (maxQueriesPerSecond). Otherwise PASS.` +
    `Early stop: a PASS is settled once every question of the phase in progress was judged and asked at least ${rule.settleMinQueries} times (settleMinQueries: asked again after TTL-0 answers; a rate counted from the phase start only falls for a steady DUT).`,
);

const meta: CheckMeta = {
  title: 'Answers with TTL 0 do not cause a query storm',
  requirement: requirementText(
    draftClause('IOTDNS-D-TTL-1'),
    draftClause('IOTDNS-D-PRIV-1'),
    recommendation('8'),
    'Recommendation #5 asks for adaptive caching (the paper saw TTL 0 amplify query and retry rates).',
  ),
  keyword: 'SHOULD',
  severity: 'medium',
  covers: { paper: ['5', '8'], draft: ['IOTDNS-D-TTL-1', 'IOTDNS-D-PRIV-1'], etsi: ['5.13-1', '5.9-3'] },
  decisionRule: rule,
  experiments: ['ttl-zero'],
  tableI: 'forgedTtlResilience',
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const zeroAnswers = evidence
      .responses(context.dutId)
      .filter((r) => r.answers.length > 0 && r.answers.every((rr) => rr.ttl === 0));
    const rows = questionSeries(evidence, context.dutId).map((series) => {
      const span = secondsBetween(series.phase.start, series.phase.end);
      return {
        phase: series.phase.name,
        name: series.name,
        type: series.type,
        queries: series.queries.length,
        spanSeconds: round(span),
        rate: round(series.queries.length / Math.max(span, 1e-3)),
        judged: span >= p.minSpanSeconds,
        seqs: series.queries.map((q) => q.seq),
      };
    });
    const judged = rows.filter((row) => row.judged);
    const storms = judged.filter((row) => row.rate > p.maxQueriesPerSecond);
    const figures = {
      zeroTtlAnswers: zeroAnswers.length,
      questions: rows.map(({ seqs: _seqs, ...row }) => row),
      maxRate: judged.length ? Math.max(...judged.map((r) => r.rate)) : null,
    };
    const expected = `After TTL-0 answers the DUT asks each name at most ${p.maxQueriesPerSecond} times per second (no storm; a short minimum cache time is fine).`;
    const zeroRef = eventsRef(
      context.eventsFile,
      zeroAnswers.map((r) => r.seq),
      'responses whose records carried TTL 0',
    );
    const summary = `${zeroAnswers.length} TTL-0 answers; ${judged.length} of ${rows.length} questions judged`;
    if (zeroAnswers.length < p.minZeroTtlAnswers || judged.length === 0) {
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${summary}; the rule needs ${p.minZeroTtlAnswers} TTL-0 answers and a phase of ${p.minSpanSeconds} s.`,
        figures,
        evidence: [zeroRef],
      };
    }
    if (storms.length > 0) {
      const worst = [...storms].sort((a, b) => b.rate - a.rate)[0]!;
      return {
        verdict: 'FAIL',
        expected,
        observed: `${summary}; ${storms.length} asked in a storm, worst ${worst.name} ${worst.type}: ${worst.queries} queries in ${worst.spanSeconds} s (${worst.rate}/s).`,
        figures,
        evidence: [
          eventsRef(context.eventsFile, worst.seqs, `queries for ${worst.name} ${worst.type} under TTL 0`),
          zeroRef,
        ],
      };
    }
    // Early stop: a rate counted from a phase's start only falls for a steady DUT, so a PASS is
    // settled once, in the phase in progress, every question was asked again after TTL-0 answers.
    const openName = openPhase(evidence)?.name;
    const open = rows.filter((row) => row.phase === openName);
    const settled = open.length > 0 && open.every((row) => row.judged && row.queries >= p.settleMinQueries);
    return {
      verdict: 'PASS',
      settled,
      expected,
      observed: `${summary}; the busiest question was asked ${figures.maxRate}/s.`,
      figures,
      evidence: [zeroRef],
    };
  },
});
