/**
 * Starts a simulated device as its own process (a real program with real sockets, not a
 * mock) and stops it. The child runs `simulated-device.ts` under tsx from any directory.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
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

const PROGRAM = join(import.meta.dirname, 'simulated-device.ts');
/**
 * tsx's loader as a file URL, so `--import` finds it whatever the child's directory.
 * (createRequire rather than import.meta.resolve: the latter is missing when tsx loads
 * this module as CommonJS, as mocha does.)
 */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const READY_TIMEOUT_MS = 10_000;
const KILL_AFTER_MS = 3_000;

/** Starts the device; resolves once it reports ready, rejects with its stderr if it does not. */
export function startSimulatedDevice(options: SimulatedDeviceOptions): Promise<SimulatedDeviceHandle> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, PROGRAM], {
    env: { ...process.env, [OPTIONS_VARIABLE]: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
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
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`simulated device ${options.dutId} ${why}${stderr ? `:\n${stderr.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`was not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    void exited.then((exit) => {
      if (ready) return;
      fail(spawnError ? `could not be started (${spawnError.message})` : `exited before it was ready (code ${exit.exitCode}, signal ${exit.signal})`);
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (ready) return;
      stdout += chunk.toString();
      if (!stdout.includes('{"ready":true}')) return;
      ready = true;
      clearTimeout(timer);
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
