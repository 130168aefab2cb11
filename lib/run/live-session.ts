/**
 * One observation session: a resolver serving one or more DUTs, each with its own run
 * directory, through a single phase, then judgement of each DUT from its stored evidence
 * and a signed report. Collect, then judge: nothing here decides a verdict.
 */
import { join } from 'node:path';
import { CanaryProfileError, startCanarySink } from '../canary-sink/sink-for-profiles.ts';
import type { CanarySink } from '../canary-sink/canary-sink.ts';
import { recordCapturedContacts } from '../canary-sink/record-captured-contacts.ts';
import { discoverChecks } from '../checks/discover.ts';
import type { LoadedCheck } from '../checks/check-types.ts';
import { queriesSentElsewhereSoFar, recordDnsSentElsewhere } from '../analysis/record-wire-dns.ts';
import { startRunCaptures } from '../capture/run-capture.ts';
import { nowMicros } from '../evidence/clock.ts';
import { EvidenceRouter } from '../evidence/event-log.ts';
import { EventTap } from '../evidence/event-tap.ts';
import type { RunSessionSettings } from '../evidence/events.ts';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { DhcpSetupError, startLabDhcp } from '../lab-network/dhcp-server.ts';
import type { LabDhcpServer } from '../lab-network/dhcp-server.ts';
import { RUN_FILES, createRunDirectory, markFailedToStart } from '../evidence/run-directory.ts';
import type { RunDirectory } from '../evidence/run-directory.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { relocateSimulated } from '../profile/relocate-simulated.ts';
import type { ListenSpec } from '../profile/profile-types.ts';
import type { FinalisedRun } from '../report/finalise-run.ts';
import type { ScopeSelection } from '../checks/select-checks.ts';
import { resolverTlsCredentials } from '../resolver/lab-certificate.ts';
import { AdversarialResolver } from '../resolver/resolver.ts';
import { portOwner } from '../resolver/port-owner.ts';
import { probeListen } from '../resolver/listen-preflight.ts';
import type { BoundEndpoint } from '../resolver/resolver.ts';
import { parseScenario } from '../resolver/scenario.ts';
import type { Scenario } from '../resolver/scenario.ts';
import { buildSignedZone } from '../resolver/signed-zone.ts';
import type { SignedZone } from '../resolver/signed-zone.ts';
import { UpstreamClient } from '../resolver/upstream.ts';
import { LiveUpstream } from '../resolver/upstream-answers.ts';
import type { NameSource, ReplayedUpstream } from '../resolver/upstream-answers.ts';
import { Zone } from '../resolver/zone.ts';
import { parseUpstreamAddress } from '../profile/upstream-address.ts';
import { scenarioDecision } from '../experiments/catalogue.ts';
import { DeviceControl, TriggerError } from '../experiments/device-control.ts';
import type { OperatorPrompt } from '../experiments/device-control.ts';
import {
  checksNeeding,
  experimentsOf,
  GrowingEventLog,
  runWideChecks,
  samplesReason,
  samplesWanted,
  settledReason,
  settledState,
} from '../experiments/early-stop.ts';
import type { SampleWait } from '../experiments/early-stop.ts';
import { LivenessMonitor } from '../experiments/liveness.ts';
import type { PhaseTrigger, PlannedPhase } from '../experiments/plan.ts';
import { BadInputError } from '../evidence/bad-input.ts';
import { judge } from './judge.ts';
import { seal } from './seal.ts';
import type { Reproduction } from '../report/build-report.ts';

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
  /** Asks the operator (lab power-cycles without a command, `trigger: operator` phases). */
  prompt?: OperatorPrompt;
  /** Called about once a second while a phase observes, for a live display. */
  status?: (status: SessionStatus) => void;
  /** The checks to judge (`--checks`); all of them when left out. */
  checks?: readonly LoadedCheck[];
  /** The `--checks` selection as given, for the report's scope (null or absent: every check). */
  checkSelection?: string | null;
  /** The plan's name or file as given, for the report's scope (absent: no plan). */
  planName?: string;
  /** The `run` options that re-run this session for one device (after `--profile`), and whether `--checks ID` narrows them. */
  reproduction?: { flags: string[]; perCheck: boolean };
  /** Recorded runs to replay upstream answers from (`--replay-zone`), by the DUT they serve. */
  replays?: ReadonlyMap<string, ReplayedUpstream>;
  /** False: each run is sealed without report.html and report.pdf (`--no-documents`). */
  documents?: boolean;
}

