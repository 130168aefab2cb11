/**
 * When the evidence shows a DUT restarted: a simulated device's process started (`dut.start`)
 * or the harness power-cycled it (a `trigger` of kind power-cycle: a simulated device
 * restarted, a lab device's command, an operator's power-cycle). A restarted device starts with
 * an empty cache, so an answer it held before binds it no more, and what it asks after is no
 * evidence of how it treated that answer. The TTL rules share this one reading of a restart.
 */
import type { Evidence } from '../evidence/evidence.ts';
import type { EvidenceEvent, Microseconds } from '../evidence/events.ts';

/** Whether `event` marks a restart of the DUT it names (its cache emptied by then). */
export function isRestart(event: EvidenceEvent): boolean {
  return event.type === 'dut.start' || (event.type === 'trigger' && event.trigger === 'power-cycle');
}

/** The restarts of one DUT, in time order, to ask of any answer when the DUT next forgot it. */
export class Restarts {
  readonly #times: Microseconds[];

  constructor(evidence: Evidence, dutId: string) {
    this.#times = evidence
      .ofType('dut.start', 'trigger')
      .filter((event) => event.dut === dutId && isRestart(event))
      .map((event) => event.t)
      .sort((a, b) => a - b);
  }

  /** The first restart after `t` (strictly), or null when the DUT was not restarted after it. A run has a few: a scan will do. */
  after(t: Microseconds): Microseconds | null {
    return this.#times.find((time) => time > t) ?? null;
  }

  /**
   * How far an answer given at `t` can be followed: to `phaseEnd`, or to the DUT's first
   * restart after `t` when that comes no later (a restarted DUT forgot the answer); `restart`
   * is that restart, null when none cut the follow-up short.
   */
  followUntil(t: Microseconds, phaseEnd: Microseconds): { end: Microseconds; restart: Microseconds | null } {
    const restart = this.after(t);
    return restart !== null && restart <= phaseEnd ? { end: restart, restart } : { end: phaseEnd, restart: null };
  }
}
