/**
 * Paper Recommendation #8 (draft IOTDNS-D-TTL-1): a huge TTL (10⁹ s, 2³²−1) or one with
 * the top bit set (2³¹) must not pin an answer: the DUT caps it (RFC 8767 §4) or treats it
 * as 0 (RFC 2181 §8), and so asks again within its cap.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import type { ResponseEvent } from '../../lib/evidence/events.ts';
import { eventsRef } from '../evidence-ref.ts';
import { nextQuery, round, secondsBetween } from '../question-series.ts';
import { ruleParameters } from '../rule-parameters.ts';

const PARAMETERS = ['defaultCapSeconds', 'extremeTtlSeconds', 'graceSeconds', 'minJudgedAnswers'] as const;
const rule: Record<(typeof PARAMETERS)[number], number> = { defaultCapSeconds: 604800, extremeTtlSeconds: 2147483648, graceSeconds: 2, minJudgedAnswers: 2 };

const meta: CheckMeta = {
  title: 'Huge and top-bit TTLs are capped, not pinned',
  requirement: 'Paper Recommendation #8: "IoT devices should detect abrupt/extreme changes in TTL values in DNS replies and follow up on their DNS activity, assuming a normal TTL value range." '
    + 'Draft IOTDNS-D-TTL-1 (proposed): very large TTLs are capped; values with the top bit set are handled safely (RFC 2181 §8: treat as 0; RFC 8767 §4: treat as unsigned and cap, 604800 s recommended).',
  keyword: 'SHOULD',
  severity: 'medium',
  covers: { paper: ['8'], draft: ['IOTDNS-D-TTL-1'], etsi: ['5.13-1'] },
  decisionRule: {
    text: 'Cap C = the TTL cap the profile declares (ixit.ttlCapSeconds), else defaultCapSeconds '
      + `(${rule.defaultCapSeconds} s, RFC 8767 §4). Under ttl-huge, ttl-top-bit and ttl-max, every response to the DUT whose answer records all carry a TTL above C, `
      + `or of at least ${rule.extremeTtlSeconds} (extremeTtlSeconds, the top bit), is held against the next query for the same question in the phase: `
      + `capped when it comes within C + ${rule.graceSeconds} s (graceSeconds); pinned when none came although the phase went on that long; otherwise not judged. `
      + `FAIL when any answer was pinned. INCONCLUSIVE when fewer than ${rule.minJudgedAnswers} answers (minJudgedAnswers) were judged. Otherwise PASS.`,
    parameters: { ...rule },
  },
  experiments: ['ttl-huge', 'ttl-top-bit', 'ttl-max'],
  tableI: 'forgedTtlResilience',
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(meta.decisionRule, PARAMETERS);
    const declared = context.profile.ixit?.ttlCapSeconds;
    const cap = declared ?? p.defaultCapSeconds;
    const limit = cap + p.graceSeconds;
    const phaseEnd = new Map(evidence.phases().map((phase) => [phase.name, phase.end]));
    const extreme = (r: ResponseEvent) => r.answers.length > 0 && r.answers.every((rr) => rr.ttl > cap || rr.ttl >= p.extremeTtlSeconds);
    const capped: ResponseEvent[] = [];
    const pinned: ResponseEvent[] = [];
    const rows = evidence.responses(context.dutId).filter(extreme).map((response) => {
      const next = nextQuery(evidence, context.dutId, response);
      const after = next ? secondsBetween(response.t, next.t) : null;
      const followed = secondsBetween(response.t, phaseEnd.get(response.phase ?? '') ?? response.t);
      const outcome = after !== null && after <= limit ? 'capped' : followed >= limit ? 'pinned' : 'not judged';
      if (outcome === 'capped') capped.push(response);
      if (outcome === 'pinned') pinned.push(response);
      return { phase: response.phase, question: `${response.questions[0]?.name} ${response.questions[0]?.type}`, ttl: Math.min(...response.answers.map((rr) => rr.ttl)), askedAgainAfter: after === null ? null : round(after), followedSeconds: round(followed), outcome };
    });
    const figures = { capSeconds: cap, capDeclared: declared !== undefined, extremeAnswers: rows.length, capped: capped.length, pinned: pinned.length, answers: rows.slice(0, 40) };
    const capText = `${cap} s (${declared !== undefined ? 'declared in the profile' : 'RFC 8767 default'})`;
    const expected = `After an answer with an extreme TTL the DUT asks again within its cap of ${capText} plus ${p.graceSeconds} s.`;
    const counts = `${rows.length} answers with extreme TTLs: ${capped.length} asked again in time, ${pinned.length} pinned, ${rows.length - capped.length - pinned.length} not judged (phase too short)`;
    if (pinned.length > 0) {
      const example = rows.find((r) => r.outcome === 'pinned')!;
      return { verdict: 'FAIL', expected, observed: `${counts}; e.g. ${example.question}: TTL ${example.ttl}, no query in the ${example.followedSeconds} s that followed.`, figures, evidence: [eventsRef(context.eventsFile, pinned.map((r) => r.seq), 'extreme-TTL answers never followed by a query within the cap')] };
    }
    if (capped.length < p.minJudgedAnswers) {
      return { verdict: 'INCONCLUSIVE', expected, observed: `${counts}; the rule needs ${p.minJudgedAnswers} judged answers (phases must outlast the cap).`, figures, evidence: [eventsRef(context.eventsFile, evidence.responses(context.dutId).filter(extreme).map((r) => r.seq), 'extreme-TTL answers')] };
    }
    return { verdict: 'PASS', expected, observed: `${counts}.`, figures, evidence: [eventsRef(context.eventsFile, capped.map((r) => r.seq), 'extreme-TTL answers followed by a query within the cap')] };
  },
});