/** A live snapshot for the terminal: which phase, how long left, what each DUT did so far. */
export interface SessionStatus {
  phase: string;
  /** 1-based position of the phase in the plan, and the number of phases. */
  index: number;
  total: number;
  windowSeconds: number;
  secondsLeft: number;
  duts: {
    id: string;
    queries: number;
    responses: number;
    drops: number;
    canaryContacts: number;
    alive: boolean | null;
  }[];
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

/** Each run's events file as early stop reads it, kept from phase to phase so each line is parsed once. */
const growingLogs = new WeakMap<RunDirectory, GrowingEventLog>();
function growingLog(run: RunDirectory): GrowingEventLog {
  const log = growingLogs.get(run) ?? new GrowingEventLog(join(run.path, RUN_FILES.events));
  growingLogs.set(run, log);
  return log;
}

/** How often a phase with early stop re-judges its checks, and how often the status updates. */
const SETTLE_EVERY_MS = 2000;
const STATUS_EVERY_MS = 1000;

interface ObserveContext {
  index: number;
  total: number;
  duts: readonly PreparedDut[];
  checks: readonly LoadedCheck[];
  sink: EventTap;
  options: SessionOptions;
  /** How long the harness has run late so far (ms; see `lib/resolver/lateness-monitor.ts`). */
  lateMs: () => number;
  /** The harness resolver's addresses: DNS the capture shows sent to others is the DUT's own choice. */
  harness: readonly string[];
}

/**
 * Observes one phase: until its window elapses, Ctrl-C, or (plans with early stop) every
 * check that needs the phase has settled for every DUT. The window is of time the harness ran
 * on time: what it ran late meanwhile (a loaded machine) is added to it, so a phase observes
 * the devices as long on a busy machine as on a quiet one. Resolves with why it ended.
 */
async function observePhase(phase: SessionPhase, context: ObserveContext): Promise<string> {
  const { duts, checks, sink, options } = context;
  const startedAt = Date.now();
  const lateBefore = context.lateMs();
  const extension = () => Math.round(context.lateMs() - lateBefore);
  const needed = phase.earlyStop ? checksNeeding(checks, phase.experiment) : [];
  const neededExperiments = experimentsOf(needed);
  // The last phase also waits for run-wide checks short of their sample: no phase after it can give it.
  const runWide = phase.earlyStop && context.index === context.total - 1 ? runWideChecks(checks) : [];
  /** What the phase is waiting for once its own checks settled (run-wide samples), for its end reason. */
  let waiting: string | null = null;
  let waited = false;
  const logs = new Map(duts.map((d) => [d, growingLog(d.run)]));
  let nextSettle = startedAt + SETTLE_EVERY_MS;
  for (;;) {
    const now = Date.now();
    const deadline = startedAt + phase.windowSeconds * 1000 + extension();
    options.status?.({
      phase: phase.name,
      index: context.index + 1,
      total: context.total,
      windowSeconds: phase.windowSeconds,
      secondsLeft: Math.max(0, Math.round((deadline - now) / 1000)),
      duts: duts.map((d) => {
        const id = d.loaded.profile.dut.id;
        const liveness = [...sink.tally(id).liveness.values()];
        return {
          id,
          queries: sink.count(id, 'dns.query'),
          responses: sink.count(id, 'dns.response'),
          drops: sink.count(id, 'dns.drop'),
          canaryContacts: sink.count(id, 'canary.contact'),
          alive: liveness.length === 0 ? null : liveness.every(Boolean),
        };
      }),
    });
    if (now >= deadline) {
      const elapsed =
        extension() > 0
          ? `window elapsed (extended by ${(extension() / 1000).toFixed(1)} s: the harness ran late)`
          : 'window elapsed';
      return waiting === null ? elapsed : `${elapsed}; settled, but ${waiting}`;
    }
    if (needed.length > 0 && now >= nextSettle) {
      // A DUT the phase is not run for has nothing to settle.
      const judged = duts.filter((_, i) => phase.skips[i] === null);
      const contextOf = (d: PreparedDut) => ({
        dutId: d.loaded.profile.dut.id,
        profile: d.loaded.profile,
        eventsFile: RUN_FILES.events,
      });
      const states = judged.map((d) => settledState(needed, logs.get(d)!.evidenceFor(neededExperiments), contextOf(d)));
      const settled = states.every((state) => state.settled);
      const waits: { dut: string; waits: SampleWait[] }[] = [];
      for (const d of settled ? judged : []) {
        let wanted = samplesWanted(runWide, logs.get(d)!.evidenceOfRun(), contextOf(d));
        // Short on the harness's log alone: the capture so far may hold queries sent elsewhere (a hard-coded
        // resolver). A capture that cannot be read mid-write leaves the log alone to decide.
        if (wanted.length > 0) {
          const elsewhere = await queriesSentElsewhereSoFar(d.run, d.loaded.profile, context.harness).catch(() => []);
          if (elsewhere.length > 0)
            wanted = samplesWanted(runWide, logs.get(d)!.evidenceOfRun(elsewhere), contextOf(d));
        }
        if (wanted.length > 0) waits.push({ dut: contextOf(d).dutId, waits: wanted });
      }
      // Judging runs on the thread that serves the devices: it may take at most a tenth of the time.
      const took = Date.now() - now;
      nextSettle = Date.now() + Math.max(SETTLE_EVERY_MS, 9 * took);
      const after = `after ${((now - startedAt) / 1000).toFixed(1)} s of the ${phase.windowSeconds} s window`;
      waiting = waits.length === 0 ? null : waits.map((w) => samplesReason(w.dut, w.waits)).join('; ');
      if (waiting !== null) waited = true;
      else if (settled)
        return `${states.map(settledReason).join('; ')}${waited ? '; then had the run-wide samples it waited for' : ''} (${after})`;
    }
    const wait = Math.min(deadline - now, STATUS_EVERY_MS);
    if ((await pause(wait, options.signal)) === 'interrupted') return 'interrupted';
  }
}

/**
 * Does `action` to every DUT: the simulated devices all at once (a fleet restarts in the time
 * of one device, not ten), then the lab devices one after another (an operator is asked
 * about one device at a time). Settles every action before it rejects with the first error.
 */
export async function eachControl<C extends Pick<DeviceControl, 'simulated'>>(
  controls: readonly C[],
  action: (control: C) => Promise<void>,
): Promise<void> {
  const settled = await Promise.allSettled(controls.filter((c) => c.simulated).map(action));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  for (const control of controls.filter((c) => !c.simulated)) await action(control);
}

/** A failure of the lab's side of a trigger (its power-cycle command, its operator), not of the harness. */
function isTriggerFailure(error: unknown): boolean {
  return error instanceof TriggerError;
}

/** The evidence that a phase was not run for a DUT, and why. */
function skipEvent(phase: SessionPhase, dut: string, reason: string) {
  return { type: 'phase.skip' as const, t: nowMicros(), dut, name: phase.name, experiment: phase.experiment, reason };
}

/** Resolves after `ms` with 'elapsed', or early with 'interrupted' when the signal aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<'elapsed' | 'interrupted'> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve('interrupted');
    const onAbort = () => {
      clearTimeout(timer);
      resolve('interrupted');
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve('elapsed');
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A resolver socket could not be bound: the profile asks for an address or port this host cannot give. */
export class ListenError extends BadInputError {
  override name = 'ListenError';
}

/** Explains a bind failure in terms of the profile that asked for the socket. */
function listenFailure(error: NodeJS.ErrnoException, profiles: readonly LoadedProfile[]): Error {
  const { address, port, transport } = error as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
    transport?: ListenSpec['transport'];
  };
  const why: Record<string, string> = {
    EADDRNOTAVAIL: 'that address is not configured on this host',
    EACCES: 'binding a port below 1024 needs root or CAP_NET_BIND_SERVICE',
    EADDRINUSE: 'another program already listens there',
  };
  if (!error.code || !why[error.code]) return error;
  const owner = profiles.find((p) => p.profile.resolver.listen.some((l) => l.address === address));
  const index =
    owner?.profile.resolver.listen.findIndex(
      (l) => l.address === address && (l.port === port || l.port === 0) && (!transport || l.transport === transport),
    ) ?? -1;
  const spec = owner?.profile.resolver.listen[Math.max(index, 0)];
  const where = owner ? `${owner.file}: /resolver/listen/${Math.max(index, 0)}: ` : '';
  const wanted = port ?? spec?.port;
  // Which program holds it, when `ss` can tell (a lab's own dnsmasq or systemd-resolved on 53, say).
  const holder =
    error.code === 'EADDRINUSE' && address && wanted
      ? portOwner(spec?.transport === 'udp' ? 'udp' : 'tcp', address, wanted)
      : null;
  return new ListenError(
    `${where}cannot listen on ${address ?? '?'}:${wanted ?? '?'} (${error.code}): ${why[error.code]}${holder ? `: ${holder}` : ''}`,
  );
}

