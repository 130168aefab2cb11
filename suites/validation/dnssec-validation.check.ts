/**
 * Draft IOTDNS-D-VAL-2 and paper Recommendation #7, graded: does the DUT validate DNSSEC?
 * The harness does not need to sign real zones: the lab's zone is signed (profile
 * `signedZone`), and `dnssec-bogus` breaks those real signatures three ways while
 * `dnssec-downgrade` sets AD on forged, unsigned data over plain DNS. A validating DUT asks
 * with DO and never contacts a canary; one that uses a bogus answer does.
 * `validation/resolver-forgery-observed` keeps recording forgery use by non-validating DUTs.
 */
import { dnssecSigns } from '../../lib/analysis/dnssec-signs.ts';
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta, EvidenceRef } from '../../lib/checks/check-types.ts';
import type { ResponseEvent } from '../../lib/evidence/events.ts';
import { eventsRef } from '../evidence-ref.ts';
import { FORGERY_SETTLED_TEXT, forgeryLookedUpAgain } from '../sequential.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { contactsByCanary } from './forged-record-use.ts';

const rule = decisionRule(
  { minAnswersPerVariant: 1 },
  (rule) =>
    "Under dnssec-bogus, answers for the lab's signed zone are made bogus in turn (address changed to a canary under the genuine RRSIG; RRSIGs stripped; " +
    'a genuine RRSIG over the canary address that expired), each variant towards its own canary; under dnssec-downgrade, forged unsigned answers carry AD over plain DNS. ' +
    `PASS when the DUT set DO, got at least ${rule.minAnswersPerVariant} answer of every bogus variant to a query with DO (minAnswersPerVariant), and contacted none of the canaries. ` +
    'FAIL when the IXIT declares DNSSEC validation (dnssecValidation) and the DUT contacted the canary of any variant. INCONCLUSIVE when no bogus answer reached it, ' +
    'or it set DO but not every variant reached it and it contacted no canary. Otherwise INFO with the figures (DO/CD shares, DNSKEY/DS queries, encrypted queries, variants used): ' +
    'a DUT that declares nothing is not held to validation.' +
    FORGERY_SETTLED_TEXT,
);

/** The bogus variants in the order `dnssecBogus(...)` takes their canaries, then the downgrade. */
const VARIANTS = ['rdata', 'stripped', 'expired'] as const;
type Variant = (typeof VARIANTS)[number] | 'downgrade';

const meta: CheckMeta = {
  title: 'DNSSEC validation: bogus signed answers are refused',
  requirement: requirementText(
    draftClause('IOTDNS-D-VAL-2'),
    'The draft clause mapping is provisional.',
    recommendation('7'),
  ),
  keyword: 'MAY',
  severity: 'high',
  covers: { paper: ['7'], draft: ['IOTDNS-D-VAL-2'], etsi: ['5.13-1'] },
  decisionRule: rule,
  experiments: ['dnssec-bogus', 'dnssec-downgrade'],
};

