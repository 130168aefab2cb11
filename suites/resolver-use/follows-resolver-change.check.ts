/**
 * Paper Recommendation #2 (draft IOTDNS-D-DISC-1): the DUT uses the resolver the network
 * assigns, including when the assignment changes. In the resolver-change phase the
 * harness's DHCP server hands out a second harness resolver; a DUT that follows DHCP moves
 * its queries there once it has renewed its lease and its cached answers have expired. One
 * that keeps the old resolver, or asks a resolver of its own, does not use the network's.
 */
import { defineCheck, notAssessedOutcome } from '../../lib/checks/check-types.ts';
import type { CheckMeta, EvidenceRef } from '../../lib/checks/check-types.ts';
import type { DhcpLeaseEvent, QueryEvent } from '../../lib/evidence/events.ts';
import { dnsServers } from '../../lib/lab-network/dnsmasq-log.ts';
import { eventsRef, SeqSample, sampledRef } from '../evidence-ref.ts';
import { questionKeyOf } from '../question-series.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';

const SECOND = 1_000_000;

const rule = decisionRule(
  { minMovedQueries: 1, graceSeconds: 5 },
  () =>
    "Evidence: the resolver-change phase. At its start (dhcp.resolver-change) the harness's DHCP server hands out the new resolver instead of the old one. " +
    'The DUT is told at the first lease or renewal acknowledged after the change whose option 6 names the new resolver; without one, at the latest when its lease ran out (change + lease time). ' +
    'Deadline: the time it was told + the longest TTL of the answers the harness gave it in the phase before then + graceSeconds (a stub re-reads resolv.conf, a forwarder polls it). ' +
    "Queries: the DUT's queries in the phase, those the harness logged and those the capture saw going elsewhere. " +
    'FAIL when any query went to a resolver other than the old and the new one (a resolver of its own), or any query after the deadline went to the old one. ' +
    'PASS when at least minMovedQueries queries went to the new resolver after the change and none of the above happened, provided that the phase lasted past the deadline or no query went to the old resolver after the first to the new one. ' +
    'INCONCLUSIVE when the phase ended before the deadline with the DUT still on the old resolver, or when the DUT sent no query after the deadline (or none at all); ' +
    "not assessed (INCONCLUSIVE) when the DUT's evidence holds no resolver change (no network.dhcp, or no resolver-change phase). " +
    'Early stop: a FAIL is settled at once (a query already sent to a resolver of its own, or to the old one after the deadline, stays sent). ' +
    'A PASS is settled once the deadline has passed, the DUT asked something after it, and every question (name, type) whose last query in the phase before the deadline went to the old resolver was asked again after it, none to the old resolver ' +
    '(a question last asked of the new resolver already showed where it goes; one asked once, like DDR discovery, is not waited for): ' +
    'each of its lookups has shown which resolver it uses now, so a later query to the old one would need the DUT to go back to a resolver DHCP no longer names. ' +
    'Queries the capture saw going elsewhere are read when the run ends, so a resolver of its own asked less often than the phase lasted can be missed with early stop as with a shorter window.',
);

const meta: CheckMeta = {
  title: 'DNS follows the resolver DHCP assigns when it changes',
  requirement: requirementText(recommendation('2'), draftClause('IOTDNS-D-DISC-1')),
  keyword: 'RECOMMENDATION',
  severity: 'medium',
  covers: { paper: ['2'], draft: ['IOTDNS-D-DISC-1'], etsi: ['6-1'] },
  decisionRule: rule,
  experiments: ['resolver-change'],
};

