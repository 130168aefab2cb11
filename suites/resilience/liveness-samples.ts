/**
 * The DUT's liveness evidence as the resilience checks judge it: the probe samples, less
 * those taken while the harness restarted the DUT, the longest run of dead samples of one
 * probe, and the exits the harness did not ask for (crashes); and the rule they share.
 */
import type { CheckOutcome } from '../../lib/checks/check-types.ts';
import type { Evidence } from '../../lib/evidence/evidence.ts';
import type { DutProcessEvent, LivenessEvent } from '../../lib/evidence/events.ts';
import { eventsRef } from '../evidence-ref.ts';
import { SEQUENTIAL, sequentialRuleText, sprtSettles } from '../sequential.ts';
import type { SequentialParameters } from '../sequential.ts';

/** What the samples show. */
export interface LivenessRecord {
  /** Samples judged: in a phase, not within a restart. */
  samples: LivenessEvent[];
  dead: LivenessEvent[];
  /** The longest run of consecutive dead samples of one probe and target. */
  worstRun: LivenessEvent[];
  /** Exits with a non-zero code in a phase (the harness stops devices with exit 0 or a signal). */
  crashes: DutProcessEvent[];
}

/**
 * The judged samples of the DUT's probes that `probe` keeps (every probe by default). A
 * sample from the DUT's exit to `restartGraceSeconds` after its next start is excused: the
 * harness was restarting it.
 */
export function livenessRecord(
  evidence: Evidence,
  dutId: string,
  restartGraceSeconds: number,
  probe: (sample: LivenessEvent) => boolean = () => true,
): LivenessRecord {
  const mine = evidence.events.filter((e) => e.dut === dutId);
  const processEvents = mine.filter((e): e is DutProcessEvent => e.type === 'dut.start' || e.type === 'dut.exit');
  const crashes = processEvents.filter(
    (e) => e.type === 'dut.exit' && e.exitCode !== null && e.exitCode !== 0 && e.phase !== null,
  );
  const graceMicros = restartGraceSeconds * 1e6;
  const restarts: [number, number][] = processEvents.flatMap((e, i): [number, number][] => {
    if (e.type === 'dut.start') return [[e.t, e.t + graceMicros]];
    if (crashes.includes(e)) return [];
    const next = processEvents.slice(i + 1).find((x) => x.type === 'dut.start');
    // A device stopped between phases is started in the next phase; when the evidence leaves
    // that phase out (another check's), the restart was over before the next phase it holds.
    const nextPhase = mine.find((x) => x.type === 'phase.start' && x.t > e.t);
    const restartedIn = !nextPhase || (next !== undefined && (next.t < nextPhase.t || next.phase === nextPhase.phase));
    return [[e.t, restartedIn ? (next ? next.t + graceMicros : Infinity) : nextPhase.t]];
  });
  const excused = (t: number) => restarts.some(([from, to]) => t >= from && t <= to);
  const samples = mine.filter(
    (e): e is LivenessEvent => e.type === 'liveness.probe' && e.phase !== null && !excused(e.t) && probe(e),
  );
  let worstRun: LivenessEvent[] = [];
  const runs = new Map<string, LivenessEvent[]>();
  for (const sample of samples) {
    const key = `${sample.probe} ${sample.target}`;
    const run = sample.alive ? [] : [...(runs.get(key) ?? []), sample];
    runs.set(key, run);
    if (run.length > worstRun.length) worstRun = run;
  }
  return { samples, dead: samples.filter((s) => !s.alive), worstRun, crashes };
}

/** The sequential test of the liveness rule: H1 is a dead share of `settleP1` (a DUT dead every few samples). */
export type LivenessSequential = SequentialParameters & { settleP1: number };
export const LIVENESS_SEQUENTIAL: LivenessSequential = { ...SEQUENTIAL, settleP1: 0.3 };
export const LIVENESS_SEQUENTIAL_TEXT =
  ' A dead probe or a crash settles the FAIL at once.' +
  sequentialRuleText('dead samples among judged samples', `${LIVENESS_SEQUENTIAL.settleP1} (settleP1)`);

/** What early stop needs to settle a PASS: which samples are of the phase in progress, and the test's parameters. */
export interface LivenessSettlement {
  open: (sample: LivenessEvent) => boolean;
  parameters: LivenessSequential;
}

/** The thresholds of the liveness rule. */
export interface LivenessParameters {
  minSamples: number;
  minConsecutiveDead: number;
}

/**
 * The rule: FAIL (settled) when a probe was dead in `minConsecutiveDead` consecutive judged
 * samples or the DUT crashed; INCONCLUSIVE with fewer than `minSamples` samples (`missing`
 * says what to declare); otherwise PASS.
 */
export function livenessOutcome(
  record: LivenessRecord,
  p: LivenessParameters,
  file: string,
  words: { expected: string; missing: string },
  settle: LivenessSettlement,
): CheckOutcome {
  const { samples, dead, worstRun, crashes } = record;
  const phasesDead = [...new Set(dead.map((s) => s.phase))];
  const figures = {
    samples: samples.length,
    alive: samples.length - dead.length,
    dead: dead.length,
    longestDeadRun: worstRun.length,
    phasesWithDeadSamples: phasesDead,
    crashes: crashes.length,
  };
  const { expected } = words;
  const counts = `${samples.length} liveness samples judged, ${dead.length} dead (longest run ${worstRun.length})${crashes.length ? `, ${crashes.length} crash exits` : ''}`;
  const sampleRef = eventsRef(
    file,
    samples.map((s) => s.seq),
    'liveness samples judged',
  );
  if (worstRun.length >= p.minConsecutiveDead || crashes.length > 0) {
    const first = worstRun[0] ?? dead[0];
    return {
      // A device that died or crashed has failed whatever follows: the phase may end now.
      verdict: 'FAIL',
      settled: true,
      expected,
      observed: `${counts}; ${first ? `${first.target} dead from phase ${first.phase} (${first.detail ?? 'no detail'})` : `exit code ${crashes[0]!.exitCode}`}${phasesDead.length ? `, dead samples in ${phasesDead.join(', ')}` : ''}.`,
      figures,
      evidence: [
        eventsRef(
          file,
          [...crashes, ...(worstRun.length ? worstRun : dead)].map((e) => e.seq),
          'dead liveness samples and crash exits',
        ),
        sampleRef,
      ],
    };
  }
  if (samples.length < p.minSamples) {
    return {
      verdict: 'INCONCLUSIVE',
      expected,
      observed: `${counts}; the rule needs ${p.minSamples} samples (${words.missing}).`,
      figures,
      evidence: [sampleRef],
    };
  }
  // Early stop: the SPRT over the samples of the phase in progress, a dead sample being the bad event.
  const openSamples = samples.filter(settle.open);
  const settled = sprtSettles(
    'PASS',
    openSamples.filter((sample) => !sample.alive).length,
    openSamples.length,
    settle.parameters.settleP1,
    settle.parameters,
  );
  return { verdict: 'PASS', settled, expected, observed: `${counts}.`, figures, evidence: [sampleRef] };
}
