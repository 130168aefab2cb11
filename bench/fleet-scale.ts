/**
 * One harness certifying many simulated DUTs at once: the ten paper devices of profiles/fleet/
 * cloned to `--duts` devices (default 100), each on its own loopback address, sharing one
 * resolver, observed together and judged one report each.
 *
 *   npx tsx bench/fleet-scale.ts [--duts 100] [--window 20] [--plan quick]
 *
 * The clones keep their model's behaviour and take a new id (`arlo-pro-4-017`), MAC and
 * address in 127.0.23.0/24 (127.0.24.0/24 past 250); the resolver, canaries and zone move to
 * 127.0.22.0/24, so the bench does not collide with a `demo --fleet` on 127.0.20.0/24.
 * Without `--plan` the devices are observed for one window (`--window` seconds).
 *
 * Prints the wall time (start to the last report), the harness's peak RSS, the peak RSS of
 * all its child processes together (the devices, their captures, the PDF renderer; sampled
 * from /proc every 0.5 s), the events recorded, and
 * how many events sit in the wrong DUT's evidence (an event of DUT A, or from A's address,
 * in B's run): exits 1 unless every device has a report and that count is 0.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { fleetProfileFiles } from '../lib/cli/demo.ts';
import { observeAndReport } from '../lib/cli/observe-command.ts';
import type { EvidenceEvent } from '../lib/evidence/events.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import { loadProfile } from '../lib/profile/load-profile.ts';

const { values } = parseArgs({
  options: {
    duts: { type: 'string', default: '100' },
    window: { type: 'string', default: '20' },
    plan: { type: 'string' },
  },
});
const count = Number(values.duts);
if (!Number.isInteger(count) || count < 1 || count > 500) throw new Error('--duts must be 1–500');

/** The n-th clone's address: 127.0.23.2–251, then 127.0.24.2–251. */
function cloneAddress(n: number): string {
  return `127.0.${23 + Math.floor(n / 250)}.${2 + (n % 250)}`;
}

const work = mkdtempSync(join(tmpdir(), 'dnsconform-fleet-scale-'));
const models = fleetProfileFiles();
const profileDir = join(work, 'profiles');
mkdirSync(profileDir);
const files = Array.from({ length: count }, (_, n) => {
  const model = models[n % models.length]!;
  const document = parseDocument(readFileSync(model, 'utf8').replaceAll('127.0.20.', '127.0.22.'));
  const id = `${String(document.getIn(['dut', 'id']))}-${String(n).padStart(3, '0')}`;
  document.setIn(['dut', 'id'], id);
  document.setIn(
    ['dut', 'mac'],
    `02:00:00:01:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`,
  );
  document.setIn(['dut', 'addresses'], [cloneAddress(n)]);
  const file = join(profileDir, `${id}.yaml`);
  writeFileSync(file, document.toString());
  return file;
});
const profiles = files.map(loadProfile);

/** Resident set size of every process whose parent is this one, in bytes (devices, captures, renderer). */
function childrenRss(): number {
  let total = 0;
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status)) continue;
      total += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return total;
}

let devicesPeak = 0;
const sampler = setInterval(() => {
  devicesPeak = Math.max(devicesPeak, childrenRss());
}, 500);
const started = process.hrtime.bigint();
const out = join(work, 'reports');
let failed = false;
try {
  const runs = await observeAndReport(profiles, {
    out,
    keys: join(work, 'keys'),
    window: values.window,
    mochaReporter: 'dot',
    ...(values.plan ? { plan: values.plan } : {}),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  const ownerOf = new Map(profiles.flatMap((p) => p.profile.dut.addresses.map((a) => [a, p.profile.dut.id] as const)));
  const clientOf = (event: EvidenceEvent) => ('client' in event && event.client ? event.client.address : null);
  let events = 0;
  let misattributed = 0;
  for (const run of runs) {
    const id = run.loaded.profile.dut.id;
    for (const event of loadEvidence(join(run.runDir, 'events.ndjson')).events) {
      events++;
      const from = clientOf(event);
      const wrong =
        event.dut === null
          ? from !== null && ownerOf.has(from)
          : event.dut !== id || (from !== null && ownerOf.get(from) !== id);
      if (wrong) misattributed++;
    }
  }
  const verdicts = new Map<string, number>();
  for (const run of runs)
    verdicts.set(run.finalised.report.overall.verdict, (verdicts.get(run.finalised.report.overall.verdict) ?? 0) + 1);
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  console.log(
    `\n${count} simulated DUTs in one harness, ${values.plan ? `plan ${values.plan}` : `one ${values.window} s window`}:`,
  );
  console.log(`  reports: ${runs.length} (${[...verdicts].map(([v, n]) => `${n} ${v}`).join(', ')})`);
  console.log(`  wall time: ${seconds.toFixed(1)} s from start to the last signed report`);
  console.log(
    `  harness peak RSS: ${mb(process.resourceUsage().maxRSS * 1024)}; child processes (devices, captures, renderer) together, peak: ${mb(devicesPeak)}`,
  );
  console.log(`  events: ${events}; in the wrong DUT's evidence: ${misattributed}`);
  failed = runs.length !== count || misattributed !== 0;
} finally {
  clearInterval(sampler);
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
