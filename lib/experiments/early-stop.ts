/**
 * Sequential decision: a phase may end before its window when every check that needs its
 * experiment has already settled its verdict on the evidence so far. A check settles when
 * it says more of the phase in progress cannot change the verdict (`settled: true` in its
 * outcome), either way: a FAIL (a forged address already contacted), a PASS once a later
 * FAIL is impossible or improbable below the error rates its rule states (Wald's SPRT, a
 * TTL that ran out and was asked again; `suites/sequential.ts`), or a phase that has given
 * a multi-phase check all it needs from it. Passive checks (`'*'`) hold no phase open for
 * a verdict, since they do not need any particular one; but the run's last phase stays open
 * while one of them is short of the sample its rule needs (`samples` in its outcome) and
 * not settled, so a run of quickly settled phases still gives them the sample they need
 * (up to that phase's window).
 */
import type { CheckContext, LoadedCheck, Verdict } from '../checks/check-types.ts';
import { judgeCheck } from '../checks/mocha-binding.ts';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Evidence } from '../evidence/evidence.ts';
import type { EvidenceEvent } from '../evidence/events.ts';
import { parseEventLine } from '../evidence/load-evidence.ts';

/** The checks whose metadata names this experiment. */
export function checksNeeding(checks: readonly LoadedCheck[], experiment: string): LoadedCheck[] {
  return checks.filter((check) => check.meta.experiments.includes(experiment));
}

/** Whether a phase can end now, and on what. */
export interface SettledState {
  /** The DUT judged (a session of several DUTs ends a phase once every one is settled). */
  dut: string;
  settled: boolean;
  /** Each needed check's current verdict and whether it is final. */
  verdicts: { check: string; verdict: Verdict; settled: boolean }[];
}

/** Judges the needed checks on the evidence so far; settled when all of them are. */
export function settledState(needed: readonly LoadedCheck[], evidence: Evidence, context: CheckContext): SettledState {
  const verdicts = needed.map((check) => {
    const result = judgeCheck(check, evidence, context);
    return { check: check.id, verdict: result.verdict, settled: result.settled === true && result.verdict !== 'ERROR' };
  });
  return { dut: context.dutId, settled: verdicts.length > 0 && verdicts.every((v) => v.settled), verdicts };
}

/** The phase end reason the report shows for an early stop, naming the DUT (one reason per DUT of the session). */
export function settledReason(state: SettledState): string {
  return `settled early (sequential decision): ${state.dut}: ${state.verdicts.map((v) => `${v.check} ${v.verdict}`).join(', ')}`;
}

/** The checks that judge every phase (`'*'`): run-wide, so no one phase holds them, but the run's last one may. */
export function runWideChecks(checks: readonly LoadedCheck[]): LoadedCheck[] {
  return checks.filter((check) => check.meta.experiments.includes('*'));
}

/** A run-wide check short of the sample its rule needs, with the sizes it reports. */
export interface SampleWait {
  check: string;
  observed: number;
  needed: number;
}

/**
 * The run-wide checks that are neither settled nor have the sample their rule needs, on the
 * whole run's evidence so far. An early-stopping run whose phases settle in seconds would
 * otherwise end with such a check INCONCLUSIVE that the whole windows judge: its last phase
 * waits for these (up to its own window). Each check declares its need in its outcome
 * (`samples`), so no list of checks is kept here.
 */
export function samplesWanted(
  runWide: readonly LoadedCheck[],
  evidence: Evidence,
  context: CheckContext,
): SampleWait[] {
  const waits: SampleWait[] = [];
  for (const check of runWide) {
    const result = judgeCheck(check, evidence, context);
    if (result.settled === true || result.samples === undefined) continue;
    if (result.samples.observed < result.samples.needed) waits.push({ check: check.id, ...result.samples });
  }
  return waits;
}

/** What a last phase waits for, naming the DUT: `waiting for run-wide samples: dut: check 6/50`. */
export function samplesReason(dut: string, waits: readonly SampleWait[]): string {
  return `waiting for run-wide samples: ${dut}: ${waits.map((w) => `${w.check} ${w.observed}/${w.needed}`).join(', ')}`;
}

/**
 * A run's events file read as it grows: each {@link GrowingEventLog.evidenceFor} parses only
 * the lines appended since the last call, and judges on the events of the phases the needed
 * checks use (plus run markers). Re-reading and re-indexing the whole log every few seconds
 * took the harness tens of seconds per look on a loaded machine, long enough for its own
 * resolver to stall and the devices to retry (premature re-queries the checks then saw).
 */
export class GrowingEventLog {
  readonly #file: string;
  readonly #events: EvidenceEvent[] = [];
  #offset = 0;
  #lineNo = 0;

  constructor(file: string) {
    this.#file = file;
  }

  /**
   * The whole run's evidence so far (what a run-wide check judges), with `extra` events not
   * in the log yet (queries the capture saw go elsewhere), numbered after the log's.
   */
  evidenceOfRun(extra: readonly Omit<EvidenceEvent, 'seq' | 'phase'>[] = []): Evidence {
    this.#readAppended();
    const last = this.#events.at(-1)?.seq ?? 0;
    const added = extra.map((event, i) => ({ ...event, seq: last + 1 + i, phase: null }) as EvidenceEvent);
    return new Evidence(added.length === 0 ? this.#events : [...this.#events, ...added]);
  }

  /** The evidence so far of the phases that ran one of `experiments`, with the events outside any phase. */
  evidenceFor(experiments: ReadonlySet<string>): Evidence {
    this.#readAppended();
    const phases = new Set<string>();
    for (const event of this.#events)
      if (event.type === 'phase.start' && experiments.has(event.experiment ?? event.name)) phases.add(event.name);
    return new Evidence(this.#events.filter((event) => event.phase === null || phases.has(event.phase)));
  }

  /** Parses the complete lines written since the last read (a line still being written waits). */
  #readAppended(): void {
    let fd: number;
    try {
      fd = openSync(this.#file, 'r');
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size <= this.#offset) return;
      const chunk = Buffer.alloc(size - this.#offset);
      const read = readSync(fd, chunk, 0, chunk.length, this.#offset);
      const end = chunk.subarray(0, read).lastIndexOf(0x0a);
      if (end < 0) return;
      const text = chunk.subarray(0, end).toString('utf8');
      let offset = this.#offset;
      for (const line of text.split('\n')) {
        this.#lineNo += 1;
        const event = parseEventLine(line, this.#file, this.#lineNo, offset);
        offset += Buffer.byteLength(line, 'utf8') + 1;
        if (event !== null) this.#events.push(event);
      }
      this.#offset += end + 1;
    } finally {
      closeSync(fd);
    }
  }
}

/** The experiments whose phases the needed checks judge. */
export function experimentsOf(needed: readonly LoadedCheck[]): Set<string> {
  return new Set(needed.flatMap((check) => check.meta.experiments));
}
