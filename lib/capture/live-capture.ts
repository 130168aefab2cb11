/**
 * Live packet capture during a run: `dumpcap` in a subprocess writing pcapng, filtered to
 * the hosts that matter (the DUT, its canaries). dumpcap rather than tcpdump because it is
 * the one of the two that writes pcapng, and it writes every packet through as it arrives,
 * so a crash loses nothing already seen (what tcpdump needs `-U` for).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { stopWithHarness } from '../build/stop-with-harness.ts';

/** Environment variable that names the capture tool, e.g. a full path to dumpcap. */
export const CAPTURE_TOOL_ENV = 'DNSCONFORM_DUMPCAP';

/** How long the tool may take to open the interface before the capture counts as unavailable. */
const START_TIMEOUT_MS = 15_000;
/** How long it may take to drain and exit after being told to stop, before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** Only the tail of the tool's stderr is kept: it is for explaining failures and counts. */
const STDERR_KEEP = 4096;

/** What to capture, where to, and with which tool. */
export interface LiveCaptureOptions {
  /** The pcapng file to write (must not exist). */
  file: string;
  /** Capture interface: `lo`, `eth1`, or `any`. */
  interface: string;
  /** Only packets to or from these addresses are kept; at least one. */
  hosts: readonly string[];
  /** Further BPF expressions whose packets are kept too (the DUT's DHCP, sent before it has an address). */
  alsoMatching?: readonly string[];
  /** The capture tool; default: `$DNSCONFORM_DUMPCAP`, else `dumpcap` on the PATH. */
  tool?: string;
}

/** How a capture ended, from the tool's own account. */
export interface CaptureSummary {
  /** Packets the tool wrote, or null when it did not say. */
  packets: number | null;
  /** Packets the kernel or the tool dropped, or null when it did not say. */
  dropped: number | null;
  exitCode: number | null;
  signal: string | null;
  /** The tool's last words when it exited other than by our request, else null. */
  problem: string | null;
}

/** A capture that started: stop it once, at the end of the run. */
export interface LiveCapture {
  readonly tool: string;
  readonly filter: string;
  readonly pid: number;
  stop(): Promise<CaptureSummary>;
}

/** The result of trying to start: a running capture, or why there is none. */
export type LiveCaptureStart =
  | { ok: true; capture: LiveCapture }
  | { ok: false; tool: string; filter: string; reason: string };

/** The BPF filter selecting traffic to or from any of `hosts`. */
export function hostFilter(hosts: readonly string[]): string {
  if (hosts.length === 0) throw new Error('live capture needs at least one host to filter on');
  return hosts.map((host) => `host ${host}`).join(' or ');
}

/** The capture tool to run: the option, then the environment, then `dumpcap`. */
export function captureTool(explicit?: string): string {
  return explicit ?? (process.env[CAPTURE_TOOL_ENV] || 'dumpcap');
}

/** `Packets captured: 6` and `received/dropped on interface 'lo': 6/0` from dumpcap's stderr. */
function countsFrom(stderr: string): { packets: number | null; dropped: number | null } {
  const captured = /Packets captured: (\d+)/.exec(stderr);
  const dropped = [...stderr.matchAll(/received\/dropped on interface '[^']*': \d+\/(\d+)/g)];
  return {
    packets: captured ? Number(captured[1]) : null,
    dropped: dropped.length > 0 ? dropped.reduce((sum, m) => sum + Number(m[1]), 0) : null,
  };
}

/** The last lines of the tool's stderr besides its usual chatter, for a reason a person can act on. */
function lastWords(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(Packets: |Capturing on |File: )/.test(line));
  return lines.slice(-2).join(' ') || 'no message';
}

/**
 * Starts capturing and resolves once the tool reports that it captures (`Capturing on`),
 * or with the reason it cannot: tool missing, no privilege, no such interface. Never
 * throws for those: a run without capture is still a run, with fewer decidable checks.
 */
/** Wait after dumpcap reports that it captures before relying on it (see below). */
const CAPTURE_SETTLE_MS = 300;

