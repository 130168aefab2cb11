/**
 * Paper Recommendation #9 (draft IOTDNS-D-SIZE-2): under amplified, flooded, padded and
 * oversize responses the DUT keeps working, as its liveness probes show.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import { draftClause, recommendation, requirementText } from '../requirement-text.ts';
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
    "Under padding, oversize, amplify-10/50/100 and flood-10/100, read the DUT's liveness.probe samples (the profile's probes). " +
    `Samples within ${rule.restartGraceSeconds} s (restartGraceSeconds) after the harness restarted the DUT, or while it was stopped for a restart, are not judged. ` +
    `INCONCLUSIVE when fewer than ${rule.minSamples} samples were judged (minSamples; a profile without liveness probes gives none). ` +
    `FAIL when a probe was dead in ${rule.minConsecutiveDead} consecutive judged samples (minConsecutiveDead), or the DUT process exited on its own with a non-zero code. Otherwise PASS.` +
    LIVENESS_SEQUENTIAL_TEXT,
);

const meta: CheckMeta = {
  title: 'The device keeps working under amplified, flooded and oversize responses',
  requirement: requirementText(
    recommendation('9'),
    'The paper saw six devices become inoperable under ×100 amplification and one fifth lose connectivity under the largest payloads.',
    draftClause('IOTDNS-D-SIZE-2'),
    'The DUT does not become unstable.',
  ),
  keyword: 'RECOMMENDATION',
  severity: 'high',
  covers: { paper: ['9'], draft: ['IOTDNS-D-SIZE-2'], etsi: ['5.13-1', '5.9-1'] },
  decisionRule: rule,
  experiments: ['padding', 'oversize', 'amplify-10', 'amplify-50', 'amplify-100', 'flood-10', 'flood-100'],
  tableI: 'dosResilience',
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(rule);
    return livenessOutcome(
      livenessRecord(evidence, context.dutId, p.restartGraceSeconds),
      p,
      context.eventsFile,
      {
        expected: `Every liveness probe stays alive (never ${p.minConsecutiveDead} dead samples in a row) and the DUT never crashes.`,
        missing: 'declare liveness probes in the profile',
      },
      { open: inOpenPhase(evidence), parameters: p },
    );
  },
});
