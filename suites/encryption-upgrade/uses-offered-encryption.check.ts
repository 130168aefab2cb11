/**
 * Paper Recommendation #1 (draft IOTDNS-D-ENC-1, IOTDNS-D-DISC-2): when the network's
 * resolver offers encrypted DNS (DDR, RFC 9462), the DUT moves its queries to it.
 */
import { defineCheck, notAssessedOutcome } from '../../lib/checks/check-types.ts';
import type { CheckMeta, CheckOutcome } from '../../lib/checks/check-types.ts';
import { isDdrQuery } from './ddr-query.ts';
import { eventsRef, percent } from '../evidence-ref.ts';
import { inOpenPhase, SEQUENTIAL, sequentialRuleText, sprtSettles } from '../sequential.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';

/**
 * No settling grace by default: a device that upgrades waits for discovery before its first
 * lookup, and lookups caught in flight are what maxPlainShare allows for.
 */
const rule = decisionRule(
  {
    minQueries: 5,
    graceSeconds: 0,
    maxPlainShare: 0.1,
    paddingBlock: 128,
    ...SEQUENTIAL,
  },
  (rule) =>
    'Judged over the phases of the ddr-upgrade experiment, where the resolver answers _dns.resolver.arpa SVCB with its DoT and DoH endpoints. ' +
    'INCONCLUSIVE when the resolver had no DoT or DoH listener (nothing was offered). ' +
    `The DUT's queries other than DDR's own are judged from graceSeconds (${rule.graceSeconds} s) after the first DDR answer it received in the phase, ` +
    'or after the phase start when it never asked. ' +
    `INCONCLUSIVE when fewer than ${rule.minQueries} queries (minQueries) are judged, or when the DUT stayed on port 53 after failing a TLS handshake with the resolver ` +
    '(the capability is shown but it did not accept the lab certificate). ' +
    `FAIL when more than ${percent(rule.maxPlainShare)} (maxPlainShare) of the judged queries went over UDP or TCP port 53. Otherwise PASS. ` +
    `The share of encrypted queries padded to a multiple of ${rule.paddingBlock} octets (paddingBlock, RFC 8467) is reported, not judged.` +
    sequentialRuleText('judged queries over port 53', 'maxPlainShare'),
);

const meta: CheckMeta = {
  title: 'Uses encrypted DNS (DoT/DoH) when the resolver offers it',
  requirement: requirementText(
    recommendation('1'),
    draftClause('IOTDNS-D-ENC-1'),
    draftClause('IOTDNS-D-DISC-2'),
    'The resolver offers DoT and DoH by Discovery of Designated Resolvers (RFC 9462) with a certificate from the lab CA installed on the DUT.',
  ),
  keyword: 'RECOMMENDATION',
  severity: 'critical',
  covers: { paper: ['1'], draft: ['IOTDNS-D-ENC-1', 'IOTDNS-D-DISC-2'], etsi: ['5.5-1', '5.8-2'] },
  decisionRule: rule,
  experiments: ['ddr-upgrade'],
  tableI: 'secureDns',
};

