/**
 * Progress of a long run on the terminal: the phase, time left, and live counts per DUT.
 * On a terminal, one bar redrawn in place (cli-progress); in a log (CI, a pipe), a plain
 * status line every so often, so a four-hour plan still shows it is alive.
 */
import { SingleBar } from 'cli-progress';
import { createInterface } from 'node:readline';
import { OperatorAbsent } from '../experiments/device-control.ts';
import type { SessionStatus } from '../run/live-session.ts';

/** Seconds between status lines when stdout is not a terminal. */
const LOG_EVERY_SECONDS = 30;

/** One line of live counts, e.g. `sim-good 140 q / 138 r, canary 0, alive`. */
export function statusCounts(status: SessionStatus): string {
  return status.duts
    .map((d) => {
      const parts = [`${d.queries} q / ${d.responses} r`];
      if (d.drops > 0) parts.push(`${d.drops} dropped`);
      if (d.canaryContacts > 0) parts.push(`${d.canaryContacts} canary contacts`);
      if (d.alive !== null) parts.push(d.alive ? 'alive' : 'NOT RESPONDING');
      return `${d.id} ${parts.join(', ')}`;
    })
    .join(' | ');
}

/** A status sink for `runSession`, and `log` for lines that must not tear the bar. */
export interface TerminalProgress {
  status(status: SessionStatus): void;
  log(line: string): void;
  stop(): void;
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stdout): TerminalProgress {
  if (!stream.isTTY) {
    let lastPhase = '';
    let lastLogged = 0;
    return {
      status(status) {
        const elapsed = status.windowSeconds - status.secondsLeft;
        if (status.phase !== lastPhase) {
          lastPhase = status.phase;
          lastLogged = 0;
        }
        if (elapsed - lastLogged < LOG_EVERY_SECONDS) return;
        lastLogged = elapsed;
        stream.write(`  ${status.phase}: ${status.secondsLeft} s left · ${statusCounts(status)}\n`);
      },
      log: (line) => stream.write(`${line}\n`),
      stop: () => undefined,
    };
  }
  const bar = new SingleBar({
    stream,
    format: 'phase {index}/{total} {phase} [{bar}] {left} s left · {counts}',
    barsize: 20,
    hideCursor: true,
    clearOnComplete: true,
    linewrap: false,
  });
  let phase = '';
  let active = false;
  return {
    status(status) {
      const payload = {
        index: status.index,
        total: status.total,
        phase: status.phase,
        left: status.secondsLeft,
        counts: statusCounts(status),
      };
      const done = status.windowSeconds - status.secondsLeft;
      if (!active || status.phase !== phase) {
        if (active) bar.stop();
        bar.start(status.windowSeconds, done, payload);
        active = true;
        phase = status.phase;
      } else {
        bar.update(done, payload);
      }
    },
    log(line) {
      // cli-progress has no "print above the bar": clear the line, print, and let the next update redraw.
      if (active) stream.write('\r\x1b[2K');
      stream.write(`${line}\n`);
    },
    stop() {
      if (active) bar.stop();
      active = false;
    },
  };
}

/**
 * Asks the operator on the terminal and waits for Enter. Reads standard input, so a lab
 * script can also confirm by writing a line; a closed input is an error, never a silent yes.
 */
export function askOnTerminal(log: (line: string) => void): (text: string) => Promise<void> {
  return (text) =>
    new Promise((resolve, reject) => {
      log(`>>> ${text}`);
      // A pipe left open by a lab script must not keep the finished run alive: hold stdin
      // only while a prompt waits (pipes and TTYs are sockets with ref/unref; files are not).
      const input = process.stdin as NodeJS.ReadStream & { ref?: () => void; unref?: () => void };
      input.ref?.();
      const rl = createInterface({ input, terminal: false });
      let answered = false;
      rl.once('line', () => {
        answered = true;
        rl.close();
        input.unref?.();
        resolve();
      });
      rl.once('close', () => {
        if (!answered) reject(new OperatorAbsent(`no answer to "${text}": standard input closed`));
      });
    });
}
