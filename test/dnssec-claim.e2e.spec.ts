/**
 * Issue 18, acceptance 3, end to end: a simulated device whose IXIT declares DNSSEC
 * validation but whose `dnssec` knob does not validate (test/fixtures/sim-claims-dnssec.yaml)
 * is run through the two DNSSEC phases of the quick plan, 2 s each (with the baseline the plan keeps); it uses the bogus answers
 * and FAILs validation/dnssec-validation, and the run is not conformant.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Report } from '../lib/report/report-types.ts';
import { runCli } from './cli-process-test-kit.ts';
import type { CliRun } from './cli-process-test-kit.ts';

const PROFILE = join(import.meta.dirname, 'fixtures', 'sim-claims-dnssec.yaml');

describe('a DUT that declares DNSSEC validation and uses a bogus answer FAILs (end to end)', function () {
  this.timeout(180_000);
  let work: string;
  let run: CliRun;
  let report: Report;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-dnssec-claim-'));
    const out = join(work, 'reports');
    run = await runCli([
      'run',
      '--profile',
      PROFILE,
      '--plan',
      'quick',
      '--checks',
      'validation/dnssec-validation',
      '--experiments',
      'needed',
      '--window',
      '2',
      '--out',
      out,
      '--keys',
      join(work, 'keys'),
      '--no-documents',
    ]);
    const [runId] = readdirSync(out).filter((name) => !name.endsWith('.tar.gz'));
    report = JSON.parse(readFileSync(join(out, runId!, 'report.json'), 'utf8')) as Report;
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('runs the DNSSEC phases, and the device uses the bogus answers it was sent', () => {
    expect(report.observation.phases.map((p) => p.name)).to.include.members(['dnssec-bogus', 'dnssec-downgrade']);
    const result = report.results.find((r) => r.check === 'validation/dnssec-validation')!;
    expect(`${result.verdict}: ${result.observed}`).to.match(
      /^FAIL: .*the DUT used .*although its IXIT declares DNSSEC validation\.$/,
    );
    expect(result.figures).to.deep.include({ declaresValidation: true });
    expect((result.figures as { variantsUsed: string[] }).variantsUsed).to.include.members([
      'rdata',
      'stripped',
      'expired',
    ]);
    expect((result.figures as { canaryContacts: number }).canaryContacts).to.be.above(0);
    expect(run.code, `${run.stdout}${run.stderr}`).to.equal(1);
  });
});
