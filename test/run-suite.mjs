// `npm test`: the whole suite in two mocha processes at once, then one closing line CI reads,
// "N passed, N failed", summed over both.
//
// Why two lanes: most of the suite's wall time is end-to-end specs waiting on observation
// windows (the fleet alone sits through 37 phases), not CPU. One lane runs the end-to-end specs
// that start their own runs (*.e2e.spec.ts that do not use the shared demo); the other runs
// everything else, including every spec that shares the one demo run of test/demo-run-test-kit.ts,
// which is shared within a process only. Sessions claim a free loopback /24 each, so the lanes'
// runs never meet on an address. mocha's own --parallel mode would split the demo's users over
// processes and run the demo once per worker.
//
// With file arguments (`npm test -- lib/x.spec.ts`) it is plain mocha on those files.
import { spawn, execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const MOCHA = join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js');
const SPEC_ROOTS = ['lib', 'suites', 'test'];
const CLOSING_LINE = /^(\d+) passed, (\d+) failed$/;

/** Every *.spec.ts under the spec roots, sorted, relative to the project root. */
function specFiles() {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'fixtures') walk(path);
      else if (entry.isFile() && entry.name.endsWith('.spec.ts')) found.push(relative(ROOT, path));
    }
  };
  for (const root of SPEC_ROOTS) walk(join(ROOT, root));
  return found.sort();
}

/** An end-to-end spec (under any root) that starts runs of its own (it does not wait on the shared demo). */
function ownsItsRuns(file) {
  return file.endsWith('.e2e.spec.ts') && !readFileSync(join(ROOT, file), 'utf8').includes('demo-run-test-kit');
}

/** End-to-end spec files run at once beside the units: they mostly wait on observation windows. */
const E2E_WORKERS = 2;

/** The largest `this.timeout(N)` a spec file sets: how long it says it may take (0 if none). */
function statedLimit(file) {
  const limits = [...readFileSync(join(ROOT, file), 'utf8').matchAll(/this\.timeout\(([\d_]+)\)/g)];
  return Math.max(0, ...limits.map((m) => Number(m[1].replaceAll('_', ''))));
}

/** Runs mocha on `files`, its output into `logFile` (and to the terminal when `live`); resolves with its exit code. */
function runLane(files, logFile, live, env) {
  return new Promise((resolve) => {
    const log = createWriteStream(logFile);
    const child = spawn(process.execPath, [MOCHA, ...files], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream.pipe(log, { end: false });
      if (live) stream.on('data', (chunk) => process.stdout.write(chunk));
    }
    child.on('close', (code, signal) => log.end(() => resolve(code ?? (signal ? 128 : 1))));
  });
}

const named = process.argv.slice(2);
if (named.length > 0) {
  const child = spawn(process.execPath, [MOCHA, ...named], { cwd: ROOT, stdio: 'inherit' });
  child.on('close', (code) => process.exit(code ?? 1));
} else {
  // Build dist/ once here, so the two lanes' global setups find it fresh and never build at once.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.js')], { stdio: 'inherit' });
  const files = specFiles();
  // The end-to-end specs go one file a process, taken in turn by E2E_WORKERS workers, the
  // longest first: a spec's own largest `this.timeout(...)` is how long it says it may take.
  const e2e = files.filter(ownsItsRuns).sort((a, b) => statedLimit(b) - statedLimit(a) || a.localeCompare(b));
  const units = {
    name: 'units, suites and the shared demo',
    files: files.filter((f) => !ownsItsRuns(f)),
    // The shared demo starts while mocha loads the specs (test/demo-run-test-kit.ts).
    env: { DNSCONFORM_TEST_DEMO_AT_LOAD: '1' },
  };
  const runs = [units, ...e2e.map((file) => ({ name: file, files: [file] }))];
  const logs = mkdtempSync(join(tmpdir(), 'dnsconform-test-'));
  const started = Date.now();
  console.log(
    `${e2e.length} end-to-end spec files run beside this lane, ${E2E_WORKERS} at a time; their output follows.`,
  );
  const codes = new Array(runs.length);
  const queue = runs.slice(1).map((run, i) => ({ run, index: i + 1 }));
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift())
      codes[next.index] = await runLane(next.run.files, join(logs, `run-${next.index}.log`), false, next.run.env);
  };
  await Promise.all([
    runLane(units.files, join(logs, 'run-0.log'), true, units.env).then((code) => {
      codes[0] = code;
    }),
    ...Array.from({ length: E2E_WORKERS }, worker),
  ]);
  let passed = 0;
  let failed = 0;
  runs.forEach((run, i) => {
    const output = readFileSync(join(logs, `run-${i}.log`), 'utf8');
    if (i > 0) {
      console.log(`\n===== ${run.name} (exit ${codes[i]}) =====`);
      process.stdout.write(output);
    }
    const closing = output.trimEnd().split('\n').at(-1)?.match(CLOSING_LINE);
    if (closing) {
      passed += Number(closing[1]);
      failed += Number(closing[2]);
    } else {
      // A run that never reached its summary (a crash, a hook that threw outside a test) counts as one failure.
      console.log(`${run.name} ended without its summary line (exit ${codes[i]})`);
      failed += 1;
    }
  });
  rmSync(logs, { recursive: true, force: true });
  console.log(
    `\nwhole suite: ${((Date.now() - started) / 1000).toFixed(0)} s wall time (units beside ${E2E_WORKERS} end-to-end workers)`,
  );
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed > 0 || codes.some((code) => code !== 0) ? 1 : 0);
}
