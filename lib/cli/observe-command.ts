/**
 * What `run` and `demo` share: keys, Ctrl-C handling, running a session, and printing
 * each device's verdict table.
 */
import type { Command } from 'commander';
import { relative } from 'node:path';
import { discoverChecks } from '../checks/discover.ts';
import type { LoadedCheck } from '../checks/check-types.ts';
import { deselectedMandatoryChecks, mandatoryProvisions } from '../checks/applicability.ts';
import { CheckSelectionError, selectChecks } from '../checks/select-checks.ts';
import { loadCatalogues } from '../catalogue/load-catalogues.ts';
import { loadExperiments } from '../experiments/catalogue.ts';
import { loadPlan, plannedPhases } from '../experiments/plan.ts';
import type { Plan, PlannedPhase } from '../experiments/plan.ts';
import { runSession } from '../run/live-session.ts';
import type { DeviceRun } from '../run/live-session.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { defaultKeyDir, ensureKeys } from '../report/signing.ts';
import { renderVerdictTable } from '../report/verdict-table.ts';
import { loadReplays } from './replay-zone.ts';
import { askOnTerminal, terminalProgress } from './terminal-progress.ts';
import { UsageError } from './usage-error.ts';

/** Options `run` and `demo` both take. */
export interface ObserveOptions {
  out: string;
  keys: string;
  window?: string;
  mochaReporter?: string;
  /** A plan name (`quick`, `full`) or file. */
  plan?: string;
  /** Override the plan's phase selection. */
  experiments?: string;
  /** Comma-separated check ids or topics to judge (all when absent). */
  checks?: string;
  /** Recorded run directories whose upstream answers are served instead of asking upstream. */
  replayZone?: string[];
  /** False with --no-documents: runs sealed without report.html and report.pdf. */
  documents?: boolean;
}

/** Adds the options `run` and `demo` share to a command. */
export function withObserveOptions(command: Command, defaultWindow: string): Command {
  return command
    .option('--out <dir>', 'where run directories are created', 'reports')
    .option(
      '--plan <name|file>',
      'run the phases of a plan (quick, full, or a plan file) instead of one observation window',
    )
    .option(
      '--checks <ids>',
      'judge only these checks: comma-separated ids or topics (randomness, validation/spoofed-answers-rejected); with --plan, the phases follow from them',
    )
    .option('--experiments <which>', "with --plan: 'needed' (the phases the checks use) or 'all'")
    .option('--window <seconds>', `observation window; with --plan, every phase's window (default: ${defaultWindow})`)
    .option('--keys <dir>', 'the lab signing key directory', defaultKeyDir())
    .option(
      '--replay-zone <run-dir>',
      'serve the upstream answers a recorded run recorded instead of asking upstream (the run must verify; a name it did not record gets SERVFAIL); once per DUT',
      (dir: string, dirs: string[] = []) => [...dirs, dir],
    )
    .option('--mocha-reporter <name>', "also print mocha's own reporter output while judging (spec, dot, ...)")
    .option(
      '--no-documents',
      'seal each run without report.html and report.pdf (the signed report.json, attestation and manifest only); `dnsconform report RUN --out DIR` prints them later',
    );
}

/**
 * A certification plan certifies on every mandatory check: refuses a `--checks` selection
 * that leaves one out, and a plan with no phase for one's experiments.
 */
function refuseUncertifiableSelection(
  file: string,
  plan: Plan,
  all: readonly LoadedCheck[],
  selected: readonly LoadedCheck[],
  profiles: readonly LoadedProfile[],
): void {
  const catalogues = loadCatalogues();
  const left = deselectedMandatoryChecks(
    all,
    selected,
    profiles.map((p) => p.profile),
    catalogues,
  );
  if (left.length > 0) {
    throw new CheckSelectionError(
      `${file} is a certification plan; --checks cannot leave out mandatory checks: ${left.map((m) => `${m.check} (EN 303 645 ${m.provisions.join(', ')}, status M)`).join('; ')}`,
    );
  }
  const planned = new Set(plan.phases.map((phase) => phase.experiment));
  const unplanned = selected.filter(
    (check) =>
      !check.meta.experiments.includes('*') &&
      !check.meta.experiments.some((e) => planned.has(e)) &&
      profiles.some((p) => mandatoryProvisions(check.meta, p.profile, catalogues).length > 0),
  );
  if (unplanned.length > 0) {
    throw new CheckSelectionError(
      `${file} is a certification plan but has no phase for mandatory checks: ${unplanned.map((c) => `${c.id} (needs ${c.meta.experiments.join(' or ')})`).join('; ')}`,
    );
  }
}

