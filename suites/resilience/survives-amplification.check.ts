/**
 * Paper Recommendation #9 (draft IOTDNS-D-SIZE-2): under amplified, flooded, padded and
 * oversize responses the DUT keeps working, as its liveness probes show.
 */
import { defineCheck } from '../../lib/checks/check-types.ts';
import type { CheckMeta } from '../../lib/checks/check-types.ts';
import type { DutProcessEvent, LivenessEvent } from '../../lib/evidence/events.ts';
import { eventsRef } from '../evidence-ref.ts';
import { ruleParameters } from '../rule-parameters.ts';

const PARAMETERS = ['minSamples', 'minConsecutiveDead', 'restartGraceSeconds'] as const;
const rule: Record<(typeof PARAMETERS)[number], number> = { minSamples: 3, minConsecutiveDead: 2, restartGraceSeconds: 5 };

const meta: CheckMeta = {
  title: 'The device keeps working under amplified, flooded and oversize responses',
  requirement: 'Paper Recommendation #9: "IoT devices should detect amplified responses and must implement validation of DNS response sizes along with supporting EDNS(0)"; '
    + 'the paper saw six devices become inoperable under ×100 amplification and one fifth lose connectivity under the largest payloads. '
    + 'Draft IOTDNS-D-SIZE-2 (proposed): spot amplified or abnormal responses, take only the first matching reply, and do not become unstable.',
  keyword: 'RECOMMENDATION',
  severity: 'high',
  covers: { paper: ['9'], draft: ['IOTDNS-D-SIZE-2'], etsi: ['5.13-1', '5.9-1'] },
  decisionRule: {
    text: 'Under padding, oversize, amplify-10/50/100 and flood-10/100, read the DUT\'s liveness.probe samples (the profile\'s probes). '
      + `Samples within ${rule.restartGraceSeconds} s (restartGraceSeconds) after the harness restarted the DUT, or while it was stopped for a restart, are not judged. `
      + `INCONCLUSIVE when fewer than ${rule.minSamples} samples were judged (minSamples; a profile without liveness probes gives none). `
      + `FAIL when a probe was dead in ${rule.minConsecutiveDead} consecutive judged samples (minConsecutiveDead), or the DUT process exited on its own with a non-zero code. Otherwise PASS.`,
    parameters: { ...rule },
  },
  experiments: ['padding', 'oversize', 'amplify-10', 'amplify-50', 'amplify-100', 'flood-10', 'flood-100'],
  tableI: 'dosResilience',
};

export default defineCheck({
  meta,
  judge(evidence, context) {
    const p = ruleParameters(meta.decisionRule, PARAMETERS);
    const mine = evidence.events.filter((e) => e.dut === context.dutId);
    const processEvents = mine.filter((e): e is DutProcessEvent => e.type === 'dut.start' || e.type === 'dut.exit');
    // A crash is an exit the harness did not ask for: a non-zero code (the harness stops devices with SIGTERM, exit 0, or SIGKILL).
    const crashes = processEvents.filter((e) => e.type === 'dut.exit' && e.exitCode !== null && e.exitCode !== 0 && e.phase !== null);
    // While the harness restarts the DUT (from its exit to restartGraceSeconds after the next start) a dead probe says nothing.
    const graceMicros = p.restartGraceSeconds * 1e6;
    const restarts: [number, number][] = processEvents.flatMap((e, i): [number, number][] => {
      if (e.type === 'dut.start') return [[e.t, e.t + graceMicros]];
      if (crashes.includes(e)) return [];
      const next = processEvents.slice(i + 1).find((x) => x.type === 'dut.start');
      return [[e.t, next ? next.t + graceMicros : Infinity]];
    });
    const excused = (t: number) => restarts.some(([from, to]) => t >= from && t <= to);
    const samples = mine.filter((e): e is LivenessEvent => e.type === 'liveness.probe' && e.phase !== null && !excused(e.t));
    let worstRun: LivenessEvent[] = [];
    const runs = new Map<string, LivenessEvent[]>();
    for (const sample of samples) {
      const key = `${sample.probe} ${sample.target}`;
      const run = sample.alive ? [] : [...(runs.get(key) ?? []), sample];
      runs.set(key, run);
      if (run.length > worstRun.length) worstRun = run;
    }
    const dead = samples.filter((s) => !s.alive);
    const phasesDead = [...new Set(dead.map((s) => s.phase))];
    const figures = { samples: samples.length, alive: samples.length - dead.length, dead: dead.length, longestDeadRun: worstRun.length, phasesWithDeadSamples: phasesDead, crashes: crashes.length };
    const expected = `Every liveness probe stays alive (never ${p.minConsecutiveDead} dead samples in a row) and the DUT never crashes.`;
    const counts = `${samples.length} liveness samples judged, ${dead.length} dead (longest run ${worstRun.length})${crashes.length ? `, ${crashes.length} crash exits` : ''}`;
    const sampleRef = eventsRef(context.eventsFile, samples.map((s) => s.seq), 'liveness samples judged');
    if (worstRun.length >= p.minConsecutiveDead || crashes.length > 0) {
      const first = worstRun[0] ?? dead[0];
      return {
        // A device that died or crashed has failed whatever follows: the phase may end now.
        verdict: 'FAIL', settled: true, expected,
        observed: `${counts}; ${first ? `${first.target} dead from phase ${first.phase} (${first.detail ?? 'no detail'})` : `exit code ${crashes[0]!.exitCode}`}${phasesDead.length ? `, dead samples in ${phasesDead.join(', ')}` : ''}.`,
        figures, evidence: [eventsRef(context.eventsFile, [...crashes, ...(worstRun.length ? worstRun : dead)].map((e) => e.seq), 'dead liveness samples and crash exits'), sampleRef],
      };
    }
    if (samples.length < p.minSamples) {
      return { verdict: 'INCONCLUSIVE', expected, observed: `${counts}; the rule needs ${p.minSamples} samples (declare liveness probes in the profile).`, figures, evidence: [sampleRef] };
    }
    return { verdict: 'PASS', expected, observed: `${counts}.`, figures, evidence: [sampleRef] };
  },
});
