/**
 * The phase in force at a time, from the phase markers of a run's evidence: for events
 * found after the fact (read from the capture when the run ends), which must carry the
 * phase their time falls in rather than the one in force when they are appended.
 */
import type { EvidenceEvent, Microseconds } from './events.ts';

/** The phase markers of a run, in the order they were written (time order). */
export type PhaseMarkers = readonly EvidenceEvent[];

/** The phase whose window holds `t`, or null (before the first or between phases). */
export function phaseAt(markers: PhaseMarkers, t: Microseconds): string | null {
  let phase: string | null = null;
  for (const event of markers) {
    if (event.t > t) break;
    // A phase not run for this DUT still holds its window (the DUT's traffic then belongs to no experiment).
    if (event.type === 'phase.start' || event.type === 'phase.skip') phase = event.name;
    else if (event.type === 'phase.end' && event.name === phase) phase = null;
  }
  return phase;
}