/**
 * Where each DUT's names outside its zone are answered from: a replayed run when one was
 * given for it, else the profile's upstream resolver (one client per upstream, shared), else
 * nowhere (the zone's NXDOMAIN).
 */
function nameSources(
  profiles: readonly LoadedProfile[],
  replays: ReadonlyMap<string, ReplayedUpstream> | undefined,
  progress: (line: string) => void,
): Map<string, NameSource> {
  const clients = new Map<string, UpstreamClient>();
  const sources = new Map<string, NameSource>();
  for (const { profile } of profiles) {
    const replay = replays?.get(profile.dut.id);
    if (replay) {
      sources.set(profile.dut.id, replay);
      progress(
        `${profile.dut.id}: names outside the zone answered from run ${replay.runId} (${replay.questions} recorded questions; upstream is not asked)`,
      );
      continue;
    }
    if (profile.resolver.upstream === undefined) continue;
    const server = parseUpstreamAddress(profile.resolver.upstream);
    const key = `${server.address}|${server.port}`;
    const client = clients.get(key) ?? new UpstreamClient(server);
    clients.set(key, client);
    sources.set(profile.dut.id, new LiveUpstream(client));
    progress(
      `${profile.dut.id}: names outside the zone asked of upstream ${profile.resolver.upstream}, every answer recorded`,
    );
  }
  return sources;
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
  trigger: PhaseTrigger | null;
  prompt: string | null;
  earlyStop: boolean;
  /** By DUT index, in profile order. A DUT the phase is not run for gets no manipulation. */
  scenarios: Scenario[];
  /** By DUT index: why the phase is not run for that DUT (a canary family its profile lacks), or null. */
  skips: (string | null)[];
  /** What the lab's DHCP server does as the phase starts. */
  dhcp: 'change-resolver' | null;
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
    for (const loaded of profiles)
      scenarios.push(await parseScenario(loaded.profile.scenario, { canaries: loaded.profile.canaries }));
    const windowSeconds = options.windowSeconds ?? Math.max(...profiles.map((p) => p.profile.observe.windowSeconds));
    const name = scenarios.every((sc) => sc.steps.length === 0) ? 'baseline' : 'profile-scenario';
    const skips = scenarios.map(() => null);
    return [
      {
        name,
        experiment: name,
        windowSeconds,
        trigger: null,
        prompt: null,
        earlyStop: false,
        scenarios,
        skips,
        dhcp: null,
      },
    ];
  }
  const phases: SessionPhase[] = [];
  for (const planned of options.phases) {
    // A phase that acts through the lab's DHCP server needs a DUT on a segment the harness runs.
    if (planned.experiment.dhcp && !profiles.some((p) => p.profile.network?.dhcp)) {
      options.progress(
        `phase ${planned.name} left out: it needs a profile with network.dhcp (the harness's DHCP server)`,
      );
      continue;
    }
    // A DNSSEC experiment breaks signatures of the lab's signed zone: without one it would only repeat the baseline.
    if (planned.experiment.needsSignedZone && !profiles.some((p) => p.profile.signedZone)) {
      options.progress(
        `phase ${planned.name} left out: it needs a profile with signedZone (a DNSSEC-signed zone in the lab)`,
      );
      continue;
    }
    // An experiment forging into a canary family a profile lacks is not run for that DUT (issue 13 point 6).
    const scenarios: Scenario[] = [];
    const skips: (string | null)[] = [];
    for (const loaded of profiles) {
      const decision = await scenarioDecision(planned.experiment, loaded);
      scenarios.push(decision.run ? decision.scenario : await parseScenario([], { canaries: loaded.profile.canaries }));
      skips.push(decision.run ? null : decision.reason);
    }
    phases.push({
      name: planned.name,
      experiment: planned.experiment.id,
      windowSeconds: options.windowSeconds ?? planned.windowSeconds,
      trigger: planned.trigger,
      prompt: planned.prompt,
      earlyStop: planned.earlyStop,
      scenarios,
      skips,
      dhcp: planned.experiment.dhcp ?? null,
    });
  }
  return phases;
}

