/**
 * When each stage of a command ended (`analyze --timings`): where the time of a long command
 * went, measured in the run that is reported rather than estimated from a profile. Off
 * until a command turns it on, so a long-lived process (the console, a fleet) keeps none.
 * Times are `performance.now()`: milliseconds since the process started.
 */

/** One stage's end. */
export interface StageMark {
  stage: string;
  /** Milliseconds since the process started. */
  at: number;
}

let marks: StageMark[] | null = null;

/** Starts keeping marks (and forgets earlier ones). */
export function keepStageMarks(): void {
  marks = [];
}

/** Notes that `stage` has just ended; nothing when marks are not kept. */
export function markStage(stage: string): void {
  marks?.push({ stage, at: performance.now() });
}

/** The marks kept so far, oldest first. */
export function stageMarks(): readonly StageMark[] {
  return marks ?? [];
}

/**
 * The marks as one line: each stage with its own length and, in brackets, when it ended,
 * e.g. `read 1.52 s (1.52) · events 2.31 s (3.83)`. The first stage's length counts from
 * the process's start (loading included).
 */
export function stageTimingsLine(list: readonly StageMark[] = stageMarks()): string {
  return list
    .map((mark, i) => {
      const length = (mark.at - (i === 0 ? 0 : list[i - 1]!.at)) / 1000;
      return `${mark.stage} ${length.toFixed(2)} s (${(mark.at / 1000).toFixed(2)})`;
    })
    .join(' · ');
}