/** Seconds with one decimal, for the observed text. */
function seconds(micros: number): string {
  return `${Math.round(micros / 100_000) / 10} s`;
}

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const change = evidence.ofType('dhcp.resolver-change').find((e) => e.dut === context.dutId);
    const expected =
      'After the DHCP server hands out a new resolver, the DUT sends its queries there once it renews its lease and the answers it holds expire; none to the old resolver after that, none to a resolver of its own.';
    if (!change) {
      let queries = 0;
      evidence.eachQuery(context.dutId, () => {
        queries += 1;
      });
      return notAssessedOutcome(
        `the evidence holds no resolver change for ${context.dutId} (${queries} queries, no DHCP server of the harness handing out a new resolver): ` +
          'it needs a lab profile with network.dhcp.resolverChange and a resolver-change phase.',
        {
          expected,
          figures: { queries },
          evidence: [],
        },
      );
    }
    const from = new Set(change.from);
    const to = new Set(change.to);
    const phase = evidence.phases().find((w) => w.name === change.phase);
    const windowEnd = phase?.end ?? evidence.span().end;
    const told = evidence
      .ofType('dhcp.lease')
      .find(
        (lease: DhcpLeaseEvent) =>
          lease.dut === context.dutId &&
          lease.t >= change.t &&
          (lease.kind === 'lease' || lease.kind === 'renewal') &&
          dnsServers(lease).some((a) => to.has(a)),
      );
    const toldAt = told?.t ?? change.t + change.leaseSeconds * SECOND;
    let longestTtl = 0;
    evidence.eachResponse(context.dutId, (response) => {
      if (response.t > toldAt) return false;
      if (response.t >= (phase?.start ?? change.t))
        for (const record of response.answers) longestTtl = Math.max(longestTtl, record.ttl);
      return undefined;
    });
    const deadline = toldAt + longestTtl * SECOND + p.graceSeconds * SECOND;

    const own = new Map<string, SeqSample>();
    const lateOld = new SeqSample();
    const moved = new SeqSample();
    const queriesAfterDeadline = new SeqSample();
    let firstMovedAt: number | null = null;
    let lastOldAt: number | null = null;
    let lastOldSeq: number | null = null;
    // Early stop: per question of the phase, whether its last query before the deadline went to the
    // old resolver; and the questions asked after the deadline.
    const lastToOld = new Map<string, boolean>();
    const askedAfter = new Set<string>();
    evidence.eachQuery(context.dutId, (query: QueryEvent) => {
      const server = query.server.address;
      if (query.phase === change.phase) {
        if (query.t > deadline) askedAfter.add(questionKeyOf(query));
        else lastToOld.set(questionKeyOf(query), from.has(server));
      }
      if (query.t > deadline) queriesAfterDeadline.add(query.seq);
      if (from.has(server)) {
        lastOldAt = query.t;
        lastOldSeq = query.seq;
        if (query.t > deadline) lateOld.add(query.seq);
      } else if (to.has(server)) {
        if (query.t >= change.t) {
          moved.add(query.seq);
          firstMovedAt ??= query.t;
        }
      } else {
        let sample = own.get(server);
        if (!sample) own.set(server, (sample = new SeqSample()));
        sample.add(query.seq);
      }
    });
    const figures = {
      oldResolvers: change.from,
      newResolvers: change.to,
      leaseSeconds: change.leaseSeconds,
      toldAfterSeconds: (toldAt - change.t) / SECOND,
      toldByRenewal: told !== undefined,
      longestTtlHeld: longestTtl,
      deadlineAfterSeconds: (deadline - change.t) / SECOND,
      phaseSeconds: (windowEnd - change.t) / SECOND,
      queriesToNew: moved.count,
      queriesToOldAfterDeadline: lateOld.count,
      queriesToOthers: [...own.values()].reduce((n, s) => n + s.count, 0),
    };
    const toldText = told
      ? `It was told at its ${told.kind} ${seconds(told.t - change.t)} after the change (option 6: ${dnsServers(told).join(', ')})`
      : `No lease or renewal naming the new resolver was acknowledged in the phase, so its old lease ran out ${seconds(toldAt - change.t)} after the change`;
    const deadlineText = `the deadline is ${seconds(deadline - change.t)} after the change (longest TTL held ${longestTtl} s + ${p.graceSeconds} s grace)`;
    const refs: EvidenceRef[] = [
      eventsRef(
        context.eventsFile,
        [change.seq, ...(told ? [told.seq] : [])],
        'the resolver change and the lease that told the DUT',
      ),
    ];

    if (own.size > 0) {
      const parts = [...own]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([address, sample]) => {
          refs.push(sampledRef(context.eventsFile, sample, `queries to ${address}`));
          return `${sample.count} to ${address}`;
        });
      return {
        verdict: 'FAIL',
        settled: true,
        expected,
        figures,
        evidence: refs,
        observed: `Queries to a resolver the network did not assign: ${parts.join(', ')} (old ${change.from.join(', ')}, new ${change.to.join(', ')}). ${toldText}.`,
      };
    }
    if (lateOld.count > 0) {
      refs.push(sampledRef(context.eventsFile, lateOld, 'queries to the old resolver after the deadline'));
      return {
        verdict: 'FAIL',
        settled: true,
        expected,
        figures,
        evidence: refs,
        observed: `${lateOld.count} queries still went to the old resolver ${change.from.join(', ')} after the deadline (${moved.count} to the new ${change.to.join(', ')}). ${toldText}; ${deadlineText}.`,
      };
    }
    const stillOldAfterMove = firstMovedAt !== null && lastOldAt !== null && lastOldAt > firstMovedAt;
    if (moved.count >= p.minMovedQueries && (windowEnd > deadline || !stillOldAfterMove)) {
      refs.push(sampledRef(context.eventsFile, moved, 'queries to the new resolver'));
      return {
        verdict: 'PASS',
        settled:
          windowEnd > deadline &&
          askedAfter.size > 0 &&
          [...lastToOld].every(([key, toOld]) => !toOld || askedAfter.has(key)),
        expected,
        figures,
        evidence: refs,
        observed: `${moved.count} queries went to the new resolver ${change.to.join(', ')}, the first ${seconds(firstMovedAt! - change.t)} after the change; none to the old one after the deadline and none elsewhere. ${toldText}; ${deadlineText}.`,
      };
    }
    if (windowEnd <= deadline) {
      if (lastOldSeq !== null)
        refs.push(eventsRef(context.eventsFile, [lastOldSeq], 'the last query to the old resolver'));
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        figures,
        evidence: refs,
        observed: `The phase ended ${seconds(windowEnd - change.t)} after the change, before the deadline: ${moved.count} queries to the new resolver, the DUT ${lastOldAt !== null ? 'still asked the old one' : 'asked nothing'} meanwhile. ${toldText}; ${deadlineText}. A longer resolver-change window decides it.`,
      };
    }
    return {
      verdict: 'INCONCLUSIVE',
      expected,
      figures,
      evidence: refs,
      observed: `No query after the change reached the new resolver and none after the deadline reached any (${queriesAfterDeadline.count} after it): the DUT's choice of resolver did not show. ${toldText}; ${deadlineText}.`,
    };
  },
});
