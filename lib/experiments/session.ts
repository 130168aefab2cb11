/**
 * One observation session: a resolver serving one or more DUTs, each with its own run
 * directory, through a single phase, then judgement of each DUT from its stored evidence
 * and a signed report. Collect, then judge: nothing here decides a verdict.
 */
import { join } from 'node:path';
import { CanaryProfileError, startCanarySink } from '../canary-sink/sink-for-profiles.ts';
import type { CanarySink } from '../canary-sink/canary-sink.ts';
import { discoverChecks } from '../checks/discover.ts';
import { judgeWithMocha } from '../checks/mocha-binding.ts';
import type { LoadedCheck } from '../checks/check-types.ts';
import { startSimulatedDevice } from '../dut/simulated-device-process.ts';
import type { DeviceExit, SimulatedDeviceHandle } from '../dut/simulated-device-process.ts';
import { nowMicros } from '../evidence/clock.ts';
import { EvidenceRouter } from '../evidence/event-log.ts';
import type { EvidenceSink } from '../evidence/event-log.ts';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { RUN_FILES, createRunDirectory } from '../evidence/run-directory.ts';
import type { RunDirectory } from '../evidence/run-directory.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import type { ListenSpec } from '../profile/profile-types.ts';
import { harnessInfo } from '../report/build-report.ts';
import { finaliseRun } from '../report/finalise-run.ts';
import type { FinalisedRun } from '../report/finalise-run.ts';
import { AdversarialResolver } from '../resolver/resolver.ts';
import type { BoundEndpoint } from '../resolver/resolver.ts';
import { parseScenario } from '../resolver/scenario.ts';
import type { Scenario } from '../resolver/scenario.ts';
import { Zone } from '../resolver/zone.ts';
import { experimentScenario } from './catalogue.ts';
import type { PlannedPhase } from './plan.ts';

export interface SessionOptions {
  profiles: readonly LoadedProfile[];
  /** Where run directories are created. */
  outDir: string;
  /** Overrides every profile's observation window (seconds). */
  windowSeconds?: number;
  /** The lab's signing keys (must exist; see `ensureKeys`). */
  keyDir: string;
  /** Progress lines for the terminal. */
  progress: (line: string) => void;
  /** Ends observation early (Ctrl-C); evidence so far is kept and judged. */
  signal?: AbortSignal;
  /** Show mocha's own reporter output while judging (`spec`, `dot`...). */
  mochaReporter?: string;
  /** The phases of a plan; without, one phase with each profile's own scenario and window. */
  phases?: PlannedPhase[];
}

/** What a session produced for one DUT. */
export interface DeviceRun {
  loaded: LoadedProfile;
  runDir: string;
  runId: string;
  /** DNS queries the DUT sent to the harness during the run. */
  queries: number;
  finalised: FinalisedRun;
}

interface PreparedDut {
  loaded: LoadedProfile;
  run: RunDirectory;
}

/** The union of every profile's listen specs, each socket once. */
function listenSpecs(profiles: readonly LoadedProfile[]): ListenSpec[] {
  const seen = new Map<string, ListenSpec>();
  for (const { profile } of profiles) {
    for (const spec of profile.resolver.listen) seen.set(`${spec.transport}|${spec.address}|${spec.port}`, spec);
  }
  return [...seen.values()];
}

/** Resolves after `ms`, or early when the signal aborts. */
function observe(ms: number, signal: AbortSignal | undefined): Promise<string> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve('interrupted');
    const onAbort = () => { clearTimeout(timer); resolve('interrupted'); };
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve('window elapsed'); }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A resolver socket could not be bound: the profile asks for an address or port this host cannot give. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** Explains a bind failure in terms of the profile that asked for the socket. */
function listenFailure(error: NodeJS.ErrnoException, profiles: readonly LoadedProfile[]): Error {
  const { address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number };
  const why: Record<string, string> = {
    EADDRNOTAVAIL: 'that address is not configured on this host',
    EACCES: 'binding a port below 1024 needs root or CAP_NET_BIND_SERVICE',
    EADDRINUSE: 'another program already listens there',
  };
  if (!error.code || !why[error.code]) return error;
  const owner = profiles.find((p) => p.profile.resolver.listen.some((l) => l.address === address));
  const index = owner?.profile.resolver.listen.findIndex((l) => l.address === address && (l.port === port || l.port === 0)) ?? -1;
  const spec = owner?.profile.resolver.listen[Math.max(index, 0)];
  const where = owner ? `${owner.file}: /resolver/listen/${Math.max(index, 0)}: ` : '';
  return new ListenError(`${where}cannot listen on ${address ?? '?'}:${port ?? spec?.port ?? '?'} (${error.code}): ${why[error.code]}`);
}

/** Where a simulated device is told its resolver is: the UDP endpoint on the resolver's first address. */
function assignedResolver(endpoints: readonly BoundEndpoint[]): { address: string; port: number } {
  const udp = endpoints.find((e) => e.transport === 'udp') ?? endpoints[0];
  if (!udp) throw new Error('the resolver listens nowhere');
  return { address: udp.address, port: udp.port };
}

