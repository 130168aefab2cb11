/**
 * The capture beside the event log: each event reference of a result gets the frames of the
 * run's pcapng its listed events were, and a Wireshark display filter selecting exactly those
 * (`lib/capture/frame-citations.ts`), so a reader can open the evidence in Wireshark.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FrameIndex } from '../capture/frame-citations.ts';
import type { CheckResult } from '../checks/check-types.ts';
import { parseEvents } from '../evidence/load-evidence.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';

/**
 * `results` with every event reference citing its frames in `runDir`'s capture; unchanged
 * when the run has no capture. The refs point into the run's `events.ndjson`, read here.
 */
export async function citeCaptureFrames(runDir: string, results: readonly CheckResult[]): Promise<CheckResult[]> {
  const captureFile = join(runDir, RUN_FILES.capture);
  if (!existsSync(captureFile)) return [...results];
  const cited = new Set<number>();
  for (const result of results)
    for (const ref of result.evidence) if (ref.kind === 'events') for (const seq of ref.seqs) cited.add(seq);
  if (cited.size === 0) return [...results];
  const eventsFile = join(runDir, RUN_FILES.events);
  const events = parseEvents(readFileSync(eventsFile, 'utf8'), eventsFile);
  const index = await FrameIndex.build(captureFile, RUN_FILES.capture, events, cited);
  return results.map((result) => ({
    ...result,
    evidence: result.evidence.map((ref) =>
      ref.kind === 'events' && ref.seqs.length > 0 ? { ...ref, capture: index.cite(ref.seqs) } : ref,
    ),
  }));
}