export default defineCheck({
  meta,
  judge(evidence, context): CheckOutcome {
    const p = ruleParameters(rule);
    const phases = evidence.phases();
    const expected = `After discovering the resolver's DoT/DoH endpoints through DDR, at most ${percent(p.maxPlainShare)} of queries stay on port 53.`;
    if (phases.length === 0) {
      return notAssessedOutcome(
        `this run had 0 phases of the ddr-upgrade experiment: encrypted DNS was not offered, so its use was not assessed.`,
        {
          expected,
          figures: { phases: 0 },
          evidence: [],
        },
      );
    }
    const listeners = evidence.ofType('resolver.listen').filter((e) => e.transport === 'dot' || e.transport === 'doh');
    const inPhase = (t: number) => phases.some((ph) => t >= ph.start && t <= ph.end);
    const queries = evidence.queries(context.dutId).filter((q) => inPhase(q.t));
    const ddrQueries = queries.filter(isDdrQuery);
    const ddrAnswers = ddrQueries
      .map((q) => evidence.responseTo(q))
      .filter((r) => r?.answers.some((a) => a.type === 'SVCB'));
    if (listeners.length === 0) {
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `The resolver listened on 0 DoT/DoH endpoints, so DDR had nothing to offer; ${queries.length} queries seen. Declare dot/doh listeners in the profile.`,
        figures: { encryptedListeners: 0, queries: queries.length },
        evidence: [],
      };
    }
    const grace = p.graceSeconds * 1_000_000;
    const judged = queries.filter((q) => {
      if (isDdrQuery(q)) return false;
      const phase = phases.find((ph) => q.t >= ph.start && q.t <= ph.end)!;
      const offered = ddrAnswers.find((r) => r!.t >= phase.start && r!.t <= phase.end)?.t ?? phase.start;
      return q.t >= offered + grace;
    });
    const plain = judged.filter((q) => q.transport === 'udp' || q.transport === 'tcp');
    const encrypted = judged.filter((q) => q.transport === 'dot' || q.transport === 'doh');
    const padded = encrypted.filter((q) => q.edns?.options.some((o) => o.code === 12) && q.size % p.paddingBlock === 0);
    const handshakeFailures = evidence
      .ofType('dns.malformed')
      .filter(
        (e) =>
          e.dut === context.dutId &&
          inPhase(e.t) &&
          (e.transport === 'dot' || e.transport === 'doh') &&
          e.error.startsWith('TLS handshake failed'),
      );
    const byTransport = Object.fromEntries(
      ['udp', 'tcp', 'dot', 'doh'].map((t) => [t, judged.filter((q) => q.transport === t).length]),
    );
    const tlsVersions = [...new Set(encrypted.map((q) => q.tls?.version ?? 'unknown'))].sort();
    const plainShare = judged.length === 0 ? 0 : plain.length / judged.length;
    const figures = {
      encryptedListeners: listeners.length,
      ddrQueries: ddrQueries.length,
      ddrAnswers: ddrAnswers.length,
      judgedQueries: judged.length,
      byTransport,
      plainShare,
      paddedShare: encrypted.length === 0 ? null : padded.length / encrypted.length,
      tlsVersions,
      handshakeFailures: handshakeFailures.length,
    };
    const counts =
      `${ddrQueries.length} DDR queries (${ddrAnswers.length} answered with SVCB), ${judged.length} queries judged: ` +
      `${byTransport.udp} UDP, ${byTransport.tcp} TCP, ${byTransport.dot} DoT, ${byTransport.doh} DoH (${percent(plainShare)} on port 53)` +
      (encrypted.length > 0
        ? `; ${padded.length} of ${encrypted.length} encrypted queries padded to ${p.paddingBlock}-octet blocks, TLS ${tlsVersions.join('/')}`
        : '');
    const ddrRef = eventsRef(
      context.eventsFile,
      ddrQueries.map((q) => q.seq),
      'DDR queries (_dns.resolver.arpa SVCB)',
    );

    if (judged.length < p.minQueries) {
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${counts}; the rule needs at least ${p.minQueries} judged queries.`,
        figures,
        evidence: [ddrRef],
      };
    }
    if (plainShare > p.maxPlainShare) {
      const plainRef = eventsRef(
        context.eventsFile,
        plain.map((q) => q.seq),
        'queries that stayed on port 53 after encrypted DNS was offered',
      );
      if (handshakeFailures.length > 0) {
        return {
          verdict: 'INCONCLUSIVE',
          expected,
          observed: `${counts}; the DUT failed ${handshakeFailures.length} TLS handshakes with the resolver, so it can use encrypted DNS but did not accept the lab certificate.`,
          figures,
          evidence: [
            eventsRef(
              context.eventsFile,
              handshakeFailures.map((e) => e.seq),
              'failed TLS handshakes',
            ),
            plainRef,
            ddrRef,
          ],
        };
      }
      const why =
        ddrQueries.length === 0
          ? 'it never asked _dns.resolver.arpa'
          : 'it discovered the designated resolvers but did not move to them';
      return { verdict: 'FAIL', expected, observed: `${counts}; ${why}.`, figures, evidence: [plainRef, ddrRef] };
    }
    // Early stop: the SPRT over the judged queries of the phase in progress.
    const open = inOpenPhase(evidence);
    const settled = sprtSettles('PASS', plain.filter(open).length, judged.filter(open).length, p.maxPlainShare, p);
    return {
      verdict: 'PASS',
      settled,
      expected,
      observed: `${counts}.`,
      figures,
      evidence: [
        eventsRef(
          context.eventsFile,
          encrypted.map((q) => q.seq),
          'queries over DoT/DoH',
        ),
        ddrRef,
      ],
    };
  },
});
