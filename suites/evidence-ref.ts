/** Evidence references for check outcomes: the events a verdict rests on, sampled for the report. */
import type { EvidenceRef } from '../lib/checks/check-types.ts';

/** How many seqs a reference lists; `count` still says how many there are in all. */
export const SAMPLE_SEQS = 20;

/** A reference to events by seq: the first {@link SAMPLE_SEQS} of them, and their number. */
export function eventsRef(file: string, seqs: readonly number[], note: string): EvidenceRef {
  return { kind: 'events', file, seqs: seqs.slice(0, SAMPLE_SEQS), count: seqs.length, note };
}

/** The seqs of events met one at a time, kept as a reference keeps them: the first {@link SAMPLE_SEQS} and how many. */
export class SeqSample {
  readonly seqs: number[] = [];
  count = 0;

  add(seq: number): void {
    if (this.seqs.length < SAMPLE_SEQS) this.seqs.push(seq);
    this.count += 1;
  }
}

/**
 * What {@link eventsRef} gives for every seq the sample met (in ascending order, as events
 * are met), with `others` (a few more events, e.g. contacts) merged in ascending order.
 */
export function sampledRef(file: string, sample: SeqSample, note: string, others: readonly number[] = []): EvidenceRef {
  const seqs = others.length === 0 ? sample.seqs : [...sample.seqs, ...others].sort((a, b) => a - b);
  return { kind: 'events', file, seqs: seqs.slice(0, SAMPLE_SEQS), count: sample.count + others.length, note };
}

/** A share as a percentage for prose (`42.8%`). */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;
}
