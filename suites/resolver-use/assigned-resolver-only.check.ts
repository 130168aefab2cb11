/**
 * Paper Recommendation #2 (draft IOTDNS-D-DISC-1, IOTDNS-D-DISC-3): the DUT sends its DNS
 * only to the resolvers the network assigned, never to hard-coded ones (port 53, DoT, or
 * DoH to public endpoints). Only traffic seen on the wire can show this: the harness's
 * resolver log holds what reached the harness, never what went elsewhere.
 */
import { describeResolver, hardcodedServers, publicResolverList } from '../../lib/analysis/resolver-use.ts';
import { defineCheck, notAssessedOutcome } from '../../lib/checks/check-types.ts';
import type { CheckMeta, EvidenceRef } from '../../lib/checks/check-types.ts';
import type { QueryEvent } from '../../lib/evidence/events.ts';
import { eventsRef, sampledRef, SeqSample } from '../evidence-ref.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';

const rule = decisionRule(
  { minQueries: 10 },
  () =>
    "Sample: the DUT's DNS queries seen on the wire (events with a capture reference; in a run that captured packets for the DUT, also the queries the harness resolver logged, " +
    'since the capture saw them too and only DNS sent elsewhere is added from it) and its encrypted DNS contacts (DoT, DoQ, DoH). ' +
    "Assigned resolvers: the profile's resolver addresses (for imported captures, those given with --resolver). " +
    "FAIL when any query or encrypted contact went to a resolver other than the assigned ones; without assigned resolvers, when any went to a listed public resolver (built-in list plus the profile's publicResolvers) or a DoH endpoint " +
    '(the hard-coded resolvers are named, public ones with their operator). ' +
    'Otherwise INCONCLUSIVE when the run tried to capture and could not (the reason is given); not assessed (INCONCLUSIVE) when the evidence holds no captured traffic and no capture was attempted but the harness resolver logged queries; ' +
    'INCONCLUSIVE when the DUT sent no DNS at all, when no assigned resolver is known, or when fewer than minQueries queries were seen on the wire; otherwise PASS.',
);

const meta: CheckMeta = {
  title: 'DNS goes only to the resolvers the network assigned',
  requirement: requirementText(recommendation('2'), draftClause('IOTDNS-D-DISC-3')),
  keyword: 'RECOMMENDATION',
  severity: 'medium',
  covers: { paper: ['2'], draft: ['IOTDNS-D-DISC-1', 'IOTDNS-D-DISC-3'], etsi: ['6-1'] },
  decisionRule: rule,
  // A device's choice of resolver shows in every phase.
  experiments: ['*'],
  tableI: 'dhcpResolverOnly',
};

