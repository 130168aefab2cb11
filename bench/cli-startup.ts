/**
 * Start-up of the command line and of a simulated device: the compiled JavaScript of dist/
 * against the same sources through tsx, measured side by side in one run.
 *
 *   npx tsx bench/cli-startup.ts [--runs 10]
 *
 * Builds dist/ first when it is stale (scripts/build.js), then times, alternating the two ways
 * so that a change in the machine's load hits both alike:
 * * `dnsconform --help`: `node bin/dnsconform.js --help` from dist/, and the same with
 *   DNSCONFORM_FROM_SOURCE=1 (the sources through tsx, as every launch ran before dist/);
 * * a simulated device: spawn to its `{"ready":true}` line.
 * Prints the median, min and max wall time of each, the load average before and after, and
 * exits 1 when the compiled `--help` median is not under 0.5 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from 'simple-statistics';
import { DIST_DIR, PROJECT_ROOT } from '../lib/build/dist-build.ts';
import { OPTIONS_VARIABLE } from '../lib/dut/simulated-device-process.ts';
import type { SimulatedDeviceOptions } from '../lib/dut/simulated-device-process.ts';
import { loadProfile } from '../lib/profile/load-profile.ts';
import type { SimulatedBehaviour } from '../lib/profile/profile-types.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Number(values.runs);
const build = spawnSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'build.js')], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

/** Wall time of one process from spawn until `done(stdout)` holds or it exits, in seconds. */
function time(args: string[], env: NodeJS.ProcessEnv = {}, done?: (stdout: string) => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    let readyAfter: number | undefined;
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (readyAfter === undefined && done?.(stdout)) {
        readyAfter = elapsed();
        child.kill('SIGTERM');
      }
    });
    child.once('error', reject);
    // Resolves once the process is gone (a device is stopped as soon as it is ready), with the time to ready or to exit.
    child.once('exit', (code, signal) => {
      const seconds = readyAfter ?? elapsed();
      if (done ? readyAfter !== undefined : code === 0) resolve(seconds);
      else
        reject(
          new Error(`${args.join(' ')} ended (code ${code}, signal ${signal}) ${done ? 'before it was ready' : ''}`),
        );
    });
  });
}

/** The well-behaved demo device's behaviour, as the harness hands it to the device. */
function simulatedBehaviour(): SimulatedBehaviour {
  const { device } = loadProfile(join(PROJECT_ROOT, 'profiles', 'sim-good.yaml')).profile;
  if (device.kind !== 'simulated') throw new Error('profiles/sim-good.yaml is not a simulated device');
  return device.behaviour;
}

const work = mkdtempSync(join(tmpdir(), 'dnsconform-startup-'));
const device: SimulatedDeviceOptions = {
  dutId: 'bench-device',
  behaviour: simulatedBehaviour(),
  sourceAddress: '127.0.31.2',
  // Nothing listens there: the device starts, is ready, and is stopped before it matters.
  resolver: { address: '127.0.31.1', port: 53 },
  logFile: join(work, 'device.ndjson'),
};
const deviceEnv = { [OPTIONS_VARIABLE]: JSON.stringify(device) };
const ready = (stdout: string) => stdout.includes('{"ready":true}');
const ways = {
  'help, dist/': () => time([join(PROJECT_ROOT, 'bin', 'dnsconform.js'), '--help']),
  'help, tsx': () => time([join(PROJECT_ROOT, 'bin', 'dnsconform.js'), '--help'], { DNSCONFORM_FROM_SOURCE: '1' }),
  'device, dist/': () => time([join(DIST_DIR, 'lib', 'dut', 'simulated-device.js')], deviceEnv, ready),
  'device, tsx': () =>
    time(['--import', 'tsx', join(PROJECT_ROOT, 'lib', 'dut', 'simulated-device.ts')], deviceEnv, ready),
};
const seconds = new Map<string, number[]>(Object.keys(ways).map((way) => [way, []]));
const loadBefore = loadavg()[0]!;
try {
  for (let i = 0; i < runs; i++) {
    for (const [way, run] of Object.entries(ways)) seconds.get(way)!.push(await run());
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(
  `start-up, ${runs} runs each, wall seconds (load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after):`,
);
for (const [way, list] of seconds) {
  console.log(
    `  ${way.padEnd(14)} median ${median(list).toFixed(3)}  min ${Math.min(...list).toFixed(3)}  max ${Math.max(...list).toFixed(3)}`,
  );
}
const help = median(seconds.get('help, dist/')!);
console.log(
  `--help from dist/: ${help < 0.5 ? 'under' : 'NOT under'} 0.5 s (median ${help.toFixed(3)} s); ${(median(seconds.get('help, tsx')!) / help).toFixed(1)}× faster than through tsx`,
);
process.exitCode = help < 0.5 ? 0 : 1;