/**
 * Runs a session. Simulated devices first get loopback blocks no other session holds (their
 * own when free, so two demos at once never collide); the blocks are held until it ends.
 */
export async function runSession(options: SessionOptions): Promise<DeviceRun[]> {
  const relocated = await relocateSimulated(options.profiles);
  try {
    for (const [from, to] of relocated.moved)
      options.progress(
        `loopback ${from}0/24 is held by another session or program: simulated devices moved to ${to}0/24`,
      );
    return await runSessionOnHeldAddresses({ ...options, profiles: relocated.profiles });
  } finally {
    await relocated.release();
  }
}

async function runSessionOnHeldAddresses(options: SessionOptions): Promise<DeviceRun[]> {
  const { profiles, progress } = options;
  const available = await discoverChecks();
  const checks: LoadedCheck[] = options.checks ? [...options.checks] : available;
  const phases = await sessionPhases(options);
  // Before any run directory exists: a key directory that cannot hold the lab certificate leaves nothing half-made.
  // Before any run directory exists: a resolver address or port this host cannot give (taken, and by whom) is said now.
  const unavailable = await probeListen(listenSpecs(profiles));
  if (unavailable) throw listenFailure(unavailable, profiles);
  const resolverName = profiles.find((p) => p.profile.resolver.name)?.profile.resolver.name;
  const tls = await resolverTlsCredentials(options.keyDir, listenSpecs(profiles), resolverName);
  const startedAt = new Date();
  const duts: PreparedDut[] = [];
  const idOf = (d: PreparedDut) => d.loaded.profile.dut.id;
  let signedZones: (SignedZone | undefined)[];
  try {
    for (const loaded of profiles)
      duts.push({ loaded, run: createRunDirectory(options.outDir, loaded.profile.dut.id, startedAt, loaded.text) });
    // A profile's signed zone is signed into its run directory (zone files and trust anchor kept as evidence).
    signedZones = await Promise.all(
      duts.map(({ loaded: { profile }, run }) =>
        profile.signedZone
          ? buildSignedZone(profile.signedZone, profile.zone, join(run.path, 'dnssec'), profile.canaries)
          : undefined,
      ),
    );
  } catch (error) {
    notStarted(duts, `harness could not prepare the run: ${(error as Error).message}`, progress);
    throw error;
  }
  const sink = new EventTap(new EvidenceRouter(new Map(duts.map((d) => [idOf(d), d.run.log]))));
  const names = nameSources(profiles, options.replays, progress);
  const resolver = new AdversarialResolver({
    listen: listenSpecs(profiles),
    duts: duts.map((d, i) => ({
      id: idOf(d),
      addresses: d.loaded.profile.dut.addresses,
      zone: new Zone(d.loaded.profile.zone),
      scenario: phases[0]!.scenarios[i]!,
      ...(signedZones[i] ? { signedZone: signedZones[i] } : {}),
      names: names.get(idOf(d)) ?? null,
    })),
    sink,
    onError: (error) => progress(`resolver socket error: ${error.message}`),
    ...(tls ? { tls } : {}),
    ...(resolverName ? { name: resolverName } : {}),
  });
  const trustedCa = tls?.caCertPem;

  // What the run was asked to do, in its evidence: `finalise` seals a run cut short from it as this run would have.
  const session: RunSessionSettings = {
    // The phases that run for at least one DUT: one every DUT skips is not observed.
    windowSeconds: phases
      .filter((phase) => phase.skips.some((reason) => reason === null))
      .reduce((sum, phase) => sum + phase.windowSeconds, 0),
    checks: options.checkSelection ?? null,
    plan: options.planName ?? null,
    reproduction: options.reproduction ?? null,
  };
  for (const d of duts)
    d.run.log.record({ type: 'run.start', t: nowMicros(), dut: idOf(d), runId: d.run.runId, session });
  let endpoints: BoundEndpoint[];
  let canarySink: CanarySink;
  try {
    endpoints = await resolver.start();
    progress(`resolver listening on ${endpoints.map((e) => `${e.transport} ${e.address}:${e.port}`).join(', ')}`);
    // Forged answers point at the canaries: a contact there proves a forged record was used.
    canarySink = await startCanarySink(profiles, sink, progress);
  } catch (error) {
    await resolver.stop();
    notStarted(duts, `harness could not listen: ${(error as Error).message}`, progress);
    throw error instanceof CanaryProfileError
      ? new ListenError(error.message)
      : listenFailure(error as NodeJS.ErrnoException, profiles);
  }

  const controls = duts.map(
    (d, i) =>
      new DeviceControl(
        d.loaded,
        d.run,
        assignedResolver(endpoints),
        progress,
        options.prompt,
        trustedCa,
        signedZones[i]?.trustAnchor,
      ),
  );
  const monitors = duts.flatMap((d) => {
    const spec = d.loaded.profile.liveness;
    if (!spec) return [];
    return [
      new LivenessMonitor(
        spec,
        {
          dutId: idOf(d),
          address: d.loaded.profile.dut.addresses[0]!,
          lastQueryAt: () => sink.tally(idOf(d)).lastQueryAt,
        },
        sink,
      ),
    ];
  });
  let open: SessionPhase | null = null;
  let endReason = 'window elapsed';
  let triggerFailure: Error | null = null;
  const endPhase = (reason: string) => {
    for (const [i, d] of duts.entries()) {
      d.run.log.record({
        type: 'phase.end',
        t: nowMicros(),
        dut: idOf(d),
        name: open!.name,
        scenario: open!.scenarios[i]!.text,
        reason,
      });
      d.run.log.phase = null;
    }
    open = null;
  };
  // Live capture (issue 4): before the first phase, stopped after the DUTs and the resolver.
  let captures: Awaited<ReturnType<typeof startRunCaptures>>;
  try {
    captures = await startRunCaptures(
      duts.map((d) => ({ profile: d.loaded.profile, run: d.run })),
      progress,
      checks.filter((c) => c.meta.requires?.includes('capture')).map((c) => c.id),
    );
  } catch (error) {
    await Promise.all([resolver.stop(), canarySink.stop()]);
    notStarted(duts, `harness could not start the capture: ${(error as Error).message}`, progress);
    throw error;
  }
  // The lab segment's DHCP (issue 13) after the capture, so the first lease is in it.
  let dhcpServers: LabDhcpServer[];
  try {
    dhcpServers = await startLabDhcp(
      profiles.map((p) => p.profile),
      new Map(duts.map((d) => [idOf(d), d.run.path])),
      sink,
      progress,
    );
  } catch (error) {
    await Promise.all([resolver.stop(), canarySink.stop(), captures.stop()]);
    notStarted(duts, `harness could not run DHCP: ${(error as Error).message}`, progress);
    throw error instanceof DhcpSetupError ? new ListenError(error.message) : error;
  }
  // Simulated devices on a loopback segment get their leases from it (lab devices find theirs on the wire).
  for (const server of dhcpServers) {
    const endpoint = server.loopbackEndpoint;
    if (!endpoint) continue;
    for (const control of controls) if (server.dutIds.includes(control.dutId)) control.useDhcpServer(endpoint);
  }
  try {
    // The devices start with the first phase that runs; a power-cycle owed by a phase not run is done before the next.
    let started = false;
    let owedPowerCycle = false;
    for (const [index, phase] of phases.entries()) {
      const label = `phase ${index + 1}/${phases.length} ${phase.name}`;
      if (phase.skips.every((reason) => reason !== null)) {
        // Run for no DUT: no window at all; each DUT's evidence says why.
        for (const [i, d] of duts.entries()) d.run.log.record(skipEvent(phase, idOf(d), phase.skips[i]!));
        progress(`${label}: not run: ${[...new Set(phase.skips)].join('; ')}`);
        owedPowerCycle ||= phase.trigger === 'power-cycle';
        continue;
      }
      const powerCycle = started && (phase.trigger === 'power-cycle' || owedPowerCycle);
      if (powerCycle) {
        // The devices go down before the phase starts (simulated devices stop, lab devices' commands
        // cycle them): a device still running under the new scenario while it is being cycled
        // (seconds on a loaded machine, a PDU's off time) would take its answers and act on its old
        // cache inside the phase, then forget it all at the restart.
        try {
          await eachControl(controls, (control) => control.powerCycleBeforePhase());
        } catch (error) {
          // The phase never starts: each DUT's evidence says why (the report lists it as not run).
          if (isTriggerFailure(error))
            for (const [i, d] of duts.entries())
              d.run.log.record(
                skipEvent(phase, idOf(d), phase.skips[i] ?? `the run stopped: ${(error as Error).message}`),
              );
          throw error;
        }
      }
      for (const [i, d] of duts.entries()) {
        resolver.setScenario(idOf(d), phase.scenarios[i]!);
        d.run.log.phase = phase.name;
        const skip = phase.skips[i];
        if (skip) {
          d.run.log.record(skipEvent(phase, idOf(d), skip));
          progress(`${label}: not run for ${idOf(d)}: ${skip}`);
          continue;
        }
        d.run.log.record({
          type: 'phase.start',
          t: nowMicros(),
          dut: idOf(d),
          name: phase.name,
          experiment: phase.experiment,
          scenario: phase.scenarios[i]!.text,
        });
      }
      open = phase;
      if (phase.dhcp === 'change-resolver') {
        for (const server of dhcpServers) await server.changeResolver();
      }
      const first = !started;
      if (first) {
        await eachControl(controls, (control) => control.start());
        for (const monitor of monitors) monitor.start();
        started = true;
      } else if (powerCycle) {
        await eachControl(controls, (control) => control.powerCycleInPhase(options.signal));
      }
      owedPowerCycle = false;
      if (phase.trigger === 'operator') {
        for (const control of controls) await control.askOperator(phase.prompt ?? `prepare ${phase.name}`);
      }
      const scenarioText = [
        ...new Set(phase.scenarios.filter((_, i) => phase.skips[i] === null).map((sc) => sc.text)),
      ].join(' / ');
      progress(
        `${label}: ${scenarioText}, observing for ${phase.windowSeconds} s${first ? ' (Ctrl-C ends early and keeps the evidence)' : ''}`,
      );
      endReason = await observePhase(phase, {
        index,
        total: phases.length,
        duts,
        checks,
        sink,
        options,
        lateMs: () => resolver.lateMs,
        harness: endpoints.map((e) => e.address),
      });
      if (endReason === 'interrupted') break;
      if (index < phases.length - 1) endPhase(endReason);
    }
  } catch (error) {
    // A failed power-cycle or an absent operator ends the run like Ctrl-C: the evidence so
    // far is judged and signed, then the caller hears why (exit 2). Anything else is ours.
    if (!isTriggerFailure(error)) {
      endReason = `harness error: ${(error as Error).message}`;
      throw error;
    }
    endReason = `stopped: ${(error as Error).message}`;
    triggerFailure = error as Error;
  } finally {
    await Promise.all(monitors.map((monitor) => monitor.stop()));
    await eachControl(controls, (control) => control.stop());
    await Promise.all(dhcpServers.map((server) => server.stop()));
    await resolver.stop();
    await canarySink.stop();
    if (open) endPhase(endReason);
    await captures.stop();
    for (const d of duts) {
      const wire = await recordDnsSentElsewhere(
        d.run,
        d.loaded.profile,
        endpoints.map((e) => e.address),
      );
      if (wire.queries + wire.contacts > 0)
        progress(
          `${idOf(d)}: the capture shows DNS sent elsewhere than the harness: ${wire.queries} queries, ${wire.contacts} encrypted contacts`,
        );
      if (wire.problem) progress(`${idOf(d)}: ${wire.problem}`);
      const contacts = await recordCapturedContacts(d.run, d.loaded.profile);
      if (contacts.recorded > 0)
        progress(
          `${idOf(d)}: ${contacts.recorded} canary contacts on ports the sink did not listen on, read from the capture`,
        );
      if (contacts.problem) progress(`${idOf(d)}: ${contacts.problem}`);
    }
    for (const d of duts) {
      d.run.log.record({ type: 'run.end', t: nowMicros(), dut: idOf(d), runId: d.run.runId, reason: endReason });
      d.run.log.close();
    }
  }

  const { windowSeconds } = session;
  const scope: ScopeSelection = {
    mode: 'run',
    checks: options.checkSelection ?? null,
    plan: options.planName ?? null,
    available: available.length,
  };
  // Each DUT's judgement, figures and signed documents are its own: done side by side, not one after another.
  const runs: DeviceRun[] = await Promise.all(
    duts.map((d) => judgeAndSign(d, checks, scope, endpoints, windowSeconds, options)),
  );
  if (triggerFailure) throw Object.assign(triggerFailure, { runs });
  return runs;
}

