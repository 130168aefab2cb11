/**
 * The simulated device's own log: one JSON line per action, appended synchronously so it
 * survives a kill. It is the device's self-report for people debugging a run; verdicts
 * never read it (they rest on what the harness observed).
 */
import { appendFileSync } from 'node:fs';

/** Appends one event with its fields as a JSON line. */
export type DeviceLog = (event: string, fields?: Record<string, unknown>) => void;

/** A log appending to `file`, each line stamped with the time in ms since the epoch. */
export function deviceLog(file: string): DeviceLog {
  return (event, fields = {}) => {
    appendFileSync(file, `${JSON.stringify({ t: Date.now(), event, ...fields })}\n`);
  };
}
