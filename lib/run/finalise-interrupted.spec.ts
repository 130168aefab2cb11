import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceEvent } from '../evidence/events.ts';
import { ensurePdfSigningKey } from '../report/pdf/pdf-key.ts';
import type { Report } from '../report/report-types.ts';
import { ensureKeys } from '../report/signing.ts';
import { verifyRun } from '../report/verify-run.ts';
import { finaliseInterruptedRun } from './finalise-interrupted.ts';

const PROFILE = join(import.meta.dirname, '..', '..', 'profiles', 'sim-good.yaml');
const T0 = 1_790_000_000_000_000;
const RUN_ID = '20260920T000000Z-sim-good';

/** The evidence a live run of sim-good writes up to its kill: run.start (with its session), a listener, a phase begun. */
function interruptedEvents(): EvidenceEvent[] {
  return [
    {
      type: 'run.start',
      seq: 1,
      t: T0,
      dut: 'sim-good',
      phase: null,
      runId: RUN_ID,
      session: {
        windowSeconds: 30,
        checks: 'randomness',
        plan: null,
        reproduction: { flags: ['--window', '30'], perCheck: true },
      },
    },
    {
      type: 'resolver.listen',
      seq: 2,
      t: T0 + 1_000,
      dut: null,
      phase: null,
      transport: 'udp',
      address: '127.0.10.1',
      port: 5353,
    },
    {
      type: 'phase.start',
      seq: 3,
      t: T0 + 2_000,
      dut: 'sim-good',
      phase: 'baseline',
      name: 'baseline',
      experiment: 'baseline',
      scenario: 'pass-through',
    },
    {
      type: 'liveness.probe',
      seq: 4,
      t: T0 + 2_500_000,
      dut: 'sim-good',
      phase: 'baseline',
      probe: 'tcp',
      target: '127.0.10.2:8080',
      alive: true,
      latencyMs: 1,
      detail: null,
    },
  ] as EvidenceEvent[];
}

const ndjson = (events: readonly object[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

describe('run/finalise-interrupted: a run cut short, judged and sealed afterwards', function () {
  this.timeout(180_000);
  const work = mkdtempSync(join(tmpdir(), 'dnsconform-finalise-'));
  const keyDir = join(work, 'keys');
  const runDir = (name: string, events: readonly object[]) => {
    const dir = join(work, name, RUN_ID);
    mkdirSync(dir, { recursive: true });
    copyFileSync(PROFILE, join(dir, 'profile.yaml'));
    writeFileSync(join(dir, 'events.ndjson'), ndjson(events));
    return dir;
  };
  before(() => {
    ensureKeys(keyDir);
    ensurePdfSigningKey(keyDir);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('closes the open phase and the run where the evidence ends, then judges with the run’s own --checks and seals', async () => {
    const dir = runDir('interrupted', interruptedEvents());
    const done = await finaliseInterruptedRun({ runDir: dir, keyDir, progress: () => undefined });
    expect(done.interrupted).to.equal(true);
    const closing = readFileSync(join(dir, 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .slice(-2)
      .map((line) => JSON.parse(line) as EvidenceEvent & { reason?: string });
    expect(closing.map((e) => [e.seq, e.type, e.t, e.phase])).to.deep.equal([
      [5, 'phase.end', T0 + 2_500_000, 'baseline'],
      [6, 'run.end', T0 + 2_500_000, null],
    ]);
    expect(closing.every((e) => e.reason?.startsWith('interrupted'))).to.equal(true);

    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    expect(report.endedAt).to.equal(new Date((T0 + 2_500_000) / 1000).toISOString());
    const said = new RegExp(
      `^Interrupted, evidence ends at ${report.endedAt.replaceAll('.', '\\.')}: the harness stopped 2\\.5 s into a planned 30 s`,
    );
    expect(
      report.statements.some((s) => said.test(s)),
      report.statements.join('\n'),
    ).to.equal(true);
    expect(report.scope?.checks).to.equal('randomness');
    expect(report.results.map((r) => r.check)).to.satisfy(
      (ids: string[]) => ids.length > 0 && ids.every((id) => id.startsWith('randomness/')),
    );
    const reproduce = report.results.find((r) => r.reproduce !== undefined)?.reproduce;
    expect(reproduce).to.match(
      new RegExp(`^dnsconform run --profile ${RUN_ID}/profile\\.yaml --window 30 --checks randomness/`),
    );
    expect(report.resolver.endpoints).to.deep.equal([{ transport: 'udp', address: '127.0.10.1', port: 5353 }]);
    expect(verifyRun(dir).ok).to.equal(true);
  });

  it('seals a run that ended but was not sealed without touching its evidence, and says so', async () => {
    const events = [
      ...interruptedEvents(),
      {
        type: 'phase.end',
        seq: 5,
        t: T0 + 3_000_000,
        dut: 'sim-good',
        phase: 'baseline',
        name: 'baseline',
        scenario: 'pass-through',
        reason: 'window elapsed',
      },
      {
        type: 'run.end',
        seq: 6,
        t: T0 + 3_000_100,
        dut: 'sim-good',
        phase: null,
        runId: RUN_ID,
        reason: 'window elapsed',
      },
    ];
    const dir = runDir('ended', events);
    const done = await finaliseInterruptedRun({ runDir: dir, keyDir, progress: () => undefined });
    expect(done.interrupted).to.equal(false);
    expect(readFileSync(join(dir, 'events.ndjson'), 'utf8')).to.equal(ndjson(events));
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    const said = /^The run ended at .* \(window elapsed\) but was not sealed then/;
    expect(
      report.statements.some((s) => said.test(s)),
      report.statements.join('\n'),
    ).to.equal(true);
    expect(verifyRun(dir).ok).to.equal(true);
  });
});