/** The command that re-runs run `runId` for one device: `dnsconform run --profile RUN/profile.yaml` and the run's own flags. */
export function runReproduction(runId: string, settings: { flags: string[]; perCheck: boolean }): Reproduction {
  return {
    command: ['dnsconform', 'run', '--profile', `${runId}/${RUN_FILES.profile}`, ...settings.flags],
    perCheck: settings.perCheck,
  };
}

/**
 * Ends each run directory of a run that could not start: its evidence closed with a
 * `run.end` saying why, and the directory renamed `<run-id>-failed-to-start`, so no one
 * takes it for a run (`finalise` refuses it) and nothing in it is lost.
 */
function notStarted(duts: readonly PreparedDut[], reason: string, progress: (line: string) => void): void {
  for (const d of duts) {
    d.run.log.record({ type: 'run.end', t: nowMicros(), dut: d.loaded.profile.dut.id, runId: d.run.runId, reason });
    d.run.log.close();
    progress(`run did not start: its directory is kept as ${markFailedToStart(d.run.path)}`);
  }
}

/** Judges one DUT from the evidence file as stored (not from memory), then seals its run directory. */
async function judgeAndSign(
  d: PreparedDut,
  checks: LoadedCheck[],
  scope: ScopeSelection,
  endpoints: BoundEndpoint[],
  windowSeconds: number,
  options: SessionOptions,
): Promise<DeviceRun> {
  const { profile } = d.loaded;
  const evidence = loadEvidence(join(d.run.path, RUN_FILES.events));
  const results = await judge(evidence, profile, checks, {
    ...(options.mochaReporter ? { mochaReporter: options.mochaReporter } : {}),
  });
  const finalised = await seal(
    d.run.path,
    {
      evidence,
      origin: 'run',
      runId: d.run.runId,
      profile,
      profileFile: RUN_FILES.profile,
      profileSha256: d.loaded.sha256,
      endpoints,
      windowSeconds,
      results,
      scope,
      ...(options.reproduction ? { reproduction: runReproduction(d.run.runId, options.reproduction) } : {}),
      onProblem: (problem) => options.progress(`${profile.dut.id}: ${problem}`),
      documents: options.documents,
    },
    options.keyDir,
  );
  return {
    loaded: d.loaded,
    runDir: d.run.path,
    runId: d.run.runId,
    queries: evidence.queries(profile.dut.id).length,
    finalised,
  };
}
