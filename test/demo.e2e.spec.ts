/**
 * End to end, through the command line exactly as a user runs it: `npm run demo` runs every
 * experiment against the two reference devices over real sockets (the demo plan, 3-second
 * phases), writes signed reports, and the run directories verify, until a single byte is
 * changed. The same two runs are then compared with `diff` and turned into an allow-list,
 * as a manufacturer self-testing would (docs/manufacturers.md). The demo runs once per mocha
 * process (test/demo-run-test-kit.ts) and is shared with the other specs that read it.
 */
import { expect } from 'chai';
import { copyFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult } from '../lib/checks/check-types.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import type { RunDiff } from '../lib/diff/run-diff.ts';
import type { Report } from '../lib/report/report-types.ts';
import { TABLE_I_COLUMNS } from '../lib/catalogue/table-i-columns.ts';
import { TABLE_I_HEADINGS } from '../lib/report/table-i.ts';
import { mudProblems } from '../lib/allowlist/mud.ts';
import { ALLOWLIST_FILES } from '../lib/allowlist/write-allowlist.ts';
import { runCli } from './cli-process-test-kit.ts';
import { DEMO_TIMEOUT_MS, demoRun } from './demo-run-test-kit.ts';
import type { DemoRun } from './demo-run-test-kit.ts';

const ROOT = join(import.meta.dirname, '..');

/** `dnsconform ...args`, stdout and stderr together. */
async function dnsconform(args: string[]): Promise<{ status: number; out: string }> {
  const run = await runCli(args);
  return { status: run.code, out: `${run.stdout}${run.stderr}` };
}

function result(report: Report, check: string): CheckResult {
  const found = report.results.find((r) => r.check === check);
  if (!found) throw new Error(`no result for ${check}`);
  return found;
}

