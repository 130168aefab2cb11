/**
 * Two sessions on one host (issue 13, point 5): two `dnsconform demo` started at the same
 * moment both want the reference profiles' loopback block 127.0.10.0/24. One holds it (or
 * neither, when a third program does), the other moves its simulated devices to a free
 * block, and both finish with their verdicts. Shortened to one 5 s baseline phase each.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-process-test-kit.ts';
import type { CliRun } from './cli-process-test-kit.ts';

const PLAN =
  'description: One baseline phase, two demos side by side.\nselect: all\nphases:\n  - { experiment: baseline, windowSeconds: 5 }\n';

describe('two demos at once on one host', function () {
  this.timeout(300_000);
  let work: string;
  let runs: CliRun[];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-two-demos-'));
    writeFileSync(join(work, 'plan.yaml'), PLAN);
    const demo = (name: string) =>
      runCli([
        'demo',
        '--plan',
        join(work, 'plan.yaml'),
        '--out',
        join(work, name),
        '--keys',
        join(work, 'keys'),
        '--no-documents',
      ]);
    runs = await Promise.all([demo('a'), demo('b')]);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('both finish with their verdicts (exit 0 or 1: one short phase leaves sim-good INCOMPLETE), neither meets a taken address', () => {
    for (const run of runs) {
      const out = `${run.stdout}${run.stderr}`;
      expect(run.code, out).to.be.oneOf([0, 1]);
      // Every canary, the IPv6 one included (IPv4-mapped), is inside the session's own /24: no port of the sink is taken.
      expect(out).to.not.match(/address already in use|cannot listen|canary sink skipped/);
      expect(out)
        .to.match(/^demo self-check (passed|FAILED)/m)
        .and.match(/sim-good +sim-bad/);
    }
  });

  it('at least one moved to a loopback block of its own, and the two used different blocks', () => {
    const blocks = runs.map(
      (run) => /simulated devices moved to (127\.\d+\.\d+)\.0\/24/.exec(run.stdout)?.[1] ?? '127.0.10',
    );
    expect(blocks.filter((b) => b !== '127.0.10').length, runs.map((r) => r.stdout).join('\n')).to.be.at.least(1);
    expect(blocks[0]).to.not.equal(blocks[1]);
  });
});