/** The phases of the plan named in the options (undefined without one), and whether it is a certification plan. */
async function phasesOf(
  options: ObserveOptions,
  all: readonly LoadedCheck[],
  checks: readonly LoadedCheck[],
  profiles: readonly LoadedProfile[],
): Promise<{ phases: PlannedPhase[]; certification: boolean } | undefined> {
  if (options.plan === undefined) {
    if (options.experiments !== undefined) throw new UsageError('--experiments needs --plan');
    return undefined;
  }
  if (options.experiments !== undefined && options.experiments !== 'all' && options.experiments !== 'needed') {
    throw new UsageError(`--experiments: "${options.experiments}" is not 'needed' or 'all'`);
  }
  const experiments = loadExperiments();
  const loaded = loadPlan(options.plan, experiments);
  const plan = loaded.value;
  if (plan.certification) refuseUncertifiableSelection(loaded.file, plan, all, checks, profiles);
  const needed = new Set(checks.flatMap((check) => check.meta.experiments));
  return {
    phases: plannedPhases(
      plan,
      experiments,
      needed,
      (options.experiments as 'all' | 'needed' | undefined) ?? plan.select,
    ),
    certification: plan.certification === true,
  };
}

/**
 * What re-runs this run for one check: the same plan with only the phases the check needs, or
 * the same window. A certification plan cannot be narrowed to one check (it refuses --checks
 * that leave out mandatory ones), so its line re-runs the whole plan.
 */
function reproduction(options: ObserveOptions, certification: boolean): { flags: string[]; perCheck: boolean } {
  const window = options.window === undefined ? [] : ['--window', options.window];
  if (options.plan === undefined) return { flags: window, perCheck: true };
  return certification
    ? { flags: ['--plan', options.plan, ...window], perCheck: false }
    : { flags: ['--plan', options.plan, '--experiments', 'needed', ...window], perCheck: true };
}

/** A `--window` value in seconds, or a usage error naming it. */
export function parseWindow(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`--window: "${raw}" is not a positive number of seconds`);
  return seconds;
}

/** Bad usage: exit code 2 (defined apart, re-exported here where commands have always found it). */
export { UsageError };

/** Runs a session with Ctrl-C ending observation early, then prints every device's table. */
export async function observeAndReport(profiles: LoadedProfile[], options: ObserveOptions): Promise<DeviceRun[]> {
  const windowSeconds = parseWindow(options.window);
  const all = await discoverChecks();
  const checks = selectChecks(all, options.checks);
  const planned = await phasesOf(options, all, checks, profiles);
  const phases = planned?.phases;
  const replays = options.replayZone ? loadReplays(options.replayZone, profiles) : undefined;
  const keys = ensureKeys(options.keys);
  if (keys.created)
    console.log(
      `created lab signing keys in ${options.keys} (fingerprint ${keys.fingerprint}); "dnsconform keys init --dir DIR" chooses where`,
    );
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    console.log(
      '\ninterrupted: ending observation, keeping and judging the evidence so far (Ctrl-C again to quit now)',
    );
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const display = terminalProgress();
  try {
    const runs = await runSession({
      profiles,
      outDir: options.out,
      keyDir: options.keys,
      signal: abort.signal,
      progress: (line) => display.log(line),
      status: (status) => display.status(status),
      prompt: askOnTerminal((line) => display.log(line)),
      ...(windowSeconds !== undefined ? { windowSeconds } : {}),
      ...(options.mochaReporter ? { mochaReporter: options.mochaReporter } : {}),
      ...(phases ? { phases } : {}),
      ...(options.checks !== undefined ? { checks, checkSelection: options.checks } : {}),
      ...(options.plan !== undefined ? { planName: options.plan } : {}),
      reproduction: reproduction(options, planned?.certification ?? false),
      ...(replays ? { replays } : {}),
      ...(options.documents === false ? { documents: false } : {}),
    });
    display.stop();
    for (const run of runs) {
      console.log(
        `\n${renderVerdictTable(run.finalised.report, relative(process.cwd(), run.finalised.reportFile), run.queries)}`,
      );
    }
    return runs;
  } finally {
    display.stop();
    process.off('SIGINT', onSigint);
  }
}