describe('demo, end to end (real processes and sockets on loopback)', function () {
  this.timeout(DEMO_TIMEOUT_MS);
  let demo: DemoRun;
  let runs: DemoRun['runs'];

  before(async () => {
    demo = await demoRun();
    runs = demo.runs;
  });

  it('exits 0, passes its own self-check, and ends with both Table I rows and where the reports are', () => {
    expect(demo.code, demo.output).to.equal(0);
    expect(demo.output).to.match(/demo self-check passed/);
    const tail = demo.output.slice(demo.output.lastIndexOf('Table I (paper)'));
    expect(tail).to.match(/sim-good +sim-bad/);
    for (const column of TABLE_I_COLUMNS)
      expect(tail).to.match(new RegExp(`${TABLE_I_HEADINGS[column].replace(/[()#]/g, '\\$&')} +✓ +✗`));
    expect(tail).to.match(/reports:\n +sim-good: .*report\.json.*bundle .*\.tar\.gz\n +sim-bad: /);
    // The phases: every experiment of the demo plan, at most 8 s each.
    const phases = runs.get('sim-good')!.report.observation.phases;
    expect(phases.length, 'phases run').to.be.at.least(35);
  });

  it('writes a signed report for each device', () => {
    expect([...runs.keys()].sort()).to.deep.equal(['sim-bad', 'sim-good']);
    for (const { dir } of runs.values()) {
      expect(readdirSync(dir)).to.include.members([
        'events.ndjson',
        'profile.yaml',
        'device.log',
        'report.json',
        'report.json.sig',
        'manifest.json',
        'manifest.json.sig',
        'signer.pub.pem',
      ]);
    }
  });

  it('bundles each run beside its directory, and the bundle verifies', async () => {
    for (const { bundle } of runs.values()) {
      expect(existsSync(bundle), bundle).to.equal(true);
      const verified = await dnsconform(['verify', bundle]);
      expect(verified.status, verified.out).to.equal(0);
      expect(verified.out)
        .to.match(/OK +report\.pdf/)
        .and.match(/OK +attestation\.intoto\.json/);
    }
  });

  it('states its scope on page 1 and re-judges a demo bundle to the signed verdicts', async () => {
    const { report, bundle } = runs.get('sim-bad')!;
    expect(report.scope).to.deep.include({ mode: 'run', checks: null, plan: 'demo', complete: true });
    // Every check judged (the resolver change through the devices' loopback DHCP included); the demo plan is not a certification plan.
    expect(report.scope!.statement).to.match(/^All \d+ checks of the suites judged\.$/);
    // Each FAIL carries the command that re-runs just that check (the plan's phases it needs) on the run's own profile copy, in report.json and on page 1.
    const edns = result(report, 'transport/edns-payload-size') as CheckResult & { reproduce?: string };
    expect(edns.verdict).to.equal('FAIL');
    expect(edns.reproduce).to.match(
      new RegExp(
        `^dnsconform run --profile ${report.runId}/profile\\.yaml --plan demo --experiments needed( --window \\d+)? --checks transport/edns-payload-size$`,
      ),
    );
    const summary = readFileSync(join(runs.get('sim-bad')!.dir, 'report.html'), 'utf8').split(
      '<section id="report-information"',
    )[0]!;
    expect(summary).to.include('<h4>Failures</h4>').and.include(edns.reproduce!);
    const rejudged = await dnsconform(['verify', '--rejudge', bundle]);
    expect(rejudged.status, rejudged.out).to.equal(0);
    expect(rejudged.out).to.match(/no differences: every verdict re-judged from the evidence equals the signed one/);
  });

  it('draws the four figures into each run, hashed with the evidence and captioned from it', () => {
    for (const [dut, { dir, report }] of runs) {
      expect(report.figures?.map((f) => f.file)).to.deep.equal([
        'figures/source-ports.svg',
        'figures/txids.svg',
        'figures/query-timeline.svg',
        'figures/requery-vs-ttl.svg',
      ]);
      const hashed = new Set(report.evidenceFiles.map((e) => e.file));
      for (const figure of report.figures!) {
        expect(hashed.has(figure.file), figure.file).to.equal(true);
        expect(readFileSync(join(dir, figure.file), 'utf8'))
          .to.match(/^<svg/)
          .and.include(dut);
      }
      const ports = result(report, 'randomness/source-port-randomised').figures;
      expect(report.figures![0]!.caption).to.match(new RegExp(`^${ports.queries} UDP queries`));
    }
  });

  it('assesses every check for both devices: the good one CONFORMANT (every check PASS or INFO), the bad one NOT_CONFORMANT', () => {
    const good = runs.get('sim-good')!.report;
    const bad = runs.get('sim-bad')!.report;
    for (const report of [good, bad]) {
      const unassessed = report.results.filter(
        (r) => r.verdict === 'INCONCLUSIVE' && r.observed.startsWith('Not assessed'),
      );
      expect(
        unassessed.map((r) => `${r.check}: ${r.observed}`),
        `${report.dut.id} not assessed`,
      ).to.deep.equal([]);
    }
    const undecided = good.results.filter((r) => r.verdict !== 'PASS' && r.verdict !== 'INFO');
    expect(undecided.map((r) => `${r.check}: ${r.verdict} ${r.observed}`)).to.deep.equal([]);
    expect(good.overall.verdict).to.equal('CONFORMANT');
    expect(bad.overall.verdict).to.equal('NOT_CONFORMANT');
    expect(demo.output).to.match(/^demo self-check passed: sim-good CONFORMANT, sim-bad NOT_CONFORMANT$/m);
    expect(demo.output).not.to.match(/not assessed: /);
    // The bad device is decided on every check but those its own behaviour leaves open: it never used encrypted DNS.
    const badOpen = bad.results
      .filter((r) => r.verdict === 'INCONCLUSIVE')
      .map((r) => r.check)
      .sort();
    expect(badOpen).to.deep.equal(['encryption-upgrade/no-cleartext-downgrade', 'encryption/encrypted-queries-padded']);
    // The resolver change reached both through their loopback DHCP (dnsmasq): the good one followed it, the bad one did not.
    expect(result(good, 'resolver-use/follows-resolver-change').observed).to.match(/told at its renewal/);
    expect(result(bad, 'resolver-use/follows-resolver-change').verdict).to.equal('FAIL');
    for (const check of [
      'randomness/source-port-randomised',
      'randomness/transaction-id-randomised',
      'caching/ttl-honoured',
      'caching/extreme-ttl-capped',
      'caching/ttl-jump-not-pinned',
      'transport/tcp-fallback-on-truncation',
      'transport/edns-fallback-on-formerr',
      'transport/edns-payload-size',
      'resolver-use/assigned-resolver-only',
    ]) {
      expect(result(good, check).verdict, `good ${check}: ${result(good, check).observed}`).to.equal('PASS');
      expect(result(bad, check).verdict, `bad ${check}: ${result(bad, check).observed}`).to.equal('FAIL');
    }
    const badPorts = result(bad, 'randomness/source-port-randomised').figures;
    expect(badPorts).to.include({ stdev: 0, top: 4096, topShare: 1, class: 'POOR' });
    expect(result(bad, 'randomness/transaction-id-randomised').figures.sequentialShare).to.be.above(0.9);
    // The paper's Table I row follows: every column decided, the good device ✓ and the bad one ✗.
    for (const column of TABLE_I_COLUMNS) {
      expect(good.tableI[column], `good ${column}`).to.equal('pass');
      expect(bad.tableI[column], `bad ${column}`).to.equal('fail');
    }
    const goodPorts = result(good, 'randomness/source-port-randomised').figures;
    expect(goodPorts.class).to.equal('GREAT');
    expect(goodPorts.n as number).to.be.at.least(50);
  });

  it('derives those verdicts from the evidence in the run directory', () => {
    for (const [dut, { dir, report }] of runs) {
      const queries = loadEvidence(join(dir, 'events.ndjson'))
        .queries(dut)
        .filter((q) => q.transport === 'udp');
      // Every UDP query is measured; the sample is one port per lookup (A and AAAA from one socket count once).
      expect(result(report, 'randomness/source-port-randomised').figures.queries).to.equal(queries.length);
      expect(result(report, 'randomness/source-port-randomised').figures.n as number).to.be.within(
        queries.length / 2,
        queries.length,
      );
      const ports = new Set(queries.map((q) => q.client.port));
      expect(result(report, 'randomness/source-port-randomised').figures.distinct).to.equal(ports.size);
    }
  });

  it('stops a device it power-cycles before the phase starts, so the instance being stopped meets none of the phase', () => {
    for (const [dut, { dir }] of runs) {
      const events = loadEvidence(join(dir, 'events.ndjson')).events.filter((e) => e.dut === dut);
      const cycles = events.filter((e) => e.type === 'trigger' && e.trigger === 'power-cycle');
      expect(cycles.length, `${dut}: power-cycles`).to.be.at.least(5);
      for (const cycle of cycles) {
        const start = events.find((e) => e.type === 'phase.start' && e.name === cycle.phase)!;
        const exit = events.filter((e) => e.type === 'dut.exit' && e.t <= cycle.t).at(-1)!;
        // Stopped outside every phase: no answer of the phase reached it, nothing it did is the phase's.
        expect([exit.phase, exit.t < start.t], `${dut} before ${cycle.phase}`).to.deep.equal([null, true]);
      }
    }
  });

  it('verify accepts untouched runs and rejects one changed byte in events.ndjson or report.json', async () => {
    const { dir } = runs.get('sim-bad')!;
    expect((await dnsconform(['verify', dir])).status).to.equal(0);
    for (const file of ['events.ndjson', 'report.json']) {
      const path = join(dir, file);
      const original = readFileSync(path);
      const tampered = Buffer.from(original);
      const at = Math.floor(tampered.length / 2);
      tampered[at] = tampered[at]! ^ 0x01;
      writeFileSync(path, tampered);
      const verify = await dnsconform(['verify', dir]);
      writeFileSync(path, original);
      expect(verify.status, verify.out).to.equal(1);
      expect(verify.out).to.match(new RegExp(`FAIL\\s+${file.replace('.', '\\.')}`));
    }
    expect((await dnsconform(['verify', dir])).status).to.equal(0);
  });

  describe('diff of the two runs (firmware regression, as a manufacturer compares builds)', () => {
    it('lists every check whose verdict differs between the good and the bad run, and exits 1', async () => {
      const good = runs.get('sim-good')!;
      const bad = runs.get('sim-bad')!;
      const run = await runCli([
        'diff',
        good.bundle,
        bad.bundle,
        '--json',
        '--out',
        join(demo.work, 'diff-good-bad'),
        '--keys',
        demo.keys,
      ]);
      expect(run.code, run.stderr).to.equal(1);
      const diff = JSON.parse(run.stdout) as RunDiff;
      const differing = good.report.results
        .filter((r) => result(bad.report, r.check).verdict !== r.verdict)
        .map((r) => r.check);
      expect(differing.length).to.be.above(10);
      expect(diff.verdictChanges.map((c) => c.check)).to.deep.equal(differing);
      expect(diff.regressions.length).to.be.above(0);
      expect(diff.verdictChanges.find((c) => c.check === 'randomness/source-port-randomised')).to.include({
        a: 'PASS',
        b: 'FAIL',
        kind: 'regressed',
      });
    });

    it('of a run with itself exits 0 and lists nothing', async () => {
      const { dir } = runs.get('sim-good')!;
      const run = await runCli([
        'diff',
        dir,
        dir,
        '--json',
        '--out',
        join(demo.work, 'diff-self'),
        '--keys',
        demo.keys,
      ]);
      expect(run.code, run.stderr).to.equal(0);
      const diff = JSON.parse(run.stdout) as RunDiff;
      expect(diff.verdictChanges).to.deep.equal([]);
      expect(diff.regressions).to.deep.equal([]);
      expect(diff.names.added).to.deep.equal([]);
      expect(diff.resolvers.added).to.deep.equal([]);
    });

    it('refuses a tampered bundle with exit 2, naming the file', async () => {
      const { bundle, dir } = runs.get('sim-bad')!;
      const tampered = join(demo.work, 'tampered.tar.gz');
      copyFileSync(bundle, tampered);
      const bytes = readFileSync(tampered);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = bytes[at]! ^ 0x01;
      writeFileSync(tampered, bytes);
      const run = await dnsconform([
        'diff',
        dir,
        tampered,
        '--out',
        join(demo.work, 'diff-tampered'),
        '--keys',
        demo.keys,
      ]);
      expect(run.status, run.out).to.equal(2);
      expect(run.out).to.include('tampered.tar.gz');
    });
  });

  it('turns a run into an allow-list whose MUD file passes the schema derived from RFC 8520', async () => {
    const { dir } = runs.get('sim-good')!;
    const out = join(demo.work, 'allowlist-good');
    const run = await dnsconform(['allowlist', dir, '--out', out]);
    expect(run.status, run.out).to.equal(0);
    const mud = JSON.parse(readFileSync(join(out, ALLOWLIST_FILES.mud), 'utf8')) as unknown;
    expect(mudProblems(mud)).to.deep.equal([]);
    expect(JSON.stringify(mud)).to.include('https://mud.sim.example/sim-good.json').and.include('time.sim.example');
  });

  it('rejects a malformed profile with the JSON pointer and exit code 2', async () => {
    const profile = join(demo.work, 'broken.yaml');
    writeFileSync(
      profile,
      readFileSync(join(ROOT, 'profiles', 'sim-bad.yaml'), 'utf8').replace('strategy: counter', 'strategy: sometimes'),
    );
    const run = await dnsconform([
      'run',
      '--profile',
      profile,
      '--out',
      join(demo.work, 'broken'),
      '--keys',
      demo.keys,
    ]);
    expect(run.status).to.equal(2);
    expect(run.out)
      .to.match(/broken\.yaml: invalid profile/)
      .and.match(/\/device\/behaviour\/txid\/strategy \(line \d+\)/);
  });

  it('rejects a listen address this host does not have with the profile pointer and exit code 2', async () => {
    // Only a bind is attempted; it fails locally, nothing is sent.
    const profile = join(demo.work, 'elsewhere.yaml');
    writeFileSync(
      profile,
      readFileSync(join(ROOT, 'profiles', 'sim-bad.yaml'), 'utf8')
        .replaceAll('address: 127.0.10.1, port: 0', 'address: 203.0.113.7, port: 0')
        // Its loopback DHCP would hand out 127.0.10.1, which no longer listens: without it, only the bind is tried.
        .replace(/^network:\n {2}dhcp: .*\n/m, ''),
    );
    const run = await dnsconform([
      'run',
      '--profile',
      profile,
      '--out',
      join(demo.work, 'elsewhere'),
      '--keys',
      demo.keys,
    ]);
    expect(run.status, run.out).to.equal(2);
    expect(run.out).to.match(
      /elsewhere\.yaml: \/resolver\/listen\/0: cannot listen on 203\.0\.113\.7:0 \(EADDRNOTAVAIL\)/,
    );
  });
});
