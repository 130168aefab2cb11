/**
 * `dnsconform demo`: the embedded default job. Certifies the two reference simulated
 * devices on loopback in one session under the demo plan (every experiment, 3-second
 * phases: profiles/plans/demo.yaml), checks that the harness tells them apart, and ends
 * with both devices' Table I rows and where their reports are; with
 * `--fleet`, runs the quick plan against the fleet of the paper's devices (profiles/fleet/)
 * in one session and checks that each gets the paper's Table I row (fleet-summary.json,
 * .html and a signed .pdf).
 */
import { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isNotAssessed } from '../checks/check-types.ts';
import type { CheckResult } from '../checks/check-types.ts';
import { loadProfile } from '../profile/load-profile.ts';
import { createBundle } from '../report/bundle.ts';
import { REPORT_PDF_FILE } from '../report/bundle-files.ts';
import { writeFleetSummaryDocuments } from '../report/fleet-documents.ts';
import { FLEET_MARKS, fleetRow, renderFleetSummary } from '../report/fleet-summary.ts';
import { TABLE_I_HEADINGS } from '../report/table-i.ts';
import { TABLE_I_COLUMNS } from '../catalogue/table-i-columns.ts';
import type { DeviceRun } from '../run/live-session.ts';
import type { OverallVerdict } from '../report/report-types.ts';
import { EXIT } from './exit-codes.ts';
import { observeAndReport, parseWindow, withObserveOptions } from './observe-command.ts';
import type { ObserveOptions } from './observe-command.ts';
import { COMMAND_SUMMARIES } from './command-summaries.ts';

const PROFILES_DIR = join(import.meta.dirname, '..', '..', 'profiles');

/**
 * The reference devices and the overall verdict each must get for the harness to be working.
 * Under the demo plan every check is assessed (the resolver change reaches the devices
 * through their loopback DHCP, the harness's dnsmasq). A check a run could not assess (a
 * plan without its experiment; DHCP on loopback where dnsmasq cannot serve, without root
 * or CAP_NET_ADMIN) leaves the well-behaved device INCOMPLETE; the self-check then asks that
 * every check it could assess passed and nothing else was left undecided, and says which
 * checks were not assessed.
 */
export const DEMO_DEVICES: readonly { profile: string; expected: OverallVerdict }[] = [
  { profile: 'sim-good.yaml', expected: 'CONFORMANT' },
  { profile: 'sim-bad.yaml', expected: 'NOT_CONFORMANT' },
];

/** Every check PASS or INFO except those the run could not assess, and at least one PASS. */
function conformantWhereAssessed(results: readonly CheckResult[]): boolean {
  return (
    results.some((r) => r.verdict === 'PASS') &&
    results.every((r) => r.verdict === 'PASS' || r.verdict === 'INFO' || isNotAssessed(r))
  );
}

/** The plan `demo` runs unless `--plan` names another: every experiment, short phases. */
export const DEMO_PLAN = 'demo';

/** Both devices' Table I rows side by side, then where each report and bundle is: the demo's last words. */
export function renderDemoSummary(runs: readonly DeviceRun[], bundles: readonly string[]): string {
  const ids = runs.map((r) => r.loaded.profile.dut.id);
  const width = Math.max(...Object.values(TABLE_I_HEADINGS).map((h) => h.length));
  const cell = (id: string, mark: string) => mark.padStart(Math.ceil(id.length / 2) + 1).padEnd(id.length + 2);
  const lines = [
    `Table I (paper) and Rec #2, #6 (${FLEET_MARKS.pass} pass, ${FLEET_MARKS.fail} fail, ${FLEET_MARKS['not-assessed']} not assessed):`,
    `  ${''.padEnd(width)}  ${ids.map((id) => `${id}  `).join('')}`,
  ];
  for (const column of TABLE_I_COLUMNS) {
    lines.push(
      `  ${TABLE_I_HEADINGS[column].padEnd(width)}  ${runs.map((r, i) => cell(ids[i]!, FLEET_MARKS[r.finalised.report.tableI[column]])).join('')}`,
    );
  }
  lines.push(`  ${'overall'.padEnd(width)}  ${runs.map((r) => r.finalised.report.overall.verdict).join('  ')}`);
  lines.push('reports:');
  runs.forEach((r, i) =>
    lines.push(
      `  ${ids[i]}: ${relative(process.cwd(), r.finalised.reportFile)}${existsSync(join(r.runDir, REPORT_PDF_FILE)) ? ' (+ report.pdf beside it)' : ' (no documents: dnsconform report RUN --out DIR prints them)'}, bundle ${bundles[i] ?? '-'}`,
    ),
  );
  return lines.join('\n');
}