/** One phase as the session runs it: a name, a window, and each DUT's scenario. */
interface SessionPhase {
  name: string;
  experiment: string;
  windowSeconds: number;
  trigger: 'power-cycle' | null;
  /** By DUT index, in profile order. */
  scenarios: Scenario[];
}

/**
 * The phases to run, every scenario parsed (and every canary filled in) up front, so bad
 * input is found before any run directory exists. Without a plan: one phase per the
 * profiles' own scenario and window.
 */
async function sessionPhases(options: SessionOptions): Promise<SessionPhase[]> {
  const { profiles } = options;
  if (!options.phases) {
    const scenarios: Scenario[] = [];
    for (const loaded of profiles) scenarios.push(await parseScenario(loaded.profile.scenario, { canaries: loaded.profile.canaries }));
    const windowSeconds = options.windowSeconds ?? Math.max(...profiles.map((p) => p.profile.observe.windowSeconds));
    const name = scenarios.every((sc) => sc.steps.length === 0) ? 'baseline' : 'profile-scenario';
    return [{ name, experiment: name, windowSeconds, trigger: null, scenarios }];
  }
  const phases: SessionPhase[] = [];
  for (const planned of options.phases) {
    const scenarios: Scenario[] = [];
    for (const loaded of profiles) scenarios.push(await experimentScenario(planned.experiment, loaded));
    phases.push({ name: planned.name, experiment: planned.experiment.id, windowSeconds: options.windowSeconds ?? planned.windowSeconds, trigger: planned.trigger, scenarios });
  }
  return phases;
}

export async function runSession(options: SessionOptions): Promise<DeviceRun[]> {
  const { profiles, progress } = options;
  const checks: LoadedCheck[] = await discoverChecks();
  const phases = await sessionPhases(options);
  const startedAt = new Date();
  const duts: PreparedDut[] = profiles.map((loaded) => ({
    loaded,
    run: createRunDirectory(options.outDir, loaded.profile.dut.id, startedAt, loaded.text),
  }));
  const idOf = (d: PreparedDut) => d.loaded.profile.dut.id;
  const sink: EvidenceSink = new EvidenceRouter(new Map(duts.map((d) => [idOf(d), d.run.log])));
  const resolver = new AdversarialResolver({
    listen: listenSpecs(profiles),
    duts: duts.map((d, i) => ({ id: idOf(d), addresses: d.loaded.profile.dut.addresses, zone: new Zone(d.loaded.profile.zone), scenario: phases[0]!.scenarios[i]! })),
    sink,
    onError: (error) => progress(`resolver socket error: ${error.message}`),
  });

  for (const d of duts) d.run.log.record({ type: 'run.start', t: nowMicros(), dut: idOf(d), runId: d.run.runId });
  let endpoints: BoundEndpoint[];
  let canarySink: CanarySink;
  try {
    endpoints = await resolver.start();
    progress(`resolver listening on ${endpoints.map((e) => `${e.transport} ${e.address}:${e.port}`).join(', ')}`);
    // Forged answers point at the canaries: a contact there proves a forged record was used.
    canarySink = await startCanarySink(profiles, sink, progress);
  } catch (error) {
    await resolver.stop();
    for (const d of duts) {
      d.run.log.record({ type: 'run.end', t: nowMicros(), dut: idOf(d), runId: d.run.runId, reason: `harness could not listen: ${(error as Error).message}` });
      d.run.log.close();
    }
    throw error instanceof CanaryProfileError ? new ListenError(error.message) : listenFailure(error as NodeJS.ErrnoException, profiles);
  }

  const devices = new Map<string, SimulatedDeviceHandle>();
  let open: SessionPhase | null = null;
  let endReason = 'window elapsed';
  const endPhase = (reason: string) => {
    for (const [i, d] of duts.entries()) {
      d.run.log.record({ type: 'phase.end', t: nowMicros(), dut: idOf(d), name: open!.name, scenario: open!.scenarios[i]!.text, reason });
      d.run.log.phase = null;
    }
    open = null;
  };
  try {
    for (const [index, phase] of phases.entries()) {
      for (const [i, d] of duts.entries()) {
        resolver.setScenario(idOf(d), phase.scenarios[i]!);
        d.run.log.phase = phase.name;
        d.run.log.record({ type: 'phase.start', t: nowMicros(), dut: idOf(d), name: phase.name, experiment: phase.experiment, scenario: phase.scenarios[i]!.text });
      }
      open = phase;
      if (index === 0) {
        for (const d of duts) await startDevice(d, endpoints, devices, progress);
      } else if (phase.trigger === 'power-cycle') {
        for (const d of duts) await powerCycle(d, endpoints, devices, progress);
      }
      const scenarioText = [...new Set(phase.scenarios.map((sc) => sc.text))].join(' / ');
      progress(`phase ${index + 1}/${phases.length} ${phase.name}: ${scenarioText}, observing for ${phase.windowSeconds} s${index === 0 ? ' (Ctrl-C ends early and keeps the evidence)' : ''}`);
      endReason = await observe(phase.windowSeconds * 1000, options.signal);
      if (endReason === 'interrupted') break;
      if (index < phases.length - 1) endPhase(endReason);
    }
  } catch (error) {
    endReason = `harness error: ${(error as Error).message}`;
    throw error;
  } finally {
    for (const [dutId, handle] of [...devices]) {
      devices.delete(dutId);
      const exit = await handle.stop();
      duts.find((d) => idOf(d) === dutId)?.run.log.record({ type: 'dut.exit', t: nowMicros(), dut: dutId, pid: handle.pid, exitCode: exit.exitCode, signal: exit.signal });
    }
    await resolver.stop();
    await canarySink.stop();
    if (open) endPhase(endReason);
    for (const d of duts) {
      d.run.log.record({ type: 'run.end', t: nowMicros(), dut: idOf(d), runId: d.run.runId, reason: endReason });
      d.run.log.close();
    }
  }

  const windowSeconds = phases.reduce((sum, phase) => sum + phase.windowSeconds, 0);
  const runs: DeviceRun[] = [];
  for (const d of duts) runs.push(await judgeAndSign(d, checks, endpoints, windowSeconds, options));
  return runs;
}

