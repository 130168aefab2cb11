/**
 * Paper Recommendations #1 and #2 (draft IOTDNS-D-ENC-3): once the DUT resolves over the
 * encrypted resolver the network designated, it does not drop back to cleartext DNS on
 * port 53, to that resolver or any other.
 */
import { defineCheck, notAssessedOutcome } from '../../lib/checks/check-types.ts';
import type { CheckMeta, CheckOutcome } from '../../lib/checks/check-types.ts';
import type { PhaseWindow } from '../../lib/evidence/evidence.ts';
import type { QueryEvent } from '../../lib/evidence/events.ts';
import { DDR_QUERY_NAME } from '../../lib/resolver/ddr.ts';
import { isDdrQuery } from './ddr-query.ts';
import { eventsRef } from '../evidence-ref.ts';
import { round, secondsBetween } from '../question-series.ts';
import { openPhase, SEQUENTIAL_P1, sequentialRuleText, sprtSettles } from '../sequential.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';

const rule = decisionRule(
  { graceSeconds: 2, minEncryptedQueries: 5, ...SEQUENTIAL_P1 },
  (rule) =>
    'Judged over each phase of the ddr-upgrade experiment (the harness offers its DoT/DoH resolver by DDR): the DUT has used encrypted DNS from its first query ' +
    'the harness received over DoT or DoH in the phase. A downgrade is a DUT query over UDP or TCP (port 53, to the harness or, where a capture saw it, to any other server) ' +
    `more than ${rule.graceSeconds} s (graceSeconds: lookups already in flight) after that first encrypted query, other than DDR's own ${DDR_QUERY_NAME} SVCB query. ` +
    'FAIL on any downgrade. INCONCLUSIVE when the DUT sent no encrypted query the harness received (it never used encrypted DNS), ' +
    `or fewer than ${rule.minEncryptedQueries} (minEncryptedQueries) in all. Otherwise PASS. Not assessed (INCONCLUSIVE) when no ddr-upgrade phase ran. ` +
    'Scope: only a downgrade after the encrypted resolver was working is exercised; downgrades on certificate failure (an invalid or expired certificate, a wrong authentication domain name) ' +
    'are not, since no experiment presents such a certificate.' +
    sequentialRuleText('downgrades among the queries after the first encrypted one', 'settleP1'),
);

const meta: CheckMeta = {
  title: 'No cleartext DNS once encrypted DNS is in use',
  requirement: requirementText(recommendation('1'), recommendation('2'), draftClause('IOTDNS-D-ENC-3')),
  keyword: 'SHOULD',
  severity: 'high',
  covers: { paper: ['1', '2'], draft: ['IOTDNS-D-ENC-3'], etsi: ['5.5-1', '5.8-1'] },
  decisionRule: rule,
  experiments: ['ddr-upgrade'],
};

const isEncrypted = (q: QueryEvent) => q.transport === 'dot' || q.transport === 'doh';

export default defineCheck({
  meta,
  judge(evidence, context): CheckOutcome {
    const p = ruleParameters(rule);
    const expected = `Once the DUT has used the encrypted resolver, no DNS leaves it over port 53 (DDR's SVCB query excepted) later than ${p.graceSeconds} s after.`;
    const phases = evidence.phases();
    if (phases.length === 0) {
      return notAssessedOutcome(
        `this run had 0 phases of the ddr-upgrade experiment: encrypted DNS was not offered, so a downgrade from it was not assessed.`,
        {
          expected,
          figures: { phases: 0 },
          evidence: [],
        },
      );
    }
    const queries = evidence.queries(context.dutId);
    const within = (phase: PhaseWindow) => queries.filter((q) => q.t >= phase.start && q.t <= phase.end);
    const rows = phases.map((phase) => {
      const mine = within(phase);
      const firstEncrypted = mine.find(isEncrypted);
      const from = firstEncrypted === undefined ? Infinity : firstEncrypted.t + p.graceSeconds * 1e6;
      const downgrades = mine.filter((q) => !isEncrypted(q) && !isDdrQuery(q) && q.t > from);
      return { phase, firstEncrypted, encrypted: mine.filter(isEncrypted), downgrades };
    });
    const encrypted = rows.flatMap((r) => r.encrypted);
    const downgrades = rows.flatMap((r) => r.downgrades);
    const used = rows.filter((r) => r.firstEncrypted !== undefined);
    const figures = {
      phases: phases.length,
      encryptedQueries: encrypted.length,
      downgrades: downgrades.length,
      firstEncryptedSecondsIntoPhase: used.map((r) => round(secondsBetween(r.phase.start, r.firstEncrypted!.t))),
      downgradesByServer: Object.fromEntries(
        [...new Set(downgrades.map((q) => `${q.transport} ${q.server.address}:${q.server.port}`))].map((key) => [
          key,
          downgrades.filter((q) => `${q.transport} ${q.server.address}:${q.server.port}` === key).length,
        ]),
      ),
    };
    const encryptedRef = eventsRef(
      context.eventsFile,
      encrypted.map((q) => q.seq),
      'queries over DoT/DoH',
    );
    if (downgrades.length > 0) {
      const first = downgrades[0]!;
      const row = rows.find((r) => r.downgrades.includes(first))!;
      return {
        // A cleartext query already sent stays sent: more evidence cannot undo it.
        verdict: 'FAIL',
        settled: true,
        expected,
        figures,
        observed:
          `${encrypted.length} encrypted queries, yet ${downgrades.length} in cleartext after encrypted DNS was in use; the first, ${first.questions[0]?.name ?? '?'} ${first.questions[0]?.type ?? ''} ` +
          `over ${first.transport.toUpperCase()} to ${first.server.address}:${first.server.port}, ${round(secondsBetween(row.firstEncrypted!.t, first.t))} s after the first encrypted query (phase ${row.phase.name}).`,
        evidence: [
          eventsRef(
            context.eventsFile,
            downgrades.map((q) => q.seq),
            'cleartext queries after encrypted DNS was in use',
          ),
          encryptedRef,
        ],
      };
    }
    if (encrypted.length < p.minEncryptedQueries) {
      const plain = rows.flatMap((r) => within(r.phase)).filter((q) => !isEncrypted(q));
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        figures,
        observed:
          `${encrypted.length} encrypted queries and ${plain.length} cleartext ones in the ddr-upgrade phases; ` +
          (encrypted.length === 0
            ? 'the DUT never used encrypted DNS, so it had nothing to fall back from.'
            : `the rule needs ${p.minEncryptedQueries} encrypted queries.`),
        evidence: [
          encryptedRef,
          eventsRef(
            context.eventsFile,
            plain.map((q) => q.seq),
            'cleartext queries',
          ),
        ],
      };
    }
    // Early stop: the SPRT over the phase in progress, each query after the first encrypted one a trial.
    const openRow = rows.find((r) => r.phase.name === openPhase(evidence)?.name);
    const trials = openRow?.firstEncrypted
      ? within(openRow.phase).filter((q) => q.t > openRow.firstEncrypted!.t + p.graceSeconds * 1e6).length
      : 0;
    const settled = sprtSettles('PASS', 0, trials, p.settleP1, p);
    return {
      verdict: 'PASS',
      settled,
      expected,
      figures,
      observed: `${encrypted.length} encrypted queries and no cleartext DNS (besides DDR's own) from ${p.graceSeconds} s after the first of them, in ${used.length} phase${used.length === 1 ? '' : 's'}.`,
      evidence: [encryptedRef],
    };
  },
});
