/**
 * `dnsconform finalise RUN_DIR`: judges and seals a live run that never reached its end (the
 * harness was killed, the power failed, the machine ran out of memory). Its evidence is on
 * disk as the run wrote it, one whole line per event; what the run would have done after
 * observing is done now, in the same order: the capture is read for DNS sent elsewhere and
 * for canary contacts, the open phases and the run are closed (at the time the evidence ends,
 * saying why), then the one judge and the one seal every run uses. The report states that the
 * run was interrupted and when its evidence ends.
 *
 * Nothing already in the run directory is changed: the closing events are appended to
 * `events.ndjson`, numbered on from its last, and every file sealing adds is created new.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { recordCapturedContacts } from '../canary-sink/record-captured-contacts.ts';
import { recordDnsSentElsewhere } from '../analysis/record-wire-dns.ts';
import { commentPhases } from '../capture/phase-comments.ts';
import { discoverChecks } from '../checks/discover.ts';
import { selectChecks } from '../checks/select-checks.ts';
import { BadInputError } from '../evidence/bad-input.ts';
import { EventLog } from '../evidence/event-log.ts';
import type { Evidence } from '../evidence/evidence.ts';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { FAILED_TO_START_SUFFIX, RUN_FILES } from '../evidence/run-directory.ts';
import { loadProfile } from '../profile/load-profile.ts';
import { FINALISATION_FILES } from '../report/bundle-files.ts';
import type { FinalisedRun } from '../report/finalise-run.ts';
import type { ResolverEndpoint } from '../report/report-types.ts';
import { loadSigningKey } from '../report/signing.ts';
import { judge } from './judge.ts';
import { runReproduction } from './live-session.ts';
import { isoFromMicros, seal } from './seal.ts';

/** The directory cannot be finalised (not a run, already sealed, failed before it started): bad input, exit 2. */
export class FinaliseInputError extends BadInputError {
  override name = 'FinaliseInputError';
}

/** What to finalise. */
export interface FinaliseOptions {
  runDir: string;
  keyDir: string;
  /** Progress lines for the terminal. */
  progress: (line: string) => void;
  mochaReporter?: string;
}

/** What finalising produced. */
export interface FinalisedInterruptedRun {
  runDir: string;
  runId: string;
  /** False when the run had ended (its `run.end` is there) but was not sealed. */
  interrupted: boolean;
  /** When the evidence ends, ISO 8601. */
  evidenceEndsAt: string;
  /** DNS queries the DUT sent to the harness during the run. */
  queries: number;
  finalised: FinalisedRun;
}

