/**
 * An IPv4-only device runs the quick plan (issue 13 point 6): the reference device's profile
 * with its IPv6 canary taken away. The forged-AAAA phase is not run for it, with the reason,
 * in the evidence (`phase.skip`), report.json, the HTML and the PDF, and the run completes
 * (exit 0 or 1, never the bad-input 2 it used to be). Shortened: the quick plan narrowed to
 * the forged-record phases (`--checks validation/resolver-forgery-observed --experiments
 * needed`), 1 s windows; the simulated device moves to a free loopback block when another
 * session holds its own (the session's /24 claim).
 *
 * At the same moment a second session runs the dual-stack reference device through a forged
 * AAAA phase (issue 13 point 5, the IPv6 canary): its IPv6 canary is IPv4-mapped inside its
 * own /24, so the two sessions share no canary and the contact is attributed to the device
 * that made it (on ::1, shared by every session, no contact could be told apart).
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { poppler } from '../lib/report/fixtures/poppler.ts';
import type { Report } from '../lib/report/report-types.ts';
import { runCli } from './cli-process-test-kit.ts';
import type { CliRun } from './cli-process-test-kit.ts';

const ROOT = join(import.meta.dirname, '..');
const REASON =
  'experiment forged-aaaa forges answers pointing at an IPv6 canary and the profile has no IPv6 canary (an IPv4-only device)';

describe('an IPv4-only device under the quick plan (end to end on loopback)', function () {
  // Waits on one `dnsconform run` process: about 25 s at load 5, 45 s at load 18 (start, four
  // 1 s phases with one power-cycle, judging, figures, PDF); the limit leaves room for more load.
  this.timeout(240_000);
  let work: string;
  let run: CliRun;
  let runDir: string;
  let report: Report;
  let dualStack: CliRun;
  let dualStackDir: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-ipv4-only-'));
    const profile = readFileSync(join(ROOT, 'profiles', 'sim-good.yaml'), 'utf8')
      .replace(/^ {2}id: sim-good$/m, '  id: sim-ipv4-only')
      .replace(/^canaries: .*$/m, 'canaries: [127.0.10.77, 127.0.10.78, 127.0.10.79, 127.0.10.80, 127.0.10.81]');
    expect(profile, 'the profile was made IPv4-only').to.match(/^canaries: \[127\.0\.10\.77, [\d., ]+\]$/m);
    expect(profile).to.include('id: sim-ipv4-only');
    writeFileSync(join(work, 'ipv4-only.yaml'), profile);
    const out = join(work, 'reports');
    // 6 s of forged AAAA: the device asks AAAA every 0.5 s and keeps an answer at most 5 s.
    writeFileSync(
      join(work, 'aaaa.yaml'),
      'description: Forged AAAA only.\nselect: all\nphases:\n  - { experiment: baseline, windowSeconds: 1 }\n  - { experiment: forged-aaaa, windowSeconds: 6 }\n',
    );
    const dualOut = join(work, 'dual');
    const dual = runCli([
      'run',
      '--profile',
      join(ROOT, 'profiles', 'sim-good.yaml'),
      '--plan',
      join(work, 'aaaa.yaml'),
      '--checks',
      'validation/resolver-forgery-observed',
      '--out',
      dualOut,
      '--keys',
      join(work, 'keys'),
    ]);
    run = await runCli([
      'run',
      '--profile',
      join(work, 'ipv4-only.yaml'),
      '--plan',
      'quick',
      '--checks',
      'validation/resolver-forgery-observed',
      '--experiments',
      'needed',
      '--window',
      '1',
      '--out',
      out,
      '--keys',
      join(work, 'keys'),
    ]);
    const dirs = readdirSync(out).filter((name) => !name.endsWith('.tar.gz'));
    expect(dirs, `${run.stdout}${run.stderr}`).to.have.length(1);
    runDir = join(out, dirs[0]!);
    report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as Report;
    dualStack = await dual;
    const dualDirs = readdirSync(dualOut).filter((name) => !name.endsWith('.tar.gz'));
    expect(dualDirs, `${dualStack.stdout}${dualStack.stderr}`).to.have.length(1);
    dualStackDir = join(dualOut, dualDirs[0]!);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('completes with its verdicts (exit 0 or 1), saying which phase it did not run and why', () => {
    const output = `${run.stdout}${run.stderr}`;
    expect(run.code, output).to.be.oneOf([0, 1]);
    expect(output).to.include(`phase 3/4 forged-aaaa: not run: ${REASON}`);
    expect(output).to.include(`not run: phase forged-aaaa: ${REASON}`);
  });

  it('records the phase as not run in the evidence, and runs the others', () => {
    const events = readFileSync(join(runDir, 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; name?: string; experiment?: string; reason?: string });
    expect(
      events.filter((e) => e.type === 'phase.skip').map(({ name, experiment, reason }) => [name, experiment, reason]),
    ).to.deep.equal([['forged-aaaa', 'forged-aaaa', REASON]]);
    expect(events.filter((e) => e.type === 'phase.start').map((e) => e.name)).to.deep.equal([
      'baseline',
      'forged-a',
      'forged-cname',
    ]);
  });

  it('lists it as not run with the reason in report.json, the HTML and the PDF', () => {
    expect(report.observation.notRun).to.deep.equal([
      { name: 'forged-aaaa', experiment: 'forged-aaaa', reason: REASON },
    ]);
    expect(report.observation.phases.map((p) => p.name)).to.deep.equal(['baseline', 'forged-a', 'forged-cname']);
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(html).to.include(`<tr class="not-run"><td>forged-aaaa</td><td>forged-aaaa</td><td>${REASON}</td></tr>`);
    expect(html).to.include(`Phase forged-aaaa of the plan was not run: ${REASON}`);
    // pdftotext wraps and hyphenates lines: compare with whitespace folded.
    const pdf = poppler('pdftotext', [join(runDir, 'report.pdf'), '-']).replace(/\s+/g, ' ');
    expect(pdf).to.include('Phases not run').and.include('the profile has no IPv6 canary (an IPv4-only device)');
  });

  it('judges the check the phase fed on the forged-record phases that ran', () => {
    const result = report.results.find((r) => r.check === 'validation/resolver-forgery-observed');
    expect(result?.verdict, result?.observed).to.be.oneOf(['INFO', 'INCONCLUSIVE']);
    expect(result?.observed).to.not.match(/^Not assessed/);
  });

  it('lets a dual-stack session at the same moment use its own IPv6 canary, and attributes the contact to its device', () => {
    expect(dualStack.code, `${dualStack.stdout}${dualStack.stderr}`).to.be.oneOf([0, 1]);
    const profile = readFileSync(join(dualStackDir, 'profile.yaml'), 'utf8');
    const block = /^ {2}addresses: \[(127\.\d+\.\d+\.)2\]$/m.exec(profile)?.[1];
    expect(block, profile).to.be.a('string');
    expect(profile).to.include(`"::ffff:${block}82"`);
    type Contact = {
      type: string;
      dut: string | null;
      phase: string | null;
      client: { address: string };
      canary: { address: string };
    };
    const contacts = (dir: string) =>
      readFileSync(join(dir, 'events.ndjson'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Contact)
        .filter((e) => e.type === 'canary.contact');
    const aaaa = contacts(dualStackDir).filter((c) => c.phase === 'forged-aaaa' && c.canary.address === `${block}82`);
    expect(aaaa.length, 'contacts with the IPv6 canary in the forged-AAAA phase').to.be.above(0);
    expect(new Set(aaaa.map((c) => `${c.dut} ${c.client.address}`))).to.deep.equal(new Set([`sim-good ${block}2`]));
    // Neither session saw the other's device.
    const own = /^ {2}addresses: \[(\S+)\]$/m.exec(readFileSync(join(runDir, 'profile.yaml'), 'utf8'))?.[1];
    expect(new Set(contacts(runDir).map((c) => c.client.address))).to.deep.equal(new Set([own]));
  });
});
