/**
 * Starts a simulated device as its own process (a real program with real sockets, not a
 * mock) and stops it. The child runs the compiled `simulated-device.js` of dist/ when it is
 * fresh (node starts it in a fraction of a second), else `simulated-device.ts` under tsx.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { programArguments } from '../build/dist-build.ts';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import type { DeviceTrustAnchor } from './dnssec-validator.ts';

/** What a simulated device process is told at start. */
export interface SimulatedDeviceOptions {
  dutId: string;
  behaviour: SimulatedBehaviour;
  /** The DUT's own address (a loopback alias such as 127.0.10.2); every socket it opens binds to it. */
  sourceAddress: string;
  /** The resolver the network assigned to it (what DHCP would hand out). */
  resolver: { address: string; port: number };
  /** Where the device writes its own JSON-lines log (a self-report; verdicts never use it). */
  logFile: string;
  /** The lab CA (PEM) the device trusts for DoT/DoH, as a lab installs it on a real DUT. */
  trustedCa?: string;
  /**
   * The harness's DHCP server for the device's loopback segment (profile `network.dhcp`):
   * the device asks it for its lease at boot and renews it; option 6 names its resolver,
   * reached on `resolver.port` (the port every harness resolver of the run listens on).
   */
  dhcp?: { server: { address: string; port: number }; mac: string };
  /** The lab's DNSSEC trust anchor (the DS of the profile's signed zone), as a lab configures it on a real DUT. */
  trustAnchor?: DeviceTrustAnchor;
}

/** How a device process ended. */
export interface DeviceExit {
  exitCode: number | null;
  signal: string | null;
}

/** A running simulated device process. */
export interface SimulatedDeviceHandle {
  readonly pid: number;
  /** SIGTERM, wait for exit (SIGKILL after 3 s); resolves with how it ended. */
  stop(): Promise<DeviceExit>;
  /** Resolves when the process ends for any reason. */
  readonly exited: Promise<DeviceExit>;
}

/** The environment variable that carries the options, as JSON, to the child. */
export const OPTIONS_VARIABLE = 'DNSCONFORM_SIMULATED_DEVICE';

const PROGRAM = 'lib/dut/simulated-device.ts';
const KILL_AFTER_MS = 3_000;

/**
 * How long a starting device may go without using any CPU before it counts as hung. A start
 * is not held to a fixed time, which a loaded machine overruns (ten devices starting on two
 * busy cores): while the process keeps computing it is still starting, however slowly.
 */
export const READY_IDLE_LIMIT_MS = 8_000;
/** How often the wait looks at the child's CPU time. */
const READY_POLL_MS = 500;

/** CPU time (user + system, in clock ticks) a process has used, or null where /proc cannot tell. */
function cpuTicks(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** Starts the device; resolves once it reports ready, rejects with its stderr if it does not. */
export function startSimulatedDevice(options: SimulatedDeviceOptions): Promise<SimulatedDeviceHandle> {
  const started = Date.now();
  const child = spawn(process.execPath, programArguments(PROGRAM), {
    env: { ...process.env, [OPTIONS_VARIABLE]: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let spawnError: Error | undefined;
  const exited = new Promise<DeviceExit>((resolve) => {
    child.once('exit', (exitCode, signal) => resolve({ exitCode, signal }));
    // A process that could not be spawned emits 'error' and never 'exit'.
    child.once('error', (error) => {
      spawnError = error;
      resolve({ exitCode: null, signal: null });
    });
  });

  return new Promise((resolve, reject) => {
    let ready = false;
    const fail = (why: string) => {
      clearInterval(watch);
      child.kill('SIGKILL');
      reject(new Error(`simulated device ${options.dutId} ${why}${stderr ? `:\n${stderr.trim()}` : ''}`));
    };
    // Not ready yet: waits on while the child keeps using CPU, gives up once it has used none
    // for READY_IDLE_LIMIT_MS (where /proc cannot tell, that long after its start).
    let lastTicks = cpuTicks(child.pid);
    let lastProgress = started;
    const watch = setInterval(() => {
      const ticks = cpuTicks(child.pid);
      const now = Date.now();
      if (ticks !== null && ticks !== lastTicks) {
        lastTicks = ticks;
        lastProgress = now;
      } else if (now - lastProgress > READY_IDLE_LIMIT_MS) {
        fail(
          `was not ready ${((now - started) / 1000).toFixed(1)} s after its start and used no CPU in the last ${READY_IDLE_LIMIT_MS / 1000} s (hung, not slow)`,
        );
      }
    }, READY_POLL_MS);
    void exited.then((exit) => {
      if (ready) return;
      fail(
        spawnError
          ? `could not be started (${spawnError.message})`
          : `exited before it was ready (code ${exit.exitCode}, signal ${exit.signal})`,
      );
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (ready) return;
      stdout += chunk.toString();
      if (!stdout.includes('{"ready":true}')) return;
      ready = true;
      clearInterval(watch);
      resolve({
        pid: child.pid ?? -1,
        exited,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
            const exit = await exited;
            clearTimeout(killer);
            return exit;
          }
          return exited;
        },
      });
    });
  });
}
