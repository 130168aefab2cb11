/**
 * Passive analysis of imported captures (`dnsconform analyze`): one device's DNS traffic
 * pooled from one or more pcap/pcapng files in time order, written as a run directory
 * like `run` writes one (evidence, signed report, manifest), judged by the checks that
 * passive evidence can decide, and summarised as the paper's metrics.
 *
 * Memory stays about the same however large the captures: the device's messages are put
 * in time order by an external sort, each event is written to `events.ndjson` as it is
 * built (and folded into the metrics) rather than kept, and the checks judge a
 * {@link StoredEvidence}, a compact index of that file whose rows spill to a temporary file.
 * Judging and sealing are the run pipeline's own (`judge.ts`, `seal.ts`), as for a live run.
 *
 * The captures themselves are not copied into the run directory: they can be gigabytes,
 * and every DNS message a verdict rests on is already in `events.ndjson` with its wire
 * bytes and its file and frame number. `analysis.json` names each capture by absolute path,
 * SHA-256 and size, so the manifest's signature covers exactly which files were judged.
 */
import { mkdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { setImmediate } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { readCapturesInBackground } from '../capture/background-read.ts';
import type { CaptureRead } from '../capture/capture-evidence.ts';
import { normaliseMac } from '../capture/link-layers.ts';
import { hashFilesInBackground } from '../evidence/background-hash.ts';
import type { BackgroundHash } from '../evidence/background-hash.ts';
import type { EventStore } from '../evidence/event-store.ts';
import type { Evidence } from '../evidence/evidence.ts';
import type { EvidenceEvent } from '../evidence/events.ts';
import { hashFile } from '../evidence/manifest.ts';
import { markStage } from '../evidence/stage-marks.ts';
import type { FileDigest } from '../evidence/manifest.ts';
import { badPath } from '../evidence/bad-input.ts';
import { createFreshRunDirectory, RUN_FILES } from '../evidence/run-directory.ts';
import { StoredEventLog, StoredEvidence } from '../evidence/stored-evidence.ts';
import type { Profile } from '../profile/profile-types.ts';
import type { FinalisedRun } from '../report/finalise-run.ts';
import type { AnalyzeOutput, CaptureInput } from '../analysis/analyze-output.ts';
import { interleaveEncryptedContacts } from '../analysis/encrypted-contact-events.ts';
import { PassiveMetricsFold } from '../analysis/passive-metrics.ts';
import type { PassiveMetrics } from '../analysis/passive-metrics.ts';
import { publicResolverList } from '../analysis/resolver-use.ts';
import { BadInputError } from '../evidence/bad-input.ts';
import { DEFAULT_TTL_COMPLIANCE, ttlCompliance } from '../analysis/ttl-compliance.ts';

/**
 * The judging and sealing modules and the checks: loaded while the captures are read on a
 * worker thread (they take about a second to load, the ajv schemas compiled with them).
 */
async function loadJudging() {
  const [{ judge }, { seal }, { discoverChecks }, { selectChecks }, { analyzeOutput }] = await Promise.all([
    import('./judge.ts'),
    import('./seal.ts'),
    import('../checks/discover.ts'),
    import('../checks/select-checks.ts'),
    import('../analysis/analyze-output.ts'),
  ]);
  return { judge, seal, selectChecks, analyzeOutput, available: await discoverChecks() };
}

/** What {@link loadJudging} loads. */
type JudgingModules = Awaited<ReturnType<typeof loadJudging>>;

/** The file in the run directory that records what was analysed (it stands where `run` keeps the profile). */
export const ANALYSIS_FILE = 'analysis.json';

/** Bad input to `analyze` (exit code 2): the message names the argument or file. */
export class AnalyzeInputError extends BadInputError {
  override name = 'AnalyzeInputError';
}

/** What to analyse. */
export interface AnalyzeOptions {
  captures: readonly string[];
  /** `--device` values: a MAC address, an IP address, or one of each. */
  device: readonly string[];
  /** Resolver addresses the network assigned. */
  resolvers: readonly string[];
  /** A file of public resolvers beyond the built-in list: `ADDRESS [OPERATOR]` a line, `#` comments. */
  publicResolversFile?: string;
  outDir: string;
  keyDir: string;
  mochaReporter?: string;
  /** `--checks`: judge only these checks (ids or topics), as `run --checks` does. */
  checks?: string;
  /** False: seal the run without report.html and report.pdf (`--no-documents`). */
  documents?: boolean;
  /** When the analysis ran (names the run directory); now when absent. */
  now?: Date;
}

/** What an analysis produced. */
export interface AnalyzeResult {
  output: AnalyzeOutput;
  runDir: string;
  finalised: FinalisedRun;
  /** True when a capture could not be read to its end. */
  partial: boolean;
  problems: string[];
}

/** The device selector from the `--device` values. */
export function deviceSelector(values: readonly string[]): { mac?: string; ip?: string } {
  const selector: { mac?: string; ip?: string } = {};
  for (const value of values) {
    if (isIP(value) !== 0) {
      if (selector.ip !== undefined)
        throw new AnalyzeInputError(
          `--device: two IP addresses (${selector.ip}, ${value}); give one MAC and/or one IP`,
        );
      selector.ip = value;
      continue;
    }
    const mac = normaliseMac(value);
    if (mac === null) throw new AnalyzeInputError(`--device: "${value}" is neither a MAC address nor an IP address`);
    if (selector.mac !== undefined)
      throw new AnalyzeInputError(`--device: two MAC addresses (${selector.mac}, ${mac}); give one MAC and/or one IP`);
    selector.mac = mac;
  }
  if (selector.mac === undefined && selector.ip === undefined)
    throw new AnalyzeInputError('--device MAC|IP is required');
  return selector;
}

/** Reads a public resolver list file; a bad line is an error naming the file and line. */
export function readPublicResolvers(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AnalyzeInputError(
      `${file}: cannot read the public resolver list (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  const list: Record<string, string> = {};
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const [address, ...operator] = line.split(/\s+/);
    if (isIP(address!) === 0)
      throw new AnalyzeInputError(`${file}: line ${index + 1}: "${address}" is not an IP address`);
    list[address!] = operator.length > 0 ? operator.join(' ') : `listed in ${basename(file)}`;
  });
  return list;
}

/** The DUT id from the selector: `capture-` and the MAC's hex digits, else the IP's. */
function dutIdOf(selector: { mac?: string; ip?: string }): string {
  const raw = selector.mac ?? selector.ip!;
  return `capture-${raw
    .toLowerCase()
    .replace(/[^0-9a-f]+/g, '-')
    .replace(/^-|-$/g, '')}`.slice(0, 63);
}

/** Checks every capture is a readable file before any work, naming the one that is not. */
function checkCaptureFiles(files: readonly string[]): void {
  if (files.length === 0) throw new AnalyzeInputError('no capture file given');
  for (const file of files) {
    let stats;
    try {
      stats = statSync(file);
    } catch (error) {
      throw new AnalyzeInputError(
        `${file}: cannot read the capture (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    if (!stats.isFile()) throw new AnalyzeInputError(`${file}: not a capture file`);
  }
}

/** The shortest observation a report can state: one µs, the capture timestamp resolution (a one-frame capture spans 0 s). */
const MIN_OBSERVED_SECONDS = 1e-6;

/** Seconds actually recorded: the sum of each capture's first-to-last frame span. */
function observedSeconds(read: CaptureRead): number {
  const sum = read.files.reduce(
    (total, f) => total + (f.first === null || f.last === null ? 0 : (f.last - f.first) / 1e6),
    0,
  );
  return Math.max(sum, MIN_OBSERVED_SECONDS);
}

/** The device as a profile, for the report's identity and the checks' context (never loaded from disk). */
function captureProfile(
  dutId: string,
  mac: string | undefined,
  addresses: string[],
  resolvers: readonly string[],
  windowSeconds: number,
  publicResolvers: Record<string, string> | undefined,
): Profile {
  return {
    profileVersion: 1,
    description: 'Device analysed from imported captures; the identity is what the captures show.',
    dut: {
      id: dutId,
      vendor: 'Unidentified device',
      model: `seen in imported captures as ${[mac, ...addresses].filter(Boolean).join(', ')}`,
      ...(mac === undefined ? {} : { mac }),
      addresses,
    },
    device: {
      kind: 'lab',
      instructions: 'none: evidence imported from captures, the harness started and listened to nothing',
    },
    // The assigned resolvers stand where a live run's harness resolver stands; empty means unknown.
    resolver: { listen: resolvers.map((address) => ({ transport: 'udp' as const, address, port: 53 })) },
    zone: [],
    scenario: [],
    canaries: [],
    observe: { windowSeconds },
    ...(publicResolvers === undefined ? {} : { publicResolvers }),
  };
}

/** When a capture could not be read to its end, the capture phase says so where it ends, so the report shows it beside the phase. */
function partialMarker(read: CaptureRead): (event: EvidenceEvent) => EvidenceEvent {
  const faults = read.files.flatMap((f) => (f.error === null ? [] : [f.error.message]));
  if (faults.length === 0) return (event) => event;
  return (e) =>
    e.type === 'phase.end' ? { ...e, reason: `${e.reason ?? 'end of capture'}; partial: ${faults.join('; ')}` } : e;
}

/** Removes the directories `mkdirSync(dir, { recursive: true })` created (it returned `created`), innermost first, while empty. */
function removeCreatedDirectories(dir: string, created: string | undefined): void {
  if (created === undefined) return;
  for (let path = resolve(dir); path.startsWith(created); path = dirname(path)) {
    try {
      rmdirSync(path);
    } catch {
      return;
    }
    if (path === created) return;
  }
}

/**
 * Writes the device's events into a fresh run directory as they are built (none is held:
 * the run directory keeps the file, and judging reads an index of it), showing each to
 * `observe` (the metrics fold) and collecting the device's addresses on the way.
 */
async function writeEvidence(
  read: CaptureRead,
  outDir: string,
  dutId: string,
  now: Date,
  observe: (event: EvidenceEvent) => void,
): Promise<{
  run: { runId: string; path: string };
  store: EventStore;
  /** The events file's SHA-256 and size, worked out as it was written. */
  digest: FileDigest;
  addresses: string[];
  created: string | undefined;
}> {
  let created: string | undefined;
  try {
    created = mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw badPath(error, outDir, 'output directory');
  }
  const run = createFreshRunDirectory(outDir, dutId, now);
  // The store's rows go to a temporary file as they fill: memory stays the same however large the captures.
  const log = new StoredEventLog(join(run.path, RUN_FILES.events), { spillDir: tmpdir() });
  try {
    const mark = partialMarker(read);
    const addresses = new Set<string>();
    let written = 0;
    for (const event of interleaveEncryptedContacts(read.events(), read.observations.secureDns, dutId)) {
      // Every 4096 events the event loop gets a turn, for what else runs meanwhile (Chromium starting).
      written += 1;
      if (written % 4096 === 0) await setImmediate();
      if (event.type === 'dns.query' && event.dut === dutId) addresses.add(event.client.address);
      const marked = mark(event);
      log.append(marked);
      observe(marked);
    }
    const store = log.finish();
    return { run, store, digest: log.digest!, addresses: [...addresses].sort(), created };
  } catch (error) {
    log.abandon();
    rmSync(run.path, { recursive: true, force: true });
    removeCreatedDirectories(outDir, created);
    throw error;
  }
}

/** Reads the captures, writes and signs the run directory, and returns the metrics. */
export async function analyzeCaptures(options: AnalyzeOptions): Promise<AnalyzeResult> {
  const selector = deviceSelector(options.device);
  for (const resolver of options.resolvers) {
    if (isIP(resolver) === 0) throw new AnalyzeInputError(`--resolver: "${resolver}" is not an IP address`);
  }
  const files = options.captures.map((file) => resolve(file));
  checkCaptureFiles(files);
  const extraPublic =
    options.publicResolversFile === undefined ? undefined : readPublicResolvers(options.publicResolversFile);
  const publicList = publicResolverList(extraPublic);
  const dutId = dutIdOf(selector);
  const noPrinter = { release: async () => undefined };
  let printer: Promise<{ release(): Promise<void> }> = Promise.resolve(noPrinter);
  let hashing: BackgroundHash | undefined;
  let read: CaptureRead | undefined;
  let store: EventStore | undefined;
  // The reading runs on a worker thread: this one loads the judging modules meanwhile.
  const reading = readCapturesInBackground(
    files,
    { id: dutId, ...selector },
    { classify: { publicResolvers: Object.keys(publicList) } },
  );
  const judging = loadJudging();
  // Awaited after the reading; a failure to load is reported then, not as an unhandled rejection now.
  judging.catch(() => undefined);
  try {
    read = await reading;
    markStage('read');
    // Once read, while the events are written here (one core), the other core hashes the
    // captures (for analysis.json) and starts Chromium for the PDF report (not for a run
    // sealed without the documents: nothing is printed). Either started sooner took CPU
    // from the reading, which everything after waits for.
    hashing = hashFilesInBackground(files);
    if (options.documents !== false)
      printer = import('../report/pdf/render-pdf.ts').then(
        ({ holdBrowser }) => holdBrowser(),
        () => noPrinter,
      );
    // A file that could not be read at all is bad input, not an observation of 0 frames: nothing is written.
    const unreadable = read.files.filter((f) => f.error !== null && f.frames === 0);
    if (unreadable.length > 0) {
      throw new AnalyzeInputError(
        `no report written: ${unreadable.map((f) => `${f.file}: byte offset ${f.error!.offset}: ${f.error!.problem}`).join('; ')}`,
      );
    }
    const seconds = observedSeconds(read);
    // The metrics are folded from the events as they are written, not from the evidence afterwards.
    const metricsFold = new PassiveMetricsFold({
      dut: dutId,
      assignedResolvers: options.resolvers,
      publicResolvers: Object.keys(publicList),
      observedSeconds: seconds,
      secureDns: read.observations.secureDns,
      mdns: read.observations.mdns,
      llmnr: read.observations.llmnr,
    });
    // Evidence first, judgement after: what was read stays written even if judging fails.
    const written = await writeEvidence(read, options.outDir, dutId, options.now ?? new Date(), (event) =>
      metricsFold.add(event),
    );
    const { run } = written;
    markStage('events written');
    store = written.store;
    const addresses = selector.ip !== undefined ? [selector.ip] : written.addresses;
    if (addresses.length === 0) {
      rmSync(run.path, { recursive: true, force: true });
      removeCreatedDirectories(options.outDir, written.created);
      const faults = read.problems.length > 0 ? `; reading also stopped early: ${read.problems.join('; ')}` : '';
      throw new AnalyzeInputError(
        `the captures hold no DNS query from ${selector.mac}, so its IP address is unknown: give it as well (--device ${selector.mac} --device IP)${faults}`,
      );
    }
    const metrics = metricsFold.result();
    const evidence = new StoredEvidence(store);
    const profile = captureProfile(dutId, selector.mac, addresses, options.resolvers, seconds, extraPublic);
    const digests = await hashing.digests;
    markStage('captures hashed');
    const captures: CaptureInput[] = read.files.map((f, i) => ({
      file: f.file,
      ...digests[i]!,
      frames: f.frames,
      dnsMessages: f.dnsMessages,
      error: f.error === null ? null : { offset: f.error.offset, problem: f.error.problem },
    }));
    return await judgeAndReport(await judging, {
      options,
      read,
      evidence,
      run,
      dutId,
      selector,
      addresses,
      seconds,
      profile,
      captures,
      publicList,
      metrics,
      eventsDigest: written.digest,
    });
  } finally {
    hashing?.cancel();
    read?.close();
    store?.dispose();
    await (await printer).release();
  }
}

/** What {@link judgeAndReport} needs from the reading. */
interface Judging {
  options: AnalyzeOptions;
  read: CaptureRead;
  evidence: Evidence;
  run: { runId: string; path: string };
  dutId: string;
  selector: { mac?: string; ip?: string };
  addresses: string[];
  seconds: number;
  profile: Profile;
  captures: CaptureInput[];
  publicList: Record<string, string>;
  metrics: PassiveMetrics;
  /** The events file's digest, worked out as it was written (it is not read again for the manifest). */
  eventsDigest: FileDigest;
}

/** Writes analysis.json, judges, seals the run directory and puts the output together. */
async function judgeAndReport(
  { judge, seal, selectChecks, analyzeOutput, available }: JudgingModules,
  {
    options,
    read,
    evidence,
    run,
    dutId,
    selector,
    addresses,
    seconds,
    profile,
    captures,
    publicList,
    metrics,
    eventsDigest,
  }: Judging,
): Promise<AnalyzeResult> {
  const analysisText = `${JSON.stringify(
    {
      analysisVersion: 1,
      device: { id: dutId, mac: selector.mac ?? null, ip: selector.ip ?? null, addresses },
      assignedResolvers: [...options.resolvers],
      captures,
      partial: read.partial,
      problems: read.problems,
      counters: read.counters,
      observations: {
        mdns: read.observations.mdns,
        llmnr: read.observations.llmnr,
        secureDns: read.observations.secureDns,
      },
      profile,
    },
    null,
    2,
  )}\n`;
  writeFileSync(join(run.path, ANALYSIS_FILE), analysisText, { flag: 'wx', flush: true });

  const checks = options.checks === undefined ? available : selectChecks(available, options.checks);
  const results = await judge(evidence, profile, checks, {
    origin: 'analyze',
    ...(options.mochaReporter ? { mochaReporter: options.mochaReporter } : {}),
  });
  markStage('judged');
  // The same captures, device and resolvers, judged for one check: what a reader runs to see a verdict made again.
  const command = [
    'dnsconform',
    'analyze',
    ...captures.map((c) => c.file),
    ...options.device.flatMap((d) => ['--device', d]),
    ...options.resolvers.flatMap((r) => ['--resolver', r]),
    ...(options.publicResolversFile === undefined ? [] : ['--public-resolvers', resolve(options.publicResolversFile)]),
  ];
  const finalised = await seal(
    run.path,
    {
      evidence,
      origin: 'analyze',
      runId: run.runId,
      profile,
      profileFile: ANALYSIS_FILE,
      profileSha256: hashFile(join(run.path, ANALYSIS_FILE)).sha256,
      endpoints: [],
      windowSeconds: seconds,
      results,
      scope: { mode: 'analyze', checks: options.checks ?? null, plan: null, available: available.length },
      reproduction: { command, perCheck: true },
      // The re-query figure over the whole capture, as caching/ttl-honoured judges it there.
      figures: { ttlExperiments: ['*'] },
      onProblem: (problem) => read.problems.push(problem),
      knownDigests: new Map([[RUN_FILES.events, eventsDigest]]),
      documents: options.documents,
    },
    options.keyDir,
  );

  const output = analyzeOutput({
    device: { id: dutId, mac: selector.mac ?? null, ip: selector.ip ?? null, addresses },
    captures,
    partial: read.partial,
    problems: read.problems,
    assignedResolvers: [...options.resolvers],
    publicResolvers: publicList,
    metrics,
    // Re-query against TTL per name, by the grace the ttl-honoured rule uses, over the whole capture.
    requeryVsTtl: ttlCompliance(evidence, dutId, DEFAULT_TTL_COMPLIANCE).rows,
    run: { dir: run.path, report: finalised.reportFile, overall: finalised.report.overall.verdict },
  });
  return { output, runDir: run.path, finalised, partial: read.partial, problems: read.problems };
}
