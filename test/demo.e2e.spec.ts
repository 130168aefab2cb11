/**
 * End to end, through the command line exactly as a user runs it: the demo certifies the
 * two reference devices over real sockets, writes signed reports, and the run directories
 * verify, until a single byte is changed.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckResult } from '../lib/checks/check-types.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import type { Report } from '../lib/report/report-types.ts';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'dnsconform.js');
/** Shortened observation window: enough samples from both devices, well under the 15-minute budget. */
const WINDOW_SECONDS = 25;

function dnsconform(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

function result(report: Report, check: string): CheckResult {
  const found = report.results.find((r) => r.check === check);
  if (!found) throw new Error(`no result for ${check}`);
  return found;
}

describe('demo, end to end (real processes and sockets on loopback)', function () {
  this.timeout(150_000);
  let work: string;
  let out: string;
  let keys: string;
  let demo: { status: number | null; out: string };
  const runs = new Map<string, { dir: string; report: Report }>();

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-e2e-'));
    out = join(work, 'reports');
    keys = join(work, 'keys');
    demo = dnsconform(['demo', '--window', String(WINDOW_SECONDS), '--out', out, '--keys', keys]);
    // Run directories, each with its bundle (<run-id>.tar.gz) beside it.
    for (const runId of readdirSync(out).filter((name) => !name.endsWith('.tar.gz'))) {
      const dir = join(out, runId);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
      runs.set(report.dut.id, { dir, report });
    }
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('exits 0, prints the verdict tables and passes its own self-check', () => {
    expect(demo.status, demo.out).to.equal(0);
    expect(demo.out).to.match(/demo self-check passed/);
    expect(demo.out).to.match(/sim-good/).and.match(/sim-bad/);
  });

  it('writes a signed report for each device', () => {
    expect([...runs.keys()].sort()).to.deep.equal(['sim-bad', 'sim-good']);
    for (const { dir } of runs.values()) {
      expect(readdirSync(dir)).to.include.members(['events.ndjson', 'profile.yaml', 'device.log', 'report.json', 'report.json.sig', 'manifest.json', 'manifest.json.sig', 'signer.pub.pem']);
    }
  });

  it('bundles each run beside its directory, and the bundle verifies', () => {
    for (const { report } of runs.values()) {
      const bundle = join(out, `${report.runId}.tar.gz`);
      expect(existsSync(bundle), bundle).to.equal(true);
      const verified = dnsconform(['verify', bundle]);
      expect(verified.status, verified.out).to.equal(0);
      expect(verified.out).to.match(/OK +report\.pdf/).and.match(/OK +attestation\.intoto\.json/);
    }
  });

  it('states its scope on page 1 and re-judges a demo bundle to the signed verdicts', () => {
    const { report } = runs.get('sim-bad')!;
    expect(report.scope).to.deep.include({ mode: 'run', checks: null, plan: null, complete: false });
    expect(report.scope!.statement).to.match(/^\d+ of \d+ checks judged: \d+ not assessed \(no phase of their experiments: the run had no plan\)/);
    // Each FAIL carries the command that re-runs just that check on the run's own profile copy, in report.json and on page 1.
    const edns = result(report, 'transport/edns-payload-size') as CheckResult & { reproduce?: string };
    expect(edns.reproduce).to.equal(`dnsconform run --profile ${report.runId}/profile.yaml --window ${WINDOW_SECONDS} --checks transport/edns-payload-size`);
    const summary = readFileSync(join(runs.get('sim-bad')!.dir, 'report.html'), 'utf8').split('<section id="report-information"')[0]!;
    expect(summary).to.include('<h4>Failures</h4>').and.include(edns.reproduce);
    const rejudged = dnsconform(['verify', '--rejudge', join(out, `${report.runId}.tar.gz`)]);
    expect(rejudged.status, rejudged.out).to.equal(0);
    expect(rejudged.out).to.match(/no differences: every verdict re-judged from the evidence equals the signed one/);
  });

  it('draws the four figures into each run, hashed with the evidence and captioned from it', () => {
    for (const [dut, { dir, report }] of runs) {
      expect(report.figures?.map((f) => f.file)).to.deep.equal(['figures/source-ports.svg', 'figures/txids.svg', 'figures/query-timeline.svg', 'figures/requery-vs-ttl.svg']);
      const hashed = new Set(report.evidenceFiles.map((e) => e.file));
      for (const figure of report.figures!) {
        expect(hashed.has(figure.file), figure.file).to.equal(true);
        expect(readFileSync(join(dir, figure.file), 'utf8')).to.match(/^<svg/).and.include(dut);
      }
      const ports = result(report, 'randomness/source-port-randomised').figures;
      expect(report.figures![0]!.caption).to.match(new RegExp(`^${ports.n} UDP queries`));
    }
  });

  it('passes the good device and fails the bad one on Recommendations #3, #4, #5 and #9, with the figures', () => {
    const good = runs.get('sim-good')!.report;
    const bad = runs.get('sim-bad')!.report;
    // One window, no plan: the checks needing an experiment are not assessed, so the good
    // device is INCOMPLETE, with every check it could assess passed (or INFO).
    expect(good.overall.verdict).to.equal('INCOMPLETE');
    const undecided = good.results.filter((r) => r.verdict !== 'PASS' && r.verdict !== 'INFO');
    expect(undecided.length).to.be.greaterThan(0);
    for (const r of undecided) expect(r.observed, `good ${r.check}`).to.match(/^Not assessed: this run had (0|no) phases? of/i);
    expect(demo.out).to.match(/^demo self-check passed: sim-good INCOMPLETE, sim-bad NOT_CONFORMANT$/m);
    expect(demo.out).to.match(/sim-good: \d+ checks not assessed, sim-bad: \d+ checks not assessed \(their experiments need a plan/);
    expect(bad.overall.verdict).to.equal('NOT_CONFORMANT');
    for (const check of ['randomness/source-port-randomised', 'randomness/transaction-id-randomised', 'caching/ttl-honoured']) {
      expect(result(good, check).verdict, `good ${check}: ${result(good, check).observed}`).to.equal('PASS');
      expect(result(bad, check).verdict, `bad ${check}: ${result(bad, check).observed}`).to.equal('FAIL');
    }
    // EDNS(0) shows in every query: 1232 octets passes, sim-bad's 4096 fails (RFC 9715).
    expect(result(good, 'transport/edns-payload-size').verdict).to.equal('PASS');
    expect(result(bad, 'transport/edns-payload-size').verdict).to.equal('FAIL');
    const badPorts = result(bad, 'randomness/source-port-randomised').figures;
    expect(badPorts).to.include({ stdev: 0, top: 4096, topShare: 1, class: 'POOR' });
    expect(result(bad, 'randomness/transaction-id-randomised').figures.sequentialShare).to.equal(1);
    // The paper's Table I row follows: what the demo decides, and nothing it cannot.
    const decided = ['randomSourcePort', 'randomTxid', 'queryConsistency', 'dhcpResolverOnly'] as const;
    for (const column of decided) {
      expect(good.tableI[column], column).to.equal('pass');
      expect(bad.tableI[column], column).to.equal('fail');
    }
    expect(good.tableI.dosResilience).to.equal('not-assessed'); // no amplification phase without a plan
    const goodPorts = result(good, 'randomness/source-port-randomised').figures;
    expect(goodPorts.class).to.equal('GREAT');
    expect(goodPorts.n as number).to.be.at.least(50);
  });

  it('derives those verdicts from the evidence in the run directory', () => {
    for (const [dut, { dir, report }] of runs) {
      const queries = loadEvidence(join(dir, 'events.ndjson')).queries(dut).filter((q) => q.transport === 'udp');
      expect(result(report, 'randomness/source-port-randomised').figures.n).to.equal(queries.length);
      const ports = new Set(queries.map((q) => q.client.port));
      expect(result(report, 'randomness/source-port-randomised').figures.distinct).to.equal(ports.size);
    }
  });

  it('verify accepts untouched runs and rejects one changed byte in events.ndjson or report.json', () => {
    const { dir } = runs.get('sim-bad')!;
    expect(dnsconform(['verify', dir]).status).to.equal(0);
    for (const file of ['events.ndjson', 'report.json']) {
      const path = join(dir, file);
      const original = readFileSync(path);
      const tampered = Buffer.from(original);
      const at = Math.floor(tampered.length / 2);
      tampered[at] = tampered[at]! ^ 0x01;
      writeFileSync(path, tampered);
      const verify = dnsconform(['verify', dir]);
      writeFileSync(path, original);
      expect(verify.status, verify.out).to.equal(1);
      expect(verify.out).to.match(new RegExp(`FAIL\\s+${file.replace('.', '\\.')}`));
    }
    expect(dnsconform(['verify', dir]).status).to.equal(0);
  });

  it('rejects a malformed profile with the JSON pointer and exit code 2', () => {
    const profile = join(work, 'broken.yaml');
    writeFileSync(profile, readFileSync(join(ROOT, 'profiles', 'sim-bad.yaml'), 'utf8').replace('strategy: counter', 'strategy: sometimes'));
    const run = dnsconform(['run', '--profile', profile, '--out', out, '--keys', keys]);
    expect(run.status).to.equal(2);
    expect(run.out).to.match(/broken\.yaml: invalid profile/).and.match(/\/device\/behaviour\/txid\/strategy \(line \d+\)/);
  });

  it('rejects a listen address this host does not have with the profile pointer and exit code 2', () => {
    // Only a bind is attempted; it fails locally, nothing is sent.
    const profile = join(work, 'elsewhere.yaml');
    writeFileSync(profile, readFileSync(join(ROOT, 'profiles', 'sim-bad.yaml'), 'utf8').replaceAll('address: 127.0.10.1, port: 0', 'address: 203.0.113.7, port: 0'));
    const run = dnsconform(['run', '--profile', profile, '--out', join(work, 'elsewhere'), '--keys', keys]);
    expect(run.status, run.out).to.equal(2);
    expect(run.out).to.match(/elsewhere\.yaml: \/resolver\/listen\/0: cannot listen on 203\.0\.113\.7:0 \(EADDRNOTAVAIL\)/);
  });
});
