/**
 * Paper Recommendation #6 (draft IOTDNS-D-FAIL-2, EN 303 645 5.9-3): when the resolver
 * comes back after an outage, the DUT takes up its usual pace instead of firing everything
 * it could not resolve meanwhile in one burst (a load spike on the network's resolver when
 * many devices recover at once).
 */
import { defineCheck, notAssessedOutcome } from '../../lib/checks/check-types.ts';
import type { CheckMeta, CheckOutcome } from '../../lib/checks/check-types.ts';
import type { Evidence } from '../../lib/evidence/evidence.ts';
import type { QueryEvent } from '../../lib/evidence/events.ts';
import { eventsRef } from '../evidence-ref.ts';
import { questionKeyOf, round, secondsBetween } from '../question-series.ts';
import { draftClause, etsiProvision, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { openPhase } from '../sequential.ts';

/** The experiments in which no resolution works: a recovery is judged only straight after one. */
const OUTAGES = ['resolver-silent', 'resolver-closed-port', 'servfail', 'refused'];

const rule = decisionRule(
  {
    recoverySeconds: 5,
    maxRateFactor: 2,
    minWindowSeconds: 1,
    maxGapSeconds: 1,
  },
  (rule) =>
    `A recovery phase (experiment recovery: the resolver answers normally again) is judged when it began within ${rule.maxGapSeconds} s (maxGapSeconds) of the end of an outage phase ` +
    `(${OUTAGES.join(', ')}) and the DUT was not restarted in it. Baseline rate R = the DUT's queries in the baseline phases ÷ their seconds; Q = the distinct questions it asked in them. ` +
    `Window W = the first ${rule.recoverySeconds} s (recoverySeconds) of the recovery phase, or all of it when shorter; a window under ${rule.minWindowSeconds} s (minWindowSeconds) is not judged. ` +
    `The DUT bursts when it sent more than ${rule.maxRateFactor} × R × W + Q queries in W (maxRateFactor: twice its usual pace, plus one fresh lookup of each name it uses, as caches may have run out during the outage). ` +
    'FAIL when it burst after any judged recovery. INCONCLUSIVE when no recovery phase was judged or the baseline phases hold no query of the DUT. Otherwise PASS: ' +
    'a DUT that sends little or nothing in W (still holding its failed names down, RFC 9520) does not burst. ' +
    'Not assessed (INCONCLUSIVE) when no recovery phase ran. Randomised reconnection delays across several units (the rest of the clause) are not assessed: one DUT is tested at a time. ' +
    'Early stop: a baseline or recovery phase has given what the rule needs once it lasted recoverySeconds; an outage phase gives only its end.',
);

const meta: CheckMeta = {
  title: 'No query burst when the resolver comes back after an outage',
  requirement: requirementText(
    recommendation('6'),
    draftClause('IOTDNS-D-FAIL-2'),
    'A random delay avoids synchronised retries.',
    etsiProvision('5.9-3'),
  ),
  keyword: 'SHOULD',
  severity: 'medium',
  covers: { paper: ['6'], draft: ['IOTDNS-D-FAIL-2'], etsi: ['5.9-3'] },
  decisionRule: rule,
  experiments: ['baseline', 'recovery', ...OUTAGES],
  tableI: 'backoff',
};

/** The most queries in any 1-second span starting at one of them. */
function busiestSecond(queries: readonly QueryEvent[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < queries.length; i += 1) {
    while (j < queries.length && queries[j]!.t < queries[i]!.t + 1e6) j += 1;
    most = Math.max(most, j - i);
  }
  return most;
}

/**
 * Early stop: whether the phase in progress has given this check what it needs, whatever the
 * verdict so far (a baseline or recovery phase its first recoverySeconds; an outage phase
 * only its end, whose time the recovery is measured from).
 */
function phaseGiven(evidence: Evidence, recoverySeconds: number): boolean {
  const open = openPhase(evidence);
  if (!open) return false;
  const experiment = evidence.ofType('phase.start').find((e) => e.name === open.name)?.experiment ?? open.name;
  return OUTAGES.includes(experiment) || secondsBetween(open.start, open.end) >= recoverySeconds;
}

const recoveryRule = defineCheck({
  meta,
  judge(evidence, context): CheckOutcome {
    const p = ruleParameters(rule);
    const experimentOf = new Map(evidence.ofType('phase.start').map((e) => [e.name, e.experiment ?? e.name]));
    const phases = evidence.phases();
    const ofExperiment = (experiment: string) => phases.filter((ph) => experimentOf.get(ph.name) === experiment);
    const recoveries = ofExperiment('recovery');
    const expected = `In the first ${p.recoverySeconds} s after an outage ends, the DUT asks at most ${p.maxRateFactor}× its baseline rate, plus one lookup per name it uses.`;
    if (recoveries.length === 0) {
      return notAssessedOutcome(
        `this run had 0 phases of the recovery experiment: the resolver never came back after an outage, so the DUT's recovery was not assessed.`,
        {
          expected,
          figures: { recoveryPhases: 0 },
          evidence: [],
        },
      );
    }
    const queries = evidence.queries(context.dutId);
    const between = (from: number, to: number) => queries.filter((q) => q.t >= from && q.t <= to);
    const baselines = ofExperiment('baseline');
    const baselineQueries = baselines.flatMap((ph) => between(ph.start, ph.end));
    const baselineSeconds = baselines.reduce((sum, ph) => sum + secondsBetween(ph.start, ph.end), 0);
    const rate = baselineSeconds > 0 ? baselineQueries.length / baselineSeconds : 0;
    const questions = new Set(baselineQueries.map(questionKeyOf)).size;
    const starts = evidence.ofType('dut.start').filter((e) => e.dut === context.dutId);
    const rows = recoveries.map((phase) => {
      const before = phases.filter((ph) => ph.end <= phase.start).at(-1);
      const afterOutage =
        before !== undefined &&
        OUTAGES.includes(experimentOf.get(before.name) ?? '') &&
        secondsBetween(before.end, phase.start) <= p.maxGapSeconds;
      const window = Math.min(p.recoverySeconds, secondsBetween(phase.start, phase.end));
      const until = phase.start + window * 1e6;
      const restarted = starts.some((e) => e.t >= phase.start && e.t <= until);
      const inWindow = between(phase.start, until);
      const allowed = p.maxRateFactor * rate * window + questions;
      const why = !afterOutage
        ? `not straight after an outage (${before ? `after ${before.name}` : 'first phase'})`
        : restarted
          ? 'the DUT was restarted in it'
          : window < p.minWindowSeconds
            ? `only ${round(window)} s long`
            : null;
      return {
        phase,
        after: before?.name ?? null,
        window,
        queries: inWindow,
        allowed,
        busiestSecond: busiestSecond(inWindow),
        notJudged: why,
        burst: why === null && inWindow.length > allowed,
      };
    });
    const judged = rows.filter((r) => r.notJudged === null);
    const bursts = judged.filter((r) => r.burst);
    const figures = {
      baselineQueries: baselineQueries.length,
      baselineSeconds: round(baselineSeconds),
      baselineRate: round(rate),
      baselineQuestions: questions,
      recoveries: rows.map((r) => ({
        phase: r.phase.name,
        after: r.after,
        windowSeconds: round(r.window),
        queries: r.queries.length,
        allowed: round(r.allowed),
        busiestSecond: r.busiestSecond,
        judged: r.notJudged === null,
        ...(r.notJudged ? { notJudged: r.notJudged } : {}),
      })),
    };
    const describe = (r: (typeof rows)[number]) =>
      `${r.queries.length} queries in the first ${round(r.window)} s of ${r.phase.name} (after ${r.after}), ${round(r.allowed)} allowed, busiest second ${r.busiestSecond}`;
    const baselineText = `baseline: ${baselineQueries.length} queries in ${round(baselineSeconds)} s (${round(rate)}/s) for ${questions} questions`;
    const windowRef = (rs: readonly (typeof rows)[number][], note: string) =>
      eventsRef(
        context.eventsFile,
        rs.flatMap((r) => r.queries.map((q) => q.seq)),
        note,
      );
    if (bursts.length > 0) {
      return {
        verdict: 'FAIL',
        expected,
        figures,
        observed: `${baselineText}; ${bursts.map(describe).join('; ')}.`,
        evidence: [
          windowRef(bursts, 'queries in the first seconds after the outage'),
          eventsRef(
            context.eventsFile,
            baselineQueries.map((q) => q.seq),
            'baseline queries',
          ),
        ],
      };
    }
    if (baselineQueries.length === 0 || judged.length === 0) {
      const reason =
        baselineQueries.length === 0
          ? 'the baseline phases hold no query of the DUT, so there is no usual pace to compare with'
          : `no recovery phase could be judged (${rows.map((r) => `${r.phase.name}: ${r.notJudged}`).join('; ')})`;
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        figures,
        observed: `${baselineText}; ${reason}.`,
        evidence: [windowRef(rows, 'queries in the first seconds of the recovery phases')],
      };
    }
    return {
      verdict: 'PASS',
      expected,
      figures,
      observed: `${baselineText}; ${judged.map(describe).join('; ')}.`,
      evidence: [windowRef(judged, 'queries in the first seconds after the outage')],
    };
  },
});

export default defineCheck({
  meta,
  judge(evidence, context) {
    return {
      ...recoveryRule.judge(evidence, context),
      settled: phaseGiven(evidence, ruleParameters(rule).recoverySeconds),
    };
  },
});
