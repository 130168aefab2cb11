/** Evidence references for check outcomes: the events a verdict rests on, sampled for the report. */
import type { EvidenceRef } from '../lib/checks/check-types.ts';

/** How many seqs a reference lists; `count` still says how many there are in all. */
export const SAMPLE_SEQS = 20;

/** A reference to events by seq: the first {@link SAMPLE_SEQS} of them, and their number. */
export function eventsRef(file: string, seqs: readonly number[], note: string): EvidenceRef {
  return { kind: 'events', file, seqs: seqs.slice(0, SAMPLE_SEQS), count: seqs.length, note };
}

/** A share as a percentage for prose (`42.8%`). */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;
}