/** Where the fleet's profiles are: every `*.yaml` there is one device. */
export const FLEET_DIR = join(PROFILES_DIR, 'fleet');

/** The summary file a fleet run writes beside the run directories. */
export const FLEET_SUMMARY_FILE = 'fleet-summary.json';

/** The fleet's profile files, in name order. */
export function fleetProfileFiles(): string[] {
  return readdirSync(FLEET_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(FLEET_DIR, f));
}

interface DemoOptions extends ObserveOptions {
  fleet?: boolean;
}

export function demoCommand(): Command {
  return withObserveOptions(
    new Command('demo')
      .description(COMMAND_SUMMARIES.demo.description)
      .option(
        '--fleet',
        "the fleet of the paper's devices (profiles/fleet/) instead, under the quick plan unless --plan says otherwise; writes fleet-summary.json, .html and a signed .pdf",
      ),
    "the plan's: 3 s for most phases of the demo plan",
  ).action(async (options: DemoOptions) => {
    if (options.fleet) return fleetDemo(options);
    const profiles = DEMO_DEVICES.map((d) => loadProfile(join(PROFILES_DIR, d.profile)));
    const runs = await observeAndReport(profiles, { ...options, plan: options.plan ?? DEMO_PLAN });
    // What a lab hands a regulator: each run as one archive beside its directory.
    const bundles = await Promise.all(runs.map((run) => createBundle(run.runDir)));
    for (const bundle of bundles)
      console.log(
        `bundle: ${relative(process.cwd(), bundle.file)} (${bundle.files.length} files, sha256 ${bundle.sha256})`,
      );
    const summary = renderDemoSummary(
      runs,
      bundles.map((b) => relative(process.cwd(), b.file)),
    );
    const surprises = runs.flatMap((run, i) => {
      const expected = DEMO_DEVICES[i]!.expected;
      const got = run.finalised.report.overall.verdict;
      if (got === expected || (expected === 'CONFORMANT' && conformantWhereAssessed(run.finalised.report.results)))
        return [];
      return [`${run.loaded.profile.dut.id}: expected ${expected}, got ${got}`];
    });
    if (surprises.length > 0) {
      console.log(
        `\ndemo self-check FAILED: the reference devices were not told apart\n  ${surprises.join('\n  ')}\n\n${summary}`,
      );
      process.exitCode = EXIT.NOT_CONFORMANT;
      return;
    }
    console.log(
      `\ndemo self-check passed: ${runs.map((r) => `${r.loaded.profile.dut.id} ${r.finalised.report.overall.verdict}`).join(', ')}`,
    );
    for (const run of runs) {
      const unassessed = run.finalised.report.results.filter(isNotAssessed);
      if (unassessed.length > 0)
        console.log(
          `  ${run.loaded.profile.dut.id}: ${unassessed.length} not assessed: ${unassessed.map((r) => r.check).join(', ')}`,
        );
    }
    console.log(
      `verify a bundle with: npx dnsconform verify ${bundles[0] ? relative(process.cwd(), bundles[0].file) : '<bundle>'}`,
    );
    console.log(`\n${summary}`);
  });
}

/**
 * The fleet in one session (one resolver, the devices told apart by address), one report
 * per device, then the summary: exit 1 when a device's row differs from its profile's.
 */
async function fleetDemo(options: DemoOptions): Promise<void> {
  const profiles = fleetProfileFiles().map(loadProfile);
  const plan = options.plan ?? 'quick';
  const runs = await observeAndReport(profiles, { ...options, plan });
  const rows = runs.map((run) => fleetRow(run.finalised.report, run.loaded.profile, relative(options.out, run.runDir)));
  mkdirSync(options.out, { recursive: true });
  const summaryFile = join(options.out, FLEET_SUMMARY_FILE);
  writeFileSync(summaryFile, `${JSON.stringify(rows, null, 2)}\n`);
  // The fleet's own summary is printed either way: --no-documents is about each run's report.
  const documents = await writeFleetSummaryDocuments(
    options.out,
    rows,
    { generatedAt: new Date().toISOString(), plan, windowSeconds: parseWindow(options.window) ?? null },
    options.keys,
  );
  console.log(`\n${renderFleetSummary(rows)}\nsummary: ${summaryFile}, ${documents.html}, ${documents.pdf}`);
  const differing = rows.filter((row) => row.differences.length > 0);
  if (differing.length > 0) {
    console.log(
      `\nfleet self-check FAILED: ${differing.map((r) => `${r.device} (${r.differences.join(', ')})`).join('; ')} differ from the paper's rows`,
    );
    process.exitCode = EXIT.NOT_CONFORMANT;
    return;
  }
  console.log(`\nfleet self-check passed: every device's Table I row equals its profile's (${rows.length} devices)`);
}
