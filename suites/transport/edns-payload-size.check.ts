/**
 * Paper Recommendation #9 (draft IOTDNS-D-SIZE-1, IOTDNS-D-SIZE-3; RFC 6891, RFC 9715): the
 * DUT speaks EDNS(0) and advertises a UDP payload size small enough that answers are not
 * fragmented (RFC 9715: at most 1400 octets; 1232 is the usual value). Passive: every UDP
 * query shows both.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import { percent, sampledRef, SeqSample } from '../evidence-ref.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';

const rule = decisionRule(
  { maxAdvertisedSize: 1400, minQueries: 10 },
  (rule) =>
    "Sample: every DNS query of the DUT over UDP, in every phase (the resolver's log, and queries a capture saw going elsewhere); the OPT record's UDP payload size is read from each. " +
    `FAIL when any query advertises more than ${rule.maxAdvertisedSize} octets (maxAdvertisedSize, RFC 9715: larger answers fragment). ` +
    `INCONCLUSIVE when fewer than ${rule.minQueries} UDP queries were seen (minQueries). ` +
    'FAIL when none of them carries an OPT record (no EDNS(0) at all). Otherwise PASS; queries without OPT beside EDNS ones (a retry without EDNS after FORMERR, RFC 6891 §7) are reported, not judged.',
);

const meta: CheckMeta = {
  title: 'UDP queries carry EDNS(0) with a payload size that avoids fragmentation',
  requirement: requirementText(
    recommendation('9'),
    'The paper found EDNS(0) support limited among the devices it tested.',
    draftClause('IOTDNS-D-SIZE-1'),
    'RFC 9715: at most 1400; 1232 is the conservative value.',
    draftClause('IOTDNS-D-SIZE-3'),
  ),
  keyword: 'SHOULD',
  severity: 'medium',
  covers: { paper: ['9'], draft: ['IOTDNS-D-SIZE-1', 'IOTDNS-D-SIZE-3'], etsi: ['5.13-1'] },
  decisionRule: rule,
  // The stub's EDNS settings show in every query, whatever the resolver does.
  experiments: ['*'],
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    // One visit of the queries, keeping counts and samples of seqs: a capture can hold millions.
    const all = new SeqSample();
    const withEdns = new SeqSample();
    const oversize = new SeqSample();
    const sizes = new Map<number, number>();
    evidence.eachQuery(context.dutId, (q) => {
      if (q.transport !== 'udp') return;
      all.add(q.seq);
      if (q.edns === null) return;
      withEdns.add(q.seq);
      sizes.set(q.edns.udpSize, (sizes.get(q.edns.udpSize) ?? 0) + 1);
      if (q.edns.udpSize > p.maxAdvertisedSize) oversize.add(q.seq);
    });
    const advertised = [...sizes.entries()].sort((a, b) => b[1] - a[1]);
    const figures = {
      udpQueries: all.count,
      withEdns: withEdns.count,
      withoutEdns: all.count - withEdns.count,
      ednsShare: all.count === 0 ? null : withEdns.count / all.count,
      aboveMaximum: oversize.count,
      advertisedSizes: Object.fromEntries(advertised.map(([size, n]) => [String(size), n])),
      largestAdvertised: advertised.length === 0 ? null : Math.max(...advertised.map(([size]) => size)),
    };
    const expected = `UDP queries carry an OPT record (EDNS(0)) advertising at most ${p.maxAdvertisedSize} octets (RFC 9715; 1232 is usual).`;
    const sizesText =
      advertised.length === 0
        ? 'none advertised'
        : `advertised ${advertised.map(([size, n]) => `${size} octets in ${n}`).join(', ')}`;
    const counts = `${all.count} UDP queries, ${withEdns.count} with EDNS(0) (${percent(all.count === 0 ? 0 : withEdns.count / all.count)}); ${sizesText}`;
    if (oversize.count > 0) {
      return {
        // A query already sent with a larger size stays sent: more evidence cannot undo it.
        verdict: 'FAIL',
        settled: true,
        expected,
        figures,
        observed: `${counts}; ${oversize.count} advertise more than ${p.maxAdvertisedSize} octets, inviting fragmented answers.`,
        evidence: [
          sampledRef(context.eventsFile, oversize, `queries advertising more than ${p.maxAdvertisedSize} octets`),
        ],
      };
    }
    if (all.count < p.minQueries) {
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        figures,
        observed: `${counts}; the rule needs ${p.minQueries} UDP queries.`,
        evidence: [sampledRef(context.eventsFile, all, 'UDP queries of the DUT')],
        samples: { observed: all.count, needed: p.minQueries },
      };
    }
    if (withEdns.count === 0) {
      return {
        verdict: 'FAIL',
        expected,
        figures,
        observed: `${counts}: the DUT does not speak EDNS(0).`,
        evidence: [sampledRef(context.eventsFile, all, 'UDP queries without an OPT record')],
      };
    }
    return {
      verdict: 'PASS',
      expected,
      figures,
      observed: `${counts}.`,
      evidence: [sampledRef(context.eventsFile, withEdns, 'UDP queries with EDNS(0)')],
    };
  },
});
