/**
 * A run's progress read from its evidence log as the harness writes it: which phase, how
 * many phases so far, events per second, the DUT's liveness and the early-stop decisions.
 * The log is read from where the last read stopped (a tail), so a page streaming a long
 * run reads each byte once; a half-written last line waits for the next read.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../evidence/run-directory.ts';

/** How far a run has come, as the console shows it and a worker publishes it. */
export interface RunProgress {
  /** Events read so far. */
  events: number;
  /** Events per second over the last {@link RATE_WINDOW_SECONDS} seconds of the log's own clock. */
  eventsPerSecond: number;
  /** The phase observing now (null between phases, before the first and after the last). */
  phase: string | null;
  /** Phases started so far. */
  phasesStarted: number;
  /** The plan's phase count when known (a worker knows its plan; a local log alone does not). */
  phasesPlanned: number | null;
  /** DNS queries the DUTs sent so far. */
  queries: number;
  /** The last liveness probe: alive or not, null before any. */
  alive: boolean | null;
  /** Phases that ended before their window: early stop, interruption, a failed trigger. */
  decisions: { phase: string; reason: string }[];
  /** When the run began and when the log last spoke (ISO 8601), null before any event. */
  startedAt: string | null;
  lastEventAt: string | null;
  /** Set once the log says the run ended, with why when it says. */
  ended: { reason: string | null } | null;
}

/** Seconds of log time over which events per second are counted. */
export const RATE_WINDOW_SECONDS = 5;

/** Reads one run's evidence log incrementally. */
export class RunProgressTail {
  private offset = 0;
  private partial = '';
  /** Event times (µs) inside the rate window, oldest first. */
  private recent: number[] = [];
  readonly progress: RunProgress = {
    events: 0,
    eventsPerSecond: 0,
    phase: null,
    phasesStarted: 0,
    phasesPlanned: null,
    queries: 0,
    alive: null,
    decisions: [],
    startedAt: null,
    lastEventAt: null,
    ended: null,
  };

  constructor(
    readonly runDir: string,
    phasesPlanned: number | null = null,
  ) {
    this.progress.phasesPlanned = phasesPlanned;
  }

  /** Reads what the log gained since the last call; returns the progress (the same object, updated). */
  read(): RunProgress {
    const file = join(this.runDir, RUN_FILES.events);
    if (!existsSync(file)) return this.progress;
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > this.offset) {
        const buffer = Buffer.alloc(size - this.offset);
        const got = readSync(fd, buffer, 0, buffer.length, this.offset);
        this.offset += got;
        const text = this.partial + buffer.subarray(0, got).toString('utf8');
        const lines = text.split('\n');
        // The last piece is a line still being written (or empty after a newline).
        this.partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') this.take(line);
      }
    } finally {
      closeSync(fd);
    }
    const newest = this.recent.at(-1);
    if (newest !== undefined) {
      const from = newest - RATE_WINDOW_SECONDS * 1e6;
      this.recent = this.recent.filter((t) => t > from);
      this.progress.eventsPerSecond = Math.round((this.recent.length / RATE_WINDOW_SECONDS) * 10) / 10;
    }
    return this.progress;
  }

  private take(line: string): void {
    let event: { type?: unknown; t?: unknown; name?: unknown; reason?: unknown; alive?: unknown };
    try {
      event = JSON.parse(line) as typeof event;
    } catch {
      // A torn line (the harness died while writing it): verify names it; progress skips it.
      return;
    }
    const p = this.progress;
    p.events += 1;
    if (typeof event.t === 'number') {
      this.recent.push(event.t);
      const at = new Date(event.t / 1000).toISOString();
      p.startedAt ??= at;
      p.lastEventAt = at;
    }
    switch (event.type) {
      case 'phase.start':
        // One phase.start per DUT: a session of several DUTs starts each phase once for all.
        if (p.phase !== event.name) p.phasesStarted += 1;
        p.phase = String(event.name);
        break;
      case 'phase.end':
        if (p.phase !== null && typeof event.reason === 'string' && event.reason !== 'window elapsed') {
          if (!p.decisions.some((d) => d.phase === p.phase)) p.decisions.push({ phase: p.phase, reason: event.reason });
        }
        p.phase = null;
        break;
      case 'dns.query':
        p.queries += 1;
        break;
      case 'liveness.probe':
        p.alive = event.alive === true;
        break;
      case 'run.end':
        if (p.phase !== null && typeof event.reason === 'string' && event.reason !== 'window elapsed')
          p.decisions.push({ phase: p.phase, reason: event.reason });
        p.phase = null;
        p.ended = { reason: typeof event.reason === 'string' ? event.reason : null };
        break;
    }
  }
}
