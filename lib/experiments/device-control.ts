/**
 * What the harness does to a DUT between phases: start it, power-cycle it, ask the
 * operator. A simulated device is a process the harness owns; a lab device is power-cycled
 * by the profile's command (a switched PDU, a smart plug) or, without one, by the operator
 * at a prompt. Every action is a `trigger` / `dut.*` event, so the evidence shows why the
 * DUT's cache was empty when a phase began.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { DeviceTrustAnchor } from '../dut/dnssec-validator.ts';
import { startSimulatedDevice } from '../dut/simulated-device-process.ts';
import type { DeviceExit, SimulatedDeviceHandle } from '../dut/simulated-device-process.ts';
import { nowMicros } from '../evidence/clock.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';
import type { RunDirectory } from '../evidence/run-directory.ts';
import type { TriggerEvent } from '../evidence/events.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { BadInputError } from '../evidence/bad-input.ts';

/** Asks the operator to do something and resolves once they confirm (Enter). */
export type OperatorPrompt = (text: string) => Promise<void>;

/** A power-cycle command failed or timed out: the run cannot go on meaningfully. */
export class TriggerError extends BadInputError {
  override name = 'TriggerError';
}

/** The operator could not be asked (standard input closed): the plan needs one. */
export class OperatorAbsent extends TriggerError {
  override name = 'OperatorAbsent';
}

/** Runs `command` through /bin/sh with a timeout; resolves with its exit code. */
export function runCommand(
  command: string,
  timeoutSeconds: number,
): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutSeconds * 1000,
      killSignal: 'SIGKILL',
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-2000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('close', (code, signal) =>
      resolve({ exitCode: signal === 'SIGKILL' ? null : code, output: output.trim() }),
    );
  });
}

/** Resolves after `ms`, or early when the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Controls one DUT for a session. */
export class DeviceControl {
  private handle: SimulatedDeviceHandle | null = null;
  /** The harness's DHCP server on the simulated device's loopback segment, once it serves (network.dhcp). */
  private dhcpServer: { address: string; port: number } | null = null;

  constructor(
    private readonly loaded: LoadedProfile,
    private readonly run: RunDirectory,
    private readonly resolver: { address: string; port: number },
    private readonly progress: (line: string) => void,
    private readonly prompt: OperatorPrompt | undefined,
    /** The lab CA's certificate (PEM), installed on a simulated device as a lab would. */
    private readonly trustedCa?: string,
    /** The trust anchor of the profile's signed zone, configured on a simulated device as a lab would (its `dnssec` knob decides whether it validates). */
    private readonly trustAnchor?: DeviceTrustAnchor,
  ) {}

  get dutId(): string {
    return this.loaded.profile.dut.id;
  }

  /** A simulated device started from now on asks this DHCP server for its lease and renews it. */
  useDhcpServer(server: { address: string; port: number }): void {
    this.dhcpServer = server;
  }

  /** A simulated device (the harness starts and restarts it); otherwise a lab device. */
  get simulated(): boolean {
    return this.loaded.profile.device.kind === 'simulated';
  }

  /** Starts a simulated device (a lab device is only announced); its exit becomes evidence. */
  async start(): Promise<void> {
    const { profile } = this.loaded;
    const device = profile.device;
    if (device.kind !== 'simulated') {
      this.progress(
        `${this.dutId}: lab device at ${profile.dut.addresses.join(', ')}; nothing started.${device.instructions ? ` ${device.instructions.trim()}` : ''}`,
      );
      return;
    }
    const handle = await startSimulatedDevice({
      dutId: this.dutId,
      behaviour: device.behaviour,
      sourceAddress: profile.dut.addresses[0]!,
      resolver: this.resolver,
      logFile: join(this.run.path, RUN_FILES.deviceLog),
      ...(this.trustedCa ? { trustedCa: this.trustedCa } : {}),
      ...(this.trustAnchor ? { trustAnchor: this.trustAnchor } : {}),
      ...(this.dhcpServer && profile.dut.mac ? { dhcp: { server: this.dhcpServer, mac: profile.dut.mac } } : {}),
    });
    this.handle = handle;
    this.run.log.record({
      type: 'dut.start',
      t: nowMicros(),
      dut: this.dutId,
      pid: handle.pid,
      exitCode: null,
      signal: null,
    });
    handle.exited.then(
      (exit: DeviceExit) => {
        // A device that dies during observation is evidence (liveness), not a harness error.
        if (this.handle === handle) {
          this.handle = null;
          this.recordExit(handle, exit);
        }
      },
      () => undefined,
    );
    this.progress(`${this.dutId}: simulated device started (pid ${handle.pid}) on ${profile.dut.addresses.join(', ')}`);
  }

