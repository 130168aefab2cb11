/**
 * What `run` and `demo` share: keys, Ctrl-C handling, running a session, and printing
 * each device's verdict table.
 */
import { relative } from 'node:path';
import { runSession } from '../experiments/session.ts';
import type { DeviceRun } from '../experiments/session.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { ensureKeys } from '../report/signing.ts';
import { renderVerdictTable } from '../report/verdict-table.ts';

/** Options `run` and `demo` both take. */
export interface ObserveOptions {
  out: string;
  keys: string;
  window?: string;
  mochaReporter?: string;
}

/** A `--window` value in seconds, or a usage error naming it. */
export function parseWindow(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--window: "${raw}" is not a positive number of seconds`);
  return seconds;
}

/** Bad usage: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs a session with Ctrl-C ending observation early, then prints every device's table. */
export async function observeAndReport(profiles: LoadedProfile[], options: ObserveOptions): Promise<DeviceRun[]> {
  const windowSeconds = parseWindow(options.window);
  const keys = ensureKeys(options.keys);
  if (keys.created) console.log(`created lab signing keys in ${options.keys} (fingerprint ${keys.fingerprint}); "dnsconform keys init --dir DIR" chooses where`);
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    console.log('\ninterrupted: ending observation, keeping and judging the evidence so far (Ctrl-C again to quit now)');
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const runs = await runSession({
      profiles, outDir: options.out, keyDir: options.keys, signal: abort.signal,
      progress: (line) => console.log(line),
      ...(windowSeconds !== undefined ? { windowSeconds } : {}),
      ...(options.mochaReporter ? { mochaReporter: options.mochaReporter } : {}),
    });
    for (const run of runs) {
      console.log(`\n${renderVerdictTable(run.finalised.report, relative(process.cwd(), run.finalised.reportFile), run.queries)}`);
    }
    return runs;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
