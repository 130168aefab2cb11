/**
 * Bundles of real runs, as a regulator gets them: the demo's two runs (the one demo of the
 * test process, test/demo-run-test-kit.ts, copied here; when its loopback addresses were taken,
 * runs judged from recorded evidence), then `bundle`,
 * `verify` and `verify --rejudge` on untouched and on changed bundles.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createBundle } from '../report/bundle.ts';
import { expectCountsOf, parseJUnit } from '../report/fixtures/junit-parse.ts';
import { runCommand } from '../report/fixtures/run-command.ts';
import type { CommandRun } from '../report/fixtures/run-command.ts';
import { demoOrFixtureRuns, FIXTURE_EVIDENCE, judgedFixtureRun } from '../report/fixtures/judged-run.ts';
import type { TestRuns } from '../report/fixtures/judged-run.ts';
import { flipByte, removeTempDirs, tempDir } from '../report/fixtures/sample-run.ts';
import type { Report } from '../report/report-types.ts';
import { bundleCommand } from './bundle.ts';
import { junitCommand } from './junit.ts';
import { verifyCommand } from './verify.ts';
import { DEMO_TIMEOUT_MS, demoRun } from '../../test/demo-run-test-kit.ts';

const ROOT = join(import.meta.dirname, '..', '..');

const verify = (args: string[]): Promise<CommandRun> => runCommand(verifyCommand, args);

/** The files the closing line says do not match. */
function failingFiles(out: string): string[] {
  const closing = out
    .trimEnd()
    .split('\n')
    .find((line) => line.startsWith('NOT verified') || line.startsWith('verified'));
  const match = /do not match \(([^)]*)\)/.exec(closing ?? '');
  return match ? match[1]!.split(', ') : [];
}

/**
 * A copy of the project's suites beside a link to lib/, so the checks' relative imports
 * (../../lib/...) resolve to the harness's own modules; `edit` changes it.
 */
function suitesCopy(edit: (suitesDir: string) => void): string {
  const root = tempDir('suites');
  symlinkSync(join(ROOT, 'lib'), join(root, 'lib'));
  const suitesDir = join(root, 'suites');
  cpSync(join(ROOT, 'suites'), suitesDir, { recursive: true });
  edit(suitesDir);
  return suitesDir;
}