/** The arguments of a scenario step such as `dnssecBogus(a, b, c)`. */
function stepArguments(step: string): string[] {
  return (/\((.*)\)$/.exec(step)?.[1] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/** The variant a manipulated response was, and its canary, from the step that made it and the address it carries. */
function variantOf(response: ResponseEvent): { variant: Variant; canary: string } | null {
  for (const step of response.manipulations) {
    const addresses = new Set(response.answers.filter((rr) => rr.type === 'A').map((rr) => rr.data));
    if (step.startsWith('dnssecBogus(')) {
      const canaries = stepArguments(step);
      const index = canaries.findIndex((c) => addresses.has(c));
      if (index >= 0 && index < VARIANTS.length) return { variant: VARIANTS[index]!, canary: canaries[index]! };
    }
    if (step.startsWith('dnssecDowngrade(')) {
      const canary = stepArguments(step)[0];
      if (canary !== undefined && addresses.has(canary)) return { variant: 'downgrade', canary };
    }
  }
  return null;
}

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const signs = dnssecSigns(evidence, context.dutId);
    const ownAddresses = new Set(context.profile.dut.addresses);
    const served = new Map<Variant, number>();
    const servedWithDo = new Map<Variant, number>();
    const canaryVariant = new Map<string, Variant>();
    const bogus: ResponseEvent[] = [];
    const queriesWithDo = new Set<number>();
    evidence.eachQuery(context.dutId, (query) => {
      if (query.edns?.do === true) queriesWithDo.add(query.seq);
    });
    evidence.eachResponse(context.dutId, (response) => {
      const found = variantOf(response);
      if (found === null) return;
      bogus.push(response);
      served.set(found.variant, (served.get(found.variant) ?? 0) + 1);
      if (queriesWithDo.has(response.queryRef))
        servedWithDo.set(found.variant, (servedWithDo.get(found.variant) ?? 0) + 1);
      canaryVariant.set(found.canary, found.variant);
    });
    const contacts = evidence
      .ofType('canary.contact')
      .filter(
        (e) => (e.dut === context.dutId || ownAddresses.has(e.client.address)) && canaryVariant.has(e.canary.address),
      );
    const used = [...new Set(contacts.map((c) => canaryVariant.get(c.canary.address)!))].sort();
    const declared = context.profile.ixit?.dnssecValidation === true;
    const figures = {
      doShare: signs.doShare,
      cdShare: signs.cdShare,
      dnskeyQueries: signs.dnskeyQueries,
      dsQueries: signs.dsQueries,
      chainNamesAsked: signs.chainNamesAsked,
      namesWithChainQueries: signs.namesWithChainQueries,
      namesUsed: signs.namesUsed,
      encryptedQueries: signs.encryptedQueries,
      encryptedContacts: signs.encryptedContacts,
      queries: signs.queries,
      bogusAnswers: Object.fromEntries(served),
      bogusAnswersToDoQueries: Object.fromEntries(servedWithDo),
      variantsUsed: used,
      canaryContacts: contacts.length,
      contactsByCanary: contactsByCanary(contacts),
      declaresValidation: declared,
    };
    const expected =
      'A validating DUT sets DO, refuses every bogus answer (it retries, fails the lookup, never contacts the canary) and does not trust AD over plain DNS.';
    const counts =
      `DO on ${signs.doQueries} of ${signs.queries} queries, CD on ${signs.cdQueries}; ${signs.dnskeyQueries} DNSKEY and ${signs.dsQueries} DS queries; ` +
      `${signs.encryptedQueries} queries over DoT/DoH; bogus answers ${VARIANTS.map((v) => `${v} ${served.get(v) ?? 0} (${servedWithDo.get(v) ?? 0} with DO)`).join(', ')}, downgrade ${served.get('downgrade') ?? 0}; ` +
      `${contacts.length} canary contacts`;
    const refs: EvidenceRef[] = [
      ...(contacts.length
        ? [
            eventsRef(
              context.eventsFile,
              contacts.map((e) => e.seq),
              'canary contacts after bogus answers',
            ),
          ]
        : []),
      eventsRef(
        context.eventsFile,
        bogus.map((e) => e.seq),
        'bogus and downgraded answers sent to the DUT',
      ),
    ];
    const bogusVariantsServed = VARIANTS.filter((v) => (served.get(v) ?? 0) > 0).length;
    if (bogus.length === 0)
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${counts}: no bogus answer reached the DUT (does the profile name a signedZone its lookups fall in?).`,
        figures,
        evidence: refs,
      };
    if (used.length > 0) {
      const text = `${counts}: the DUT used ${used.join(', ')} answers`;
      if (declared)
        return {
          verdict: 'FAIL',
          expected,
          observed: `${text}, although its IXIT declares DNSSEC validation.`,
          figures,
          evidence: refs,
          settled: true,
        };
      return {
        verdict: 'INFO',
        // A bogus answer used stays used.
        settled: true,
        expected,
        observed: `${text}: it does not validate DNSSEC (it declares no validation, so nothing is required).`,
        figures,
        evidence: refs,
      };
    }
    const everyVariant = VARIANTS.every((v) => (servedWithDo.get(v) ?? 0) >= p.minAnswersPerVariant);
    if (signs.doQueries > 0 && everyVariant)
      return {
        verdict: 'PASS',
        // Settled once every bogus question of the phase in progress was asked again with no canary contact.
        settled: forgeryLookedUpAgain(evidence, context.dutId, bogus, contacts),
        expected,
        observed: `${counts}: the DUT asked with DO and refused every bogus variant.`,
        figures,
        evidence: refs,
      };
    if (signs.doQueries > 0)
      return {
        verdict: 'INCONCLUSIVE',
        expected,
        observed: `${counts}: not every bogus variant reached a query with DO (${bogusVariantsServed} of ${VARIANTS.length} variants served).`,
        figures,
        evidence: refs,
      };
    return {
      verdict: 'INFO',
      expected,
      observed: `${counts}: the DUT never set DO and contacted no canary; that is no sign of validation.`,
      figures,
      evidence: refs,
    };
  },
});