export function startLiveCapture(options: LiveCaptureOptions): Promise<LiveCaptureStart> {
  const tool = captureTool(options.tool);
  const filter = [
    hostFilter(options.hosts),
    ...(options.alsoMatching ?? []).map((expression) => `(${expression})`),
  ].join(' or ');
  if (existsSync(options.file)) throw new Error(`${options.file}: capture file already exists`);
  // -n pcapng (the default, stated), -s 0 whole packets. Detached, in its own process
  // group, so the terminal's Ctrl-C reaches the harness only; the harness stops the
  // capture itself after the last phase, when the last packets are in.
  const args = ['-n', '-s', '0', '-i', options.interface, '-f', filter, '-w', options.file];
  let child: ChildProcess;
  try {
    child = spawn(tool, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  } catch (error) {
    return Promise.resolve({
      ok: false,
      tool,
      filter,
      reason: `${tool} could not be started: ${(error as Error).message}`,
    });
  }
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEEP);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const forget = untilExit(child);
  // SIGINT, so that dumpcap finishes the pcapng file cleanly.
  stopWithHarness(child, 'INT');

  return new Promise<LiveCaptureStart>((resolve) => {
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      forget();
      resolve({ ok: false, tool, filter, reason });
    };
    const timer = setTimeout(
      () =>
        fail(
          `${tool} did not start capturing on ${options.interface} within ${START_TIMEOUT_MS / 1000} s: ${lastWords(stderr)}`,
        ),
      START_TIMEOUT_MS,
    );
    child.once('error', (error: NodeJS.ErrnoException) => {
      fail(
        error.code === 'ENOENT' ? `capture tool ${tool} not found` : `${tool} could not be started: ${error.message}`,
      );
    });
    child.once('exit', (code, signal) =>
      fail(`${tool} exited (${signal ?? `code ${code}`}) before capturing: ${lastWords(stderr)}`),
    );
    const onData = () => {
      if (settled || !/Capturing on /.test(stderr)) return;
      settled = true;
      clearTimeout(timer);
      child.stderr!.removeListener('data', onData);
      // dumpcap says "Capturing on" a moment before packets really reach it: on this
      // machine a connection made 3 ms after the line was missing from the file, one made
      // 16 ms after was there. A short grace keeps the first phase's packets in.
      setTimeout(
        () => resolve({ ok: true, capture: runningCapture(child, tool, filter, () => stderr, exited, forget) }),
        CAPTURE_SETTLE_MS,
      );
    };
    child.stderr!.on('data', onData);
  });
}

/** Captures still running, stopped with SIGINT if the harness exits first. */
const running = new Set<ChildProcess>();

/**
 * A harness that exits without stopping a capture (a second Ctrl-C, a crash) must not leave
 * it running behind it; SIGINT lets dumpcap finish the file properly on its own. One exit
 * listener serves every capture (a fleet run starts ten), so none piles up. Returns the
 * function that forgets the capture once it is stopped.
 */
function untilExit(child: ChildProcess): () => void {
  if (running.size === 0) process.once('exit', stopAllOnExit);
  running.add(child);
  return () => {
    running.delete(child);
    if (running.size === 0) process.removeListener('exit', stopAllOnExit);
  };
}

function stopAllOnExit(): void {
  for (const child of running) child.kill('SIGINT');
}

/** The handle of a capture that is running. */
function runningCapture(
  child: ChildProcess,
  tool: string,
  filter: string,
  stderr: () => string,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  forget: () => void,
): LiveCapture {
  let stopping: Promise<CaptureSummary> | null = null;
  let stopRequested = false;
  const stop = async (): Promise<CaptureSummary> => {
    if (child.exitCode === null && child.signalCode === null) {
      stopRequested = true;
      // SIGINT: dumpcap drains the kernel buffer, writes the interface statistics, exits 0.
      child.kill('SIGINT');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const { code, signal } = await exited;
    clearTimeout(timer);
    forget();
    const cleanExit = stopRequested && (code === 0 || signal === 'SIGINT');
    return {
      ...countsFrom(stderr()),
      exitCode: code,
      signal,
      problem: cleanExit
        ? null
        : `${tool} ended ${stopRequested ? 'uncleanly' : 'during the run'} (${signal ?? `code ${code}`}): ${lastWords(stderr())}`,
    };
  };
  return {
    tool,
    filter,
    pid: child.pid!,
    stop: () => (stopping ??= stop()),
  };
}