describe('cli/bundle + verify + verify --rejudge on real runs', () => {
  let runs: TestRuns;
  let bundles: string[];

  before(async function () {
    this.timeout(DEMO_TIMEOUT_MS);
    const demo = await demoRun();
    runs = await demoOrFixtureRuns(tempDir('runs'), {
      code: demo.code,
      runDirs: [...demo.runs.values()].map((r) => r.dir),
      keyDir: demo.keys,
      output: demo.output,
    });
    if (runs.source === 'fixture')
      console.log(`      (the demo could not run here, ${runs.why}; judging recorded evidence instead)`);
    const out = tempDir('bundles');
    bundles = [];
    for (const runDir of runs.runDirs) {
      const made = await runCommand(bundleCommand, [runDir, '--out', join(out, `${basename(runDir)}.tar.gz`)]);
      expect(made.exitCode ?? 0, made.err).to.equal(0);
      expect(made.out).to.match(/^wrote .*\.tar\.gz: \d+ files of run /);
      bundles.push(join(out, `${basename(runDir)}.tar.gz`));
    }
  });

  after(removeTempDirs);

  it('untouched bundles verify, with the lab key too', async () => {
    for (const bundle of bundles) {
      const bundled = await verify([bundle]);
      expect(bundled.exitCode ?? 0, bundled.out + bundled.err).to.equal(0);
      expect(bundled.out)
        .to.match(/^OK {4}attestation\.intoto\.json$/m)
        .and.match(/^OK {4}events\.ndjson$/m);
      expect(bundled.out.trimEnd().split('\n').at(-1)).to.match(
        /^verified: all \d+ files match; signatures checked with the bundled key signer\.pub\.pem in the bundle/,
      );
      const trusted = await verify([bundle, '--key', join(runs.keyDir, 'lab-ed25519.pub.pem')]);
      expect(trusted.exitCode ?? 0).to.equal(0);
    }
  });

  it('changing one byte of report.json, events.ndjson, any evidence file or the attestation fails verify, naming that file', async () => {
    const runDir = runs.runDirs[0]!;
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as Report;
    const targets = ['report.json', 'attestation.intoto.json', ...report.evidenceFiles.map((e) => e.file)];
    expect(targets).to.include('events.ndjson').and.include('profile.yaml');
    for (const target of targets) {
      const copy = join(tempDir('changed'), basename(runDir));
      cpSync(runDir, copy, { recursive: true });
      flipByte(join(copy, target));
      const { file } = await createBundle(copy, { out: join(tempDir('changed-bundle'), 'b.tar.gz') });
      const { exitCode, out } = await verify([file]);
      expect(exitCode, `${target}\n${out}`).to.equal(1);
      expect(out).to.match(new RegExp(`^FAIL  ${target.replace(/[.*/]/g, '\\$&')}: `, 'm'));
      expect(failingFiles(out), `${target}\n${out}`).to.deep.equal([target]);
    }
  });

  it('a run with a symbolic link is not bundled, and a bundle holding one is unusable input (exit 2)', async () => {
    const runDir = runs.runDirs[0]!;
    const copy = join(tempDir('linked'), basename(runDir));
    cpSync(runDir, copy, { recursive: true });
    symlinkSync('/etc/passwd', join(copy, 'passwd'));
    const refused = await runCommand(bundleCommand, [copy, '--out', join(tempDir('x'), 'x.tar.gz')]);
    expect(refused.exitCode).to.equal(2);
    expect(refused.err).to.match(/not regular files, refusing to bundle them: passwd/);

    const evil = join(tempDir('evil'), 'evil.tar.gz');
    execFileSync('tar', ['-czf', evil, '-C', join(copy, '..'), basename(copy)]);
    const { exitCode, out, err } = await verify([evil]);
    expect(exitCode).to.equal(2);
    expect(out).to.equal('');
    expect(err).to.match(/refusing to unpack: .*passwd: a symbolic link entry/);
  });

  it('a run judged from recorded evidence (the fallback when the demo cannot run) verifies and re-judges without differences', async () => {
    const out = tempDir('fixture-run');
    const runDir = await judgedFixtureRun(out, join(out, 'keys'), FIXTURE_EVIDENCE[1]!);
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as Report;
    expect(report.results.find((r) => r.check === 'randomness/transaction-id-randomised')!.verdict).to.equal('FAIL');
    const { exitCode, out: printed } = await verify([runDir, '--rejudge']);
    expect(exitCode ?? 0, printed).to.equal(0);
    expect(printed).to.match(/^no differences/m);
  });

  it('dnsconform junit: one testcase per check, counts as in the report summary, to a file or standard output', async () => {
    for (const runDir of runs.runDirs) {
      const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as Report;
      const file = join(tempDir('junit'), 'junit.xml');
      const written = await runCommand(junitCommand, [runDir, '--out', file]);
      expect(written.exitCode ?? 0, written.err).to.equal(0);
      expect(written.out).to.match(
        new RegExp(`^wrote .*junit\\.xml: ${report.results.length} testcases \\(${report.summary.FAIL} failures`),
      );
      expectCountsOf(report, parseJUnit(readFileSync(file, 'utf8')));
      const printed = await runCommand(junitCommand, [runDir]);
      expect(printed.out).to.equal(readFileSync(file, 'utf8'));
    }
    const bare = await runCommand(junitCommand, [tempDir('bare')]);
    expect(bare.exitCode).to.equal(2);
    expect(bare.err).to.match(/report\.json: does not exist: not a finalised run/);
  });

  it('--rejudge on an untouched bundle reports no differences', async () => {
    for (const bundle of bundles) {
      const { exitCode, out } = await verify([bundle, '--rejudge']);
      expect(exitCode ?? 0, out).to.equal(0);
      expect(out).to.match(/^re-judged \d+ checks from events\.ndjson and profile\.yaml \(as a run\)/m);
      expect(out).to.not.match(/^DIFF/m);
      expect(out.trimEnd().split('\n').at(-1)).to.equal(
        'no differences: every verdict re-judged from the evidence equals the signed one',
      );
    }
  });

  it('--rejudge after decision-rule parameters changed reports exactly the verdicts they change, with the change', async () => {
    const edit = (file: string, from: string, to: string): void => {
      const text = readFileSync(file, 'utf8');
      expect(text).to.include(from);
      writeFileSync(file, text.replace(from, to));
    };
    const suitesDir = suitesCopy((dir) => {
      edit(join(dir, 'randomness', 'randomness-rule.ts'), 'minSamples: 50,', 'minSamples: 1000000,');
      edit(
        join(dir, 'resolver-use', 'assigned-resolver-only.check.ts'),
        '{ minQueries: 10 },',
        '{ minQueries: 1000000 },',
      );
    });
    const changed = (check: string): boolean =>
      check.startsWith('randomness/') || check === 'resolver-use/assigned-resolver-only';
    let differences = 0;
    for (const [i, bundle] of bundles.entries()) {
      const signed = JSON.parse(readFileSync(join(runs.runDirs[i]!, 'report.json'), 'utf8')) as Report;
      const { exitCode, out } = await verify([bundle, '--rejudge', '--suites', suitesDir]);
      const diffs = [...out.matchAll(/^DIFF {2}([^:]+): signed (\w+), now (\w+)$/gm)].map((m) => ({
        check: m[1]!,
        signed: m[2]!,
        now: m[3]!,
      }));
      // Both rules need their minimum sample before they PASS (and the randomness rule before it FAILs);
      // with 1,000,000 those verdicts become INCONCLUSIVE. A resolver-use FAIL (a query elsewhere) stands.
      const expected = signed.results
        .filter(
          (r) =>
            changed(r.check) && (r.verdict === 'PASS' || (r.verdict === 'FAIL' && r.check.startsWith('randomness/'))),
        )
        .map((r) => ({ check: r.check, signed: r.verdict, now: 'INCONCLUSIVE' }));
      expect(diffs, out).to.deep.equal(expected);
      expect(exitCode ?? 0, out).to.equal(expected.length > 0 ? 1 : 0);
      for (const { check } of expected) {
        const parameter = check.startsWith('randomness/') ? 'minSamples 50' : 'minQueries 10';
        expect(out).to.match(
          new RegExp(
            `^DIFF  ${check}: .*\\n        why: decision rule parameters changed: ${parameter} → 1000000`,
            'm',
          ),
        );
      }
      // The checks whose verdict the change left alone are noted, not listed as differences.
      const unchanged = signed.results.filter(
        (r) =>
          changed(r.check) && !r.observed.startsWith('Not assessed: ') && !expected.some((e) => e.check === r.check),
      );
      for (const r of unchanged)
        expect(out).to.match(
          new RegExp(`^NOTE  ${r.check}: still ${r.verdict}, though decision rule parameters changed`, 'm'),
        );
      differences += expected.length;
    }
    expect(differences, 'the runs had no verdict the change could alter').to.be.greaterThan(0);
  });

  it('--rejudge names a check the suites no longer have and one the report does not have', async () => {
    const suitesDir = suitesCopy((dir) => {
      mkdirSync(join(dir, 'caching-v2'));
      renameSync(join(dir, 'caching', 'ttl-honoured.check.ts'), join(dir, 'caching-v2', 'ttl-honoured.check.ts'));
      const moved = join(dir, 'caching-v2', 'ttl-honoured.check.ts');
      writeFileSync(moved, readFileSync(moved, 'utf8').replaceAll("from './", "from '../caching/"));
    });
    const { exitCode, out } = await verify([bundles[0]!, '--rejudge', '--suites', suitesDir]);
    expect(exitCode, out).to.equal(1);
    expect(out)
      .to.match(/^DIFF {2}caching\/ttl-honoured: signed \w+, now \(no such check\)$/m)
      .and.match(/why: missing: the suites in .* have no check caching\/ttl-honoured/);
    expect(out)
      .to.match(/^DIFF {2}caching-v2\/ttl-honoured: signed \(no result\), now \w+$/m)
      .and.match(/why: new: the signed report has no result for this check/);
    expect([...out.matchAll(/^DIFF/gm)]).to.have.length(2);
  });
});
