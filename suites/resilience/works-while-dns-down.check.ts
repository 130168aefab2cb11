/**
 * Draft IOTDNS-D-FAIL-3 (EN 303 645 5.9-2): while the resolver is unreachable or failing,
 * the DUT's local functions keep working, as its liveness probes of them show (a TCP port
 * of the device, an ICMP echo). The `queries` probe says only that the DUT still asks DNS,
 * so it does not count here.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import { draftClause, etsiProvision, requirementText } from '../requirement-text.ts';
import { decisionRule, ruleParameters } from '../rule-parameters.ts';
import { LIVENESS_SEQUENTIAL, LIVENESS_SEQUENTIAL_TEXT, livenessOutcome, livenessRecord } from './liveness-samples.ts';
import { inOpenPhase } from '../sequential.ts';

const rule = decisionRule(
  {
    minSamples: 3,
    minConsecutiveDead: 2,
    restartGraceSeconds: 5,
    ...LIVENESS_SEQUENTIAL,
  },
  (rule) =>
    "Under resolver-silent, resolver-closed-port, servfail and refused (no DNS resolution works), read the DUT's liveness.probe samples of its local functions: " +
    "the profile's tcp and icmp probes (the function the supplier declares, e.g. the device's own service port); the queries probe is not counted. " +
    `Samples within ${rule.restartGraceSeconds} s (restartGraceSeconds) after the harness restarted the DUT, or while it was stopped for a restart, are not judged. ` +
    `INCONCLUSIVE when fewer than ${rule.minSamples} samples were judged (minSamples; a profile without tcp or icmp probes gives none). ` +
    `FAIL when a probe was dead in ${rule.minConsecutiveDead} consecutive judged samples (minConsecutiveDead), or the DUT process exited on its own with a non-zero code. Otherwise PASS.` +
    LIVENESS_SEQUENTIAL_TEXT,
);

const meta: CheckMeta = {
  title: 'Local functions keep working while DNS is down',
  requirement: requirementText(
    draftClause('IOTDNS-D-FAIL-3'),
    'The clause may be absent from the draft.',
    etsiProvision('5.9-2'),
    'Paper Recommendations #5 and #6 (caching; consistent DNS failures handled).',
  ),
  keyword: 'MAY',
  severity: 'low',
  covers: { paper: ['6'], draft: ['IOTDNS-D-FAIL-3'], etsi: ['5.9-2', '5.9-1'] },
  decisionRule: rule,
  experiments: ['resolver-silent', 'resolver-closed-port', 'servfail', 'refused'],
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    const record = livenessRecord(
      evidence,
      context.dutId,
      p.restartGraceSeconds,
      (sample) => sample.probe !== 'queries',
    );
    return livenessOutcome(
      record,
      p,
      context.eventsFile,
      {
        expected: `While DNS fails, every probe of a local function (tcp, icmp) stays alive (never ${p.minConsecutiveDead} dead samples in a row) and the DUT never crashes.`,
        missing: 'declare a tcp or icmp liveness probe of a local function in the profile',
      },
      { open: inOpenPhase(evidence), parameters: p },
    );
  },
});
