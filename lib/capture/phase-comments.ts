/**
 * Phase boundaries in the run's pcapng: the first packet at or after a phase's start (and
 * after its end) carries a packet comment (pcapng `opt_comment`) naming the phase, its
 * experiment and scenario, so Wireshark shows which experiment each packet belongs to
 * (`frame.comment contains "dnsconform: phase"` lists the boundaries).
 *
 * The comments are written by Wireshark's own `editcap -a FRAME:COMMENT`, which rewrites the
 * file block by block and keeps every frame and its number: what the report's frame citations
 * name stays valid. Done once, when the capture has stopped and before the run is sealed.
 */
import { execFile } from 'node:child_process';
import { createReadStream, existsSync, renameSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import type { Microseconds, PhaseEvent } from '../evidence/events.ts';
import { CaptureFormatError } from './capture-format-error.ts';
import { readFrameBatches } from './file-formats.ts';

const run = promisify(execFile);

/** Environment variable naming the editcap to run (a full path), as `DNSCONFORM_DUMPCAP` does for dumpcap. */
export const EDITCAP_ENV = 'DNSCONFORM_EDITCAP';

/** The prefix of every comment this writes, for a display filter. */
export const PHASE_COMMENT_PREFIX = 'dnsconform: phase';

/** A phase boundary as the event log recorded it. */
export interface PhaseBoundary {
  t: Microseconds;
  text: string;
}

/** The phase starts and ends of an events file, read line by line (only phase lines are parsed). */
export async function phaseBoundaries(eventsFile: string): Promise<PhaseBoundary[]> {
  const boundaries: PhaseBoundary[] = [];
  const lines = createInterface({ input: createReadStream(eventsFile, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (!line.includes('"phase.start"') && !line.includes('"phase.end"')) continue;
    const event = JSON.parse(line) as PhaseEvent;
    if (event.type === 'phase.start') {
      const experiment = event.experiment ?? event.name;
      boundaries.push({
        t: event.t,
        text: `${PHASE_COMMENT_PREFIX} ${event.name} begins (experiment ${experiment}, scenario ${event.scenario || 'none'})`,
      });
    } else if (event.type === 'phase.end') {
      boundaries.push({
        t: event.t,
        text: `${PHASE_COMMENT_PREFIX} ${event.name} ended (${event.reason ?? 'no reason'})`,
      });
    }
  }
  return boundaries.sort((a, b) => a.t - b.t);
}

/**
 * Which frame each boundary's comment goes on: the first frame at or after it. Boundaries
 * with no frame between them share one comment, in order; those after the last frame have none.
 */
export async function commentsByFrame(
  captureFile: string,
  boundaries: readonly PhaseBoundary[],
): Promise<Map<number, string>> {
  const comments = new Map<number, string>();
  let next = 0;
  try {
    for await (const frames of readFrameBatches(captureFile)) {
      for (const frame of frames) {
        const texts: string[] = [];
        while (next < boundaries.length && boundaries[next]!.t <= frame.timestamp) texts.push(boundaries[next++]!.text);
        if (texts.length > 0) comments.set(frame.frame, texts.join('; '));
        if (next >= boundaries.length) return comments;
      }
    }
  } catch (error) {
    // A capture damaged at its end keeps the comments of the part that could be read.
    if (!(error instanceof CaptureFormatError)) throw error;
  }
  return comments;
}

/** What writing the comments did. */
export type PhaseCommentResult = { commented: number } | { problem: string };

/**
 * Writes the phase boundaries of `eventsFile` into `captureFile` as packet comments. A
 * failure (no editcap, a damaged file) leaves the capture as it was and says why.
 */
export async function commentPhases(captureFile: string, eventsFile: string): Promise<PhaseCommentResult> {
  const comments = await commentsByFrame(captureFile, await phaseBoundaries(eventsFile));
  if (comments.size === 0) return { commented: 0 };
  const tool = process.env[EDITCAP_ENV] ?? 'editcap';
  const temporary = `${captureFile}.comments`;
  const args = [...[...comments].flatMap(([frame, text]) => ['-a', `${frame}:${text}`]), captureFile, temporary];
  try {
    await run(tool, args, { maxBuffer: 1 << 20 });
    renameSync(temporary, captureFile);
    return { commented: comments.size };
  } catch (error) {
    if (existsSync(temporary)) rmSync(temporary, { force: true });
    const { stderr, message } = error as { stderr?: string; message: string };
    return { problem: `phase comments not written into the capture: ${(stderr || message).trim().split('\n').pop()}` };
  }
}