/**
 * Power-cycles a DUT at a phase boundary, so what it cached under the last phase cannot
 * hide how it treats the next one. A simulated device is restarted (its exit and start
 * are evidence); a lab operator is told to do it.
 */
async function powerCycle(d: PreparedDut, endpoints: readonly BoundEndpoint[], devices: Map<string, SimulatedDeviceHandle>, progress: (line: string) => void): Promise<void> {
  const dutId = d.loaded.profile.dut.id;
  const handle = devices.get(dutId);
  if (d.loaded.profile.device.kind !== 'simulated') {
    progress(`${dutId}: power-cycle the device now`);
    return;
  }
  if (handle) {
    devices.delete(dutId);
    const exit = await handle.stop();
    d.run.log.record({ type: 'dut.exit', t: nowMicros(), dut: dutId, pid: handle.pid, exitCode: exit.exitCode, signal: exit.signal });
  }
  await startDevice(d, endpoints, devices, progress);
}

/** Starts a DUT's simulated device (a lab device is only announced); its exit becomes evidence. */
async function startDevice(d: PreparedDut, endpoints: readonly BoundEndpoint[], devices: Map<string, SimulatedDeviceHandle>, progress: (line: string) => void): Promise<void> {
  const dutId = d.loaded.profile.dut.id;
  const device = d.loaded.profile.device;
  if (device.kind !== 'simulated') {
    progress(`${dutId}: lab device at ${d.loaded.profile.dut.addresses.join(', ')}; nothing started.${device.instructions ? ` ${device.instructions.trim()}` : ''}`);
    return;
  }
  const handle = await startSimulatedDevice({
    dutId,
    behaviour: device.behaviour,
    sourceAddress: d.loaded.profile.dut.addresses[0]!,
    resolver: assignedResolver(endpoints),
    logFile: join(d.run.path, RUN_FILES.deviceLog),
  });
  devices.set(dutId, handle);
  d.run.log.record({ type: 'dut.start', t: nowMicros(), dut: dutId, pid: handle.pid, exitCode: null, signal: null });
  handle.exited.then((exit: DeviceExit) => {
    // A device that dies during observation is evidence (liveness), not a harness error.
    if (devices.delete(dutId)) d.run.log.record({ type: 'dut.exit', t: nowMicros(), dut: dutId, pid: handle.pid, exitCode: exit.exitCode, signal: exit.signal });
  }, () => undefined);
  progress(`${dutId}: simulated device started (pid ${handle.pid}) on ${d.loaded.profile.dut.addresses.join(', ')}`);
}

/** Judges one DUT from the evidence file as stored (not from memory), then signs the report. */
async function judgeAndSign(d: PreparedDut, checks: LoadedCheck[], endpoints: BoundEndpoint[], windowSeconds: number, options: SessionOptions): Promise<DeviceRun> {
  const { profile } = d.loaded;
  const evidence = loadEvidence(join(d.run.path, RUN_FILES.events));
  const results = await judgeWithMocha(checks, evidence, { dutId: profile.dut.id, profile, eventsFile: RUN_FILES.events }, options.mochaReporter ? { reporter: options.mochaReporter } : {});
  const span = evidence.span();
  const finalised = await finaliseRun(d.run.path, {
    runId: d.run.runId,
    startedAt: new Date(span.start / 1000).toISOString(),
    endedAt: new Date(span.end / 1000).toISOString(),
    harness: harnessInfo(),
    profile,
    profileFile: RUN_FILES.profile,
    profileSha256: d.loaded.sha256,
    endpoints,
    windowSeconds,
    phases: evidence.phases(),
    results,
  }, options.keyDir);
  return { loaded: d.loaded, runDir: d.run.path, runId: d.run.runId, queries: evidence.queries(profile.dut.id).length, finalised };
}