/** Refuses a directory that is not an unsealed live run, with one line saying which and why. */
function checkUnsealedRun(runDir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(runDir).isDirectory();
  } catch (error) {
    throw new FinaliseInputError(
      `${runDir}: not a run directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  if (!isDirectory) throw new FinaliseInputError(`${runDir}: not a run directory (a file)`);
  if (runDir.endsWith(FAILED_TO_START_SUFFIX))
    throw new FinaliseInputError(`${runDir}: the run failed before observation began: there is nothing to judge`);
  const sealed = FINALISATION_FILES.filter((file) => existsSync(join(runDir, file)));
  if (sealed.length > 0)
    throw new FinaliseInputError(
      `${runDir} is already finalised (${sealed.join(', ')} exist${sealed.length > 1 ? '' : 's'}); evidence is never rewritten`,
    );
  for (const file of [RUN_FILES.events, RUN_FILES.profile]) {
    if (!existsSync(join(runDir, file)))
      throw new FinaliseInputError(`${runDir} is not a live run directory: ${file} is missing`);
  }
}

/** The sockets the resolver listened on, as its `resolver.listen` events name them, each once. */
function listenedEndpoints(evidence: Evidence): ResolverEndpoint[] {
  const seen = new Map<string, ResolverEndpoint>();
  for (const { transport, address, port } of evidence.ofType('resolver.listen'))
    seen.set(`${transport}|${address}|${port}`, { transport, address, port });
  return [...seen.values()];
}

/** The latest event time in the evidence (events found in the capture afterwards may be out of file order). */
const lastTime = (evidence: Evidence): number => evidence.events.reduce((last, e) => Math.max(last, e.t), 0);

/**
 * Closes an interrupted run's evidence as the session would have: DNS and canary contacts
 * read from the capture, then each open phase and the run ended at the time the evidence
 * ends, with the reason. Returns that time (µs).
 */
async function closeInterruptedEvidence(
  runDir: string,
  runId: string,
  loaded: ReturnType<typeof loadProfile>,
  progress: (line: string) => void,
): Promise<number> {
  const eventsFile = join(runDir, RUN_FILES.events);
  const before = loadEvidence(eventsFile);
  const log = new EventLog(
    eventsFile,
    before.events.reduce((last, e) => Math.max(last, e.seq), 0),
  );
  const run = { runId, path: runDir, log };
  const dutId = loaded.profile.dut.id;
  try {
    const harness = listenedEndpoints(before).map((e) => e.address);
    const wire = await recordDnsSentElsewhere(run, loaded.profile, harness);
    if (wire.queries + wire.contacts > 0)
      progress(
        `${dutId}: the capture shows DNS sent elsewhere than the harness: ${wire.queries} queries, ${wire.contacts} encrypted contacts`,
      );
    if (wire.problem) progress(`${dutId}: ${wire.problem}`);
    const contacts = await recordCapturedContacts(run, loaded.profile);
    if (contacts.recorded > 0)
      progress(
        `${dutId}: ${contacts.recorded} canary contacts on ports the sink did not listen on, read from the capture`,
      );
    if (contacts.problem) progress(`${dutId}: ${contacts.problem}`);
    const read = loadEvidence(eventsFile);
    const end = lastTime(read);
    const reason = 'interrupted: the harness stopped before the end of the run (closed by dnsconform finalise)';
    const ended = new Set(read.ofType('phase.end').map((e) => e.name));
    for (const start of read.ofType('phase.start')) {
      if (ended.has(start.name)) continue;
      log.recordInPhase(
        { type: 'phase.end', t: end, dut: dutId, name: start.name, scenario: start.scenario, reason },
        start.name,
      );
    }
    log.recordInPhase({ type: 'run.end', t: end, dut: dutId, runId, reason }, null);
    // As a stopped capture gets them: the phase boundaries as packet comments, before the seal digests the file.
    const captureFile = join(runDir, RUN_FILES.capture);
    if (existsSync(captureFile)) {
      const commented = await commentPhases(captureFile, eventsFile);
      if ('problem' in commented) progress(`${dutId}: ${commented.problem}`);
    }
    return end;
  } finally {
    log.close();
  }
}

/** Judges and seals an interrupted run directory. */
export async function finaliseInterruptedRun(options: FinaliseOptions): Promise<FinalisedInterruptedRun> {
  const runDir = resolve(options.runDir);
  checkUnsealedRun(runDir);
  // The key first: a key directory that cannot sign leaves the run as it was found.
  loadSigningKey(options.keyDir);
  const loaded = loadProfile(join(runDir, RUN_FILES.profile));
  const eventsFile = join(runDir, RUN_FILES.events);
  const recorded = loadEvidence(eventsFile);
  const runStart = recorded.ofType('run.start')[0];
  if (runStart === undefined)
    throw new FinaliseInputError(`${eventsFile}: no run.start event: not the evidence of a run`);
  const runEnd = recorded.ofType('run.end')[0];
  const runId = runStart.runId;
  if (runId !== basename(runDir))
    options.progress(`${runDir}: its run.start names run ${runId}; the report keeps that id`);

  const interrupted = runEnd === undefined;
  const end = interrupted
    ? await closeInterruptedEvidence(runDir, runId, loaded, options.progress)
    : recorded.span().end;
  const evidence = loadEvidence(eventsFile);
  const settings = runStart.session;
  const available = await discoverChecks();
  const checks = settings?.checks ? selectChecks(available, settings.checks) : available;
  const { profile } = loaded;
  const results = await judge(evidence, profile, checks, {
    ...(options.mochaReporter ? { mochaReporter: options.mochaReporter } : {}),
  });
  const windowSeconds = settings?.windowSeconds ?? profile.observe.windowSeconds;
  const endsAt = isoFromMicros(end);
  const observed = Math.round((end - evidence.span().start) / 1e5) / 10;
  const statement = interrupted
    ? `Interrupted, evidence ends at ${endsAt}: the harness stopped ${observed} s into a planned ${windowSeconds} s of observation (killed, power lost or crashed) and wrote no more evidence. The run was judged and sealed afterwards by dnsconform finalise on the evidence it had recorded.`
    : `The run ended at ${endsAt} (${runEnd.reason ?? 'no reason recorded'}) but was not sealed then; it was judged and sealed afterwards by dnsconform finalise.`;
  const finalised = await seal(
    runDir,
    {
      evidence,
      origin: 'run',
      runId,
      profile,
      profileFile: RUN_FILES.profile,
      profileSha256: loaded.sha256,
      endpoints: listenedEndpoints(evidence),
      windowSeconds,
      results,
      scope: {
        mode: 'run',
        checks: settings?.checks ?? null,
        plan: settings?.plan ?? null,
        available: available.length,
      },
      ...(settings?.reproduction ? { reproduction: runReproduction(runId, settings.reproduction) } : {}),
      evidenceStatements: [statement],
      onProblem: (problem) => options.progress(`${profile.dut.id}: ${problem}`),
    },
    options.keyDir,
  );
  return {
    runDir,
    runId,
    interrupted,
    evidenceEndsAt: endsAt,
    queries: evidence.queries(profile.dut.id).length,
    finalised,
  };
}