  /** Stops a simulated device the harness started; nothing for a lab device. */
  async stop(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    this.handle = null;
    this.recordExit(handle, await handle.stop());
  }

  /**
   * The first half of a power-cycle at a phase boundary, done before the phase starts (outside
   * every phase, before its scenario is set), so no instance of the DUT that still holds what it
   * cached under the last phase meets the next one: a simulated device is stopped; a lab device's
   * command cycles it whole (it comes up, and boots, once the phase has started: see
   * {@link powerCycleInPhase}). A failing command throws a {@link TriggerError}. A lab device
   * without a command is left to the operator in the phase: the harness cannot tell when it was
   * powered on again, and a device booting before the phase starts would fill its cache from
   * the last phase's scenario.
   */
  async powerCycleBeforePhase(): Promise<void> {
    const device = this.loaded.profile.device;
    if (device.kind === 'simulated') return this.stop();
    const command = device.powerCycle?.command;
    if (command === undefined) return;
    const { timeoutSeconds } = device.powerCycle!;
    this.progress(`${this.dutId}: power-cycling: ${command}`);
    const { exitCode, output } = await runCommand(command, timeoutSeconds);
    this.run.log.record({
      type: 'trigger',
      t: nowMicros(),
      dut: this.dutId,
      trigger: 'power-cycle',
      action: command,
      exitCode,
    });
    if (exitCode !== 0) {
      const how = exitCode === null ? `did not finish within ${timeoutSeconds} s` : `exited with ${exitCode}`;
      throw new TriggerError(
        `${this.loaded.file}: /device/powerCycle/command: "${command}" ${how}${output ? `: ${output}` : ''}`,
      );
    }
  }

  /**
   * The second half, once the phase has started: a simulated device is started again; a lab
   * device cycled by its command is given `bootSeconds` to boot; one without a command is
   * power-cycled by the operator (recorded as a power-cycle, so the evidence shows the restart),
   * then given its boot time.
   */
  async powerCycleInPhase(signal?: AbortSignal): Promise<void> {
    const device = this.loaded.profile.device;
    if (device.kind === 'simulated') {
      this.run.log.record({
        type: 'trigger',
        t: nowMicros(),
        dut: this.dutId,
        trigger: 'power-cycle',
        action: 'restart the simulated device',
        exitCode: null,
      });
      return this.start();
    }
    const spec = device.powerCycle ?? { timeoutSeconds: 120, bootSeconds: 0 };
    if (spec.command === undefined)
      await this.askOperator(
        `power-cycle ${this.dutId} (${this.loaded.profile.dut.addresses.join(', ')}) now`,
        'power-cycle',
      );
    if (spec.bootSeconds > 0) {
      this.progress(`${this.dutId}: waiting ${spec.bootSeconds} s for it to boot`);
      await pause(spec.bootSeconds * 1000, signal);
    }
  }

  /**
   * Shows the operator what to do and waits for Enter; the prompt and its answer are evidence,
   * as a `trigger` of the kind given (a power-cycle the operator did is a power-cycle).
   */
  async askOperator(text: string, trigger: TriggerEvent['trigger'] = 'operator'): Promise<void> {
    if (!this.prompt)
      throw new OperatorAbsent(
        `${this.dutId}: the plan needs the operator ("${text}") but this run has no terminal to ask on`,
      );
    await this.prompt(`${this.dutId}: ${text}, then press Enter`);
    this.run.log.record({
      type: 'trigger',
      t: nowMicros(),
      dut: this.dutId,
      trigger,
      action: text,
      exitCode: null,
    });
  }

  private recordExit(handle: SimulatedDeviceHandle, exit: DeviceExit): void {
    this.run.log.record({
      type: 'dut.exit',
      t: nowMicros(),
      dut: this.dutId,
      pid: handle.pid,
      exitCode: exit.exitCode,
      signal: exit.signal,
    });
  }
}