/** Whether a packet capture saw the query (the resolver's own log has no capture reference). */
function seenOnTheWire(query: QueryEvent): boolean {
  return typeof (query as QueryEvent & { capture?: unknown }).capture === 'object';
}

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const assigned = [...new Set(context.profile.resolver.listen.map((l) => l.address))].sort();
    // One visit of the queries seen on the wire: per resolver, how many and a sample of them (a capture can hold millions).
    const seen = new SeqSample();
    const byResolver = new Map<string, SeqSample>();
    // A run that captured packets for the DUT saw the harness's queries too (only DNS sent elsewhere is added from it).
    const captureEvents = evidence
      .ofType('capture.start', 'capture.unavailable')
      .filter((e) => e.dut === context.dutId);
    const liveCapture = captureEvents.some((e) => e.type === 'capture.start');
    evidence.eachQuery(context.dutId, (q) => {
      if (!liveCapture && !seenOnTheWire(q)) return;
      seen.add(q.seq);
      const resolver = q.server.address;
      let sample = byResolver.get(resolver);
      if (sample === undefined) {
        sample = new SeqSample();
        byResolver.set(resolver, sample);
      }
      sample.add(q.seq);
    });
    const queries = seen.count;
    const contacts = evidence.ofType('dns.encrypted-contact').filter((e) => e.dut === context.dutId);
    const expected =
      assigned.length > 0
        ? `Every DNS query and encrypted DNS connection goes to the assigned resolver${assigned.length > 1 ? 's' : ''} ${assigned.join(', ')}.`
        : 'Every DNS query and encrypted DNS connection goes to the resolvers the network assigned; none to a public resolver the device chose itself.';
    const figures = { queriesSeen: queries, encryptedContacts: contacts.length, assignedResolvers: assigned };

    const publicList = publicResolverList(context.profile.publicResolvers);
    const hardcoded = new Set(
      hardcodedServers(
        byResolver.keys(),
        contacts.map((c) => ({ protocol: c.protocol, address: c.server.address })),
        { assigned, publicResolvers: Object.keys(publicList) },
      ),
    );
    if (hardcoded.size > 0) {
      const refs: EvidenceRef[] = [];
      const parts = [...hardcoded].sort().map((address) => {
        const sent = byResolver.get(address) ?? new SeqSample();
        const opened = contacts.filter((c) => c.server.address === address);
        refs.push(
          sampledRef(
            context.eventsFile,
            sent,
            `DNS to ${describeResolver(address, publicList)}`,
            opened.map((c) => c.seq),
          ),
        );
        const what = [
          ...(sent.count > 0 ? [`${sent.count} quer${sent.count === 1 ? 'y' : 'ies'} on port 53`] : []),
          ...opened.map(
            (c) =>
              `${c.protocol.toUpperCase()}${c.sni ? ` (SNI ${c.sni})` : ''}, ${c.contacts} contact${c.contacts === 1 ? '' : 's'}`,
          ),
        ];
        return `${describeResolver(address, publicList)}: ${what.join(', ')}`;
      });
      const elsewhere = [...byResolver].reduce(
        (n, [address, sample]) => n + (hardcoded.has(address) ? 0 : sample.count),
        0,
      );
      return {
        verdict: 'FAIL',
        expected,
        observed:
          `Hard-coded resolver${hardcoded.size > 1 ? 's' : ''} used: ${parts.join('; ')}. Of ${queries} queries seen on the wire, ` +
          `${elsewhere} went to ${assigned.length > 0 ? 'the assigned resolvers' : 'other resolvers'}.`,
        figures: { ...figures, hardcodedResolvers: [...hardcoded].sort() },
        evidence: refs,
      };
    }
    const used = [...new Set([...byResolver.keys(), ...contacts.map((c) => c.server.address)])].sort();
    const seenRef = sampledRef(context.eventsFile, seen, `queries of ${context.dutId} seen on the wire`);
    if (queries === 0 && contacts.length === 0) {
      let logged = 0;
      evidence.eachQuery(context.dutId, () => {
        logged += 1;
      });
      const unavailable = captureEvents.find((e) => e.type === 'capture.unavailable');
      if (unavailable && logged > 0) {
        return {
          verdict: 'INCONCLUSIVE',
          expected,
          figures: { ...figures, queriesLogged: logged },
          evidence: [eventsRef(context.eventsFile, [unavailable.seq], 'capture unavailable')],
          observed: `The run could not capture packets (${unavailable.reason ?? 'no reason recorded'}): ${logged} queries reached the harness resolver, and DNS sent to any other resolver could not be seen.`,
        };
      }
      if (logged > 0) {
        return notAssessedOutcome(
          `this evidence holds no captured traffic: ${logged} queries reached the harness resolver, and DNS sent to any other resolver could not be seen. ` +
            'Judged from a packet capture (dnsconform analyze, or a run that records one).',
          {
            expected,
            figures: { ...figures, queriesLogged: logged },
            evidence: [],
          },
        );
      }
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        figures,
        evidence: [],
        observed: 'No DNS traffic of the DUT at all (0 queries, 0 encrypted contacts).',
      };
    }
    if (assigned.length === 0) {
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        figures: { ...figures, resolversUsed: used },
        evidence: [seenRef],
        observed: `${queries} queries and ${contacts.length} encrypted contacts went to ${used.join(', ')}, none a listed public resolver or DoH endpoint; no assigned resolver was declared (profile, or --resolver), so none can be told apart from a hard-coded one.`,
      };
    }
    if (queries < p.minQueries) {
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        figures,
        evidence: [seenRef],
        observed: `Only ${queries} queries seen on the wire, all to ${used.join(', ')}; the rule needs at least ${p.minQueries}.`,
        samples: { observed: queries, needed: p.minQueries },
      };
    }
    return {
      verdict: 'PASS',
      expected,
      figures,
      evidence: [seenRef],
      observed: `All ${queries} queries seen on the wire${contacts.length > 0 ? ` and ${contacts.length} encrypted contacts` : ''} went to ${used.join(', ')}.`,
    };
  },
});
