/**
 * Lab time with sequential decisions (issue 19 item 1): a plan (default `full`, the paper's
 * 1–4 h windows, 41 h in all) run against a simulated device with early stop, its total lab
 * time beside the sum of its windows; then the same phases without early stop, and whether
 * every check's verdict is the same.
 *
 *   npx tsx bench/early-stop-lab-time.ts [--profile profiles/sim-good.yaml] [--plan full] [--reference-window 20] [--keep]
 *
 * The reference run without early stop cannot sit through the full windows (41 h): it runs
 * every phase for `--reference-window` seconds (0 skips it), the windows the demo's
 * time-compressed simulated devices need (their TTLs are 1–5 s, they look up every second).
 * So "identical" here means: the verdicts early stop reached within the full windows equal
 * the verdicts of whole (short) windows. Lab time is the time from the first phase's start
 * to the last phase's end in the report, power-cycles included; the wall time adds start-up,
 * judging and signing; an interrupted run (Ctrl-C) is compared with the windows of the phases
 * it ran. `--keep` keeps the run directories. Exits 1 when the verdicts differ.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { observeAndReport } from '../lib/cli/observe-command.ts';
import { PLANS_DIR } from '../lib/experiments/plan.ts';
import { loadProfile } from '../lib/profile/load-profile.ts';
import type { DeviceRun } from '../lib/run/live-session.ts';

const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'profiles/sim-good.yaml' },
    plan: { type: 'string', default: 'full' },
    'reference-window': { type: 'string', default: '20' },
    keep: { type: 'boolean', default: false },
  },
});
const work = mkdtempSync(join(tmpdir(), 'dnsconform-early-stop-bench-'));
const planFile = values.plan.endsWith('.yaml') ? values.plan : join(PLANS_DIR, `${values.plan}.yaml`);

/** The plan with early stop switched on or off, written to the work directory. */
function planWith(earlyStop: boolean): string {
  const document = parseDocument(readFileSync(planFile, 'utf8'));
  document.set('earlyStop', earlyStop);
  const file = join(work, `plan-${earlyStop ? 'early-stop' : 'whole-windows'}.yaml`);
  writeFileSync(file, document.toString());
  return file;
}

/** Runs the plan once; the run, its wall time and its phases' lab time. */
async function runOnce(name: string, plan: string, window?: string) {
  const started = process.hrtime.bigint();
  const [run] = await observeAndReport([loadProfile(values.profile)], {
    out: join(work, name),
    keys: join(work, 'keys'),
    plan,
    ...(window ? { window } : {}),
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const { phases } = run!.finalised.report.observation;
  // The windows of the phases that ran (an interrupted run is compared with what it ran).
  const planned = new Map(
    (
      parseDocument(readFileSync(plan, 'utf8')).toJS() as {
        phases: { experiment: string; name?: string; windowSeconds: number }[];
      }
    ).phases.map((p) => [p.name ?? p.experiment, p.windowSeconds]),
  );
  const windowSeconds = phases.reduce((sum, p) => sum + (window ? Number(window) : (planned.get(p.name) ?? 0)), 0);
  const lab =
    (Math.max(...phases.map((p) => Date.parse(p.end))) - Math.min(...phases.map((p) => Date.parse(p.start)))) / 1e3;
  return { run: run!, wall, lab, windowSeconds, phases };
}

/** Every check's verdict, by check id. */
function verdicts(run: DeviceRun): Map<string, string> {
  return new Map(run.finalised.report.results.map((r) => [r.check, r.verdict]));
}

const hours = (seconds: number) => `${seconds.toFixed(0)} s (${(seconds / 3600).toFixed(2)} h)`;
let failed = false;
try {
  const early = await runOnce('early-stop', planWith(true));
  console.log(`\n${values.profile}, plan ${values.plan} with early stop:`);
  console.log(`  sum of the windows: ${hours(early.windowSeconds)}`);
  console.log(
    `  lab time: ${hours(early.lab)} = ${((early.lab / early.windowSeconds) * 100).toFixed(2)} % of the windows (1/${(early.windowSeconds / early.lab).toFixed(0)}); wall time ${early.wall.toFixed(0)} s`,
  );
  const settled = early.phases.filter((p) => p.endReason?.startsWith('settled early')).length;
  console.log(`  phases ended early: ${settled} of ${early.phases.length}; the others:`);
  for (const phase of early.phases.filter((p) => !p.endReason?.startsWith('settled early')))
    console.log(
      `    ${phase.name}: ${((Date.parse(phase.end) - Date.parse(phase.start)) / 1e3).toFixed(1)} s, ${phase.endReason}`,
    );
  const referenceWindow = Number(values['reference-window']);
  if (referenceWindow > 0) {
    const whole = await runOnce('whole-windows', planWith(false), values['reference-window']);
    console.log(`\nthe same phases without early stop, every window ${referenceWindow} s:`);
    console.log(`  lab time: ${hours(whole.lab)}; wall time ${whole.wall.toFixed(0)} s`);
    const a = verdicts(early.run);
    const b = verdicts(whole.run);
    const differing = [...new Set([...a.keys(), ...b.keys()])].filter((id) => a.get(id) !== b.get(id));
    console.log(
      differing.length === 0
        ? `  verdicts identical: ${a.size} checks`
        : `  verdicts differ: ${differing.map((id) => `${id} ${a.get(id)} (early stop) vs ${b.get(id)}`).join('; ')}`,
    );
    failed = differing.length > 0;
  }
} finally {
  if (values.keep) console.log(`run directories kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
