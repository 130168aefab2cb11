/**
 * Whether a run holds the evidence a check declares it requires (`meta.requires`),
 * decided from the stored events alone so a rejudge reaches the same answer.
 */
import type { Evidence } from '../evidence/evidence.ts';
import type { RequiredEvidence } from './check-types.ts';

/** Why the required evidence is missing for `dutId`, or null when it is all there. */
export function missingEvidence(
  requires: readonly RequiredEvidence[] | undefined,
  evidence: Evidence,
  dutId: string,
): string | null {
  const missing: string[] = [];
  for (const kind of requires ?? []) {
    if (kind === 'capture') {
      const why = missingCapture(evidence, dutId);
      if (why) missing.push(why);
    }
  }
  return missing.length > 0 ? missing.join('; ') : null;
}

/** Why the run has no packet capture for `dutId`, or null when it has one. */
function missingCapture(evidence: Evidence, dutId: string): string | null {
  const events = evidence.ofType('capture.start', 'capture.stop', 'capture.unavailable').filter((e) => e.dut === dutId);
  if (events.some((e) => e.type === 'capture.start')) return null;
  const unavailable = events.find((e) => e.type === 'capture.unavailable');
  return unavailable
    ? `the run has no packet capture: ${unavailable.reason ?? 'no reason recorded'}`
    : 'the run recorded no packet capture';
}
