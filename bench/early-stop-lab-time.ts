/**
 * Lab time with sequential decisions (issue 19 item 1): a plan (default `full`, the paper's
 * 1–4 h windows, 41 h in all) run against simulated devices with early stop, its total lab
 * time beside the sum of its windows and every phase's length and end reason; then the same
 * phases without early stop, and whether every check's verdict is the same for every device.
 *
 *   npx tsx bench/early-stop-lab-time.ts [--profile profiles/sim-good.yaml]... [--plan full]
 *       [--window-cap S] [--reference-window 20] [--side-by-side] [--keep]
 *
 * `--profile` may be given more than once: the devices run together in one session (a phase
 * ends when every device's checks are settled). The reference run without early stop cannot
 * sit through the full windows (41 h): it runs every phase for `--reference-window` seconds
 * (0 skips it), the windows the demo's time-compressed simulated devices need (their TTLs
 * are 1–5 s, they look up every second). So "identical" here means: the verdicts early stop
 * reached within the plan's windows equal the verdicts of whole (short) windows.
 * `--window-cap S` shortens every window of the early-stop run to at most S seconds (the
 * plan's phases, selection and power-cycles unchanged): a device that fails checks on a
 * share of its events (which settles nothing early) would otherwise sit through hours of
 * windows. `--side-by-side` runs the two at once (each session on loopback addresses of
 * its own). Lab time is the time from the first phase's start to the last phase's end in the
 * report, power-cycles included; the wall time adds start-up, judging and signing; an
 * interrupted run (Ctrl-C) is compared with the windows of the phases it ran. `--keep`
 * keeps the run directories. Exits 1 when the verdicts differ, 2 on bad arguments.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { observeAndReport } from '../lib/cli/observe-command.ts';
import { PLANS_DIR } from '../lib/experiments/plan.ts';
import { loadProfile } from '../lib/profile/load-profile.ts';
import type { DeviceRun } from '../lib/run/live-session.ts';

const USAGE =
  'usage: npx tsx bench/early-stop-lab-time.ts [--profile FILE]... [--plan NAME|FILE] [--window-cap S] [--reference-window S] [--side-by-side] [--keep]';

/** Bad input: one clear line, exit 2. */
function usageError(message: string): never {
  console.error(`early-stop-lab-time: ${message}\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      profile: { type: 'string', multiple: true, default: ['profiles/sim-good.yaml'] },
      plan: { type: 'string', default: 'full' },
      'window-cap': { type: 'string' },
      'reference-window': { type: 'string', default: '20' },
      'side-by-side': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
} catch (error) {
  usageError((error as Error).message);
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
/** A whole number of seconds given on the command line (`min` and up). */
function seconds(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    usageError(`--${flag} must be a whole number of seconds ≥ ${min}, not '${text}'`);
  return n;
}
const windowCap = seconds('window-cap', values['window-cap'], 1);
const referenceWindow = seconds('reference-window', values['reference-window'], 0)!;
const planFile = values.plan.endsWith('.yaml') ? values.plan : join(PLANS_DIR, `${values.plan}.yaml`);
for (const file of [planFile, ...values.profile]) if (!existsSync(file)) usageError(`no such file: ${file}`);
const work = mkdtempSync(join(tmpdir(), 'dnsconform-early-stop-bench-'));

/** The plan with early stop switched on or off (and its windows capped), written to the work directory. */
function planWith(earlyStop: boolean, cap?: number): string {
  const document = parseDocument(readFileSync(planFile, 'utf8'));
  document.set('earlyStop', earlyStop);
  if (cap !== undefined) {
    const phases = (document.toJS() as { phases: { windowSeconds: number }[] }).phases;
    phases.forEach((phase, i) => {
      if (phase.windowSeconds > cap) document.setIn(['phases', i, 'windowSeconds'], cap);
    });
  }
  const file = join(work, `plan-${earlyStop ? 'early-stop' : 'whole-windows'}.yaml`);
  writeFileSync(file, document.toString());
  return file;
}

/** Runs the plan once for every device; the runs, the wall time and the phases' windows and lab time. */
async function runOnce(name: string, plan: string, window?: number) {
  const started = process.hrtime.bigint();
  const runs = await observeAndReport(values.profile.map(loadProfile), {
    out: join(work, name),
    keys: join(work, 'keys'),
    plan,
    ...(window ? { window: String(window) } : {}),
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  // The session's phases are every device's; the first run's report lists them.
  const { phases } = runs[0]!.finalised.report.observation;
  // The windows of the phases that ran (an interrupted run is compared with what it ran).
  const planned = new Map(
    (
      parseDocument(readFileSync(plan, 'utf8')).toJS() as {
        phases: { experiment: string; name?: string; windowSeconds: number }[];
      }
    ).phases.map((p) => [p.name ?? p.experiment, p.windowSeconds]),
  );
  const windowOf = (phase: string) => window ?? planned.get(phase) ?? 0;
  const windowSeconds = phases.reduce((sum, p) => sum + windowOf(p.name), 0);
  const lab =
    (Math.max(...phases.map((p) => Date.parse(p.end))) - Math.min(...phases.map((p) => Date.parse(p.start)))) / 1e3;
  return { runs, wall, lab, windowSeconds, phases, windowOf };
}

/** Every check's verdict, by device and check id. */
function verdicts(runs: readonly DeviceRun[]): Map<string, string> {
  return new Map(
    runs.flatMap((run) =>
      run.finalised.report.results.map((r) => [`${run.loaded.profile.dut.id} ${r.check}`, r.verdict] as const),
    ),
  );
}

const hours = (s: number) => `${s.toFixed(0)} s (${(s / 3600).toFixed(2)} h)`;
const devices = values.profile.join(', ');
let failed = false;
try {
  const earlyPlan = planWith(true, windowCap);
  const wholePlan = referenceWindow > 0 ? planWith(false) : undefined;
  const started = runOnce('early-stop', earlyPlan);
  const reference =
    wholePlan === undefined
      ? undefined
      : values['side-by-side']
        ? runOnce('whole-windows', wholePlan, referenceWindow)
        : started.then(() => runOnce('whole-windows', wholePlan, referenceWindow));
  // Handled here so a failed early-stop run reports its own error; awaited below for the comparison.
  reference?.catch(() => undefined);
  const early = await started;
  console.log(
    `\n${devices}, plan ${values.plan}${windowCap ? ` (windows capped at ${windowCap} s)` : ''} with early stop:`,
  );
  console.log(`  sum of the windows: ${hours(early.windowSeconds)}`);
  console.log(
    `  lab time: ${hours(early.lab)} = ${((early.lab / early.windowSeconds) * 100).toFixed(2)} % of the windows (1/${(early.windowSeconds / early.lab).toFixed(0)}); wall time ${early.wall.toFixed(0)} s`,
  );
  const settled = early.phases.filter((p) => p.endReason?.startsWith('settled early')).length;
  console.log(`  phases ended early: ${settled} of ${early.phases.length}`);
  console.log('\n| phase | window | lab time | end reason |\n| --- | --- | --- | --- |');
  for (const phase of early.phases)
    console.log(
      `| ${phase.name} | ${early.windowOf(phase.name)} s | ${((Date.parse(phase.end) - Date.parse(phase.start)) / 1e3).toFixed(1)} s | ${phase.endReason} |`,
    );
  if (reference) {
    const whole = await reference;
    console.log(`\nthe same phases without early stop, every window ${referenceWindow} s:`);
    console.log(`  lab time: ${hours(whole.lab)}; wall time ${whole.wall.toFixed(0)} s`);
    const a = verdicts(early.runs);
    const b = verdicts(whole.runs);
    const differing = [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.get(id) !== b.get(id));
    console.log(
      differing.length === 0
        ? `  verdicts identical: ${a.size} (device, check) pairs`
        : `  verdicts differ in ${differing.length} of ${a.size}: ${differing.map((id) => `${id} ${a.get(id)} (early stop) vs ${b.get(id)}`).join('; ')}`,
    );
    failed = differing.length > 0;
  }
} finally {
  if (values.keep) console.log(`run directories kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
