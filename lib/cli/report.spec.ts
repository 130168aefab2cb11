import { expect } from 'chai';
import { cpSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finishedSampleRun } from '../report/fixtures/finished-run.ts';
import type { FinishedRun } from '../report/fixtures/finished-run.ts';
import { poppler, VALID_SIGNATURE } from '../report/fixtures/poppler.ts';
import { runCommand } from '../report/fixtures/run-command.ts';
import type { CommandRun } from '../report/fixtures/run-command.ts';
import { removeTempDirs, tempDir } from '../report/fixtures/sample-run.ts';
import { reportCommand } from './report.ts';

function runReport(args: string[]): Promise<CommandRun> {
  return runCommand(reportCommand, args);
}

describe('cli/report', () => {
  let run: FinishedRun;

  before(async () => {
    run = await finishedSampleRun();
  });
  after(removeTempDirs);
  afterEach(() => {
    process.exitCode = undefined;
    delete process.env.DNSCONFORM_CHROMIUM;
  });

  it('writes report.html and a signed report.pdf into --out, then refuses to write them again', async () => {
    const out = join(tempDir('cli-report'), 'documents');
    const ownPdf = join(run.runDir, 'report.pdf');
    const ownBefore = { bytes: readFileSync(ownPdf), mtimeMs: statSync(ownPdf).mtimeMs };
    const first = await runReport([run.runDir, '--keys', run.keyDir, '--out', out]);
    expect(first.err).to.equal('');
    expect(first.exitCode).to.equal(undefined);
    expect(first.out)
      .to.contain(join(out, 'report.html'))
      .and.contain(join(out, 'report.pdf'))
      .and.contain('signed by CN=dnsconform test lab');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).to.contain(run.report.runId);
    expect(poppler('pdfsig', [join(out, 'report.pdf')])).to.contain(VALID_SIGNATURE);
    // The run's own documents, written when it was finalised, stay as they were signed (the new
    // print may have the same bytes: the same report signed within the same second).
    expect(readFileSync(ownPdf).equals(ownBefore.bytes), "the run's own report.pdf is unchanged").to.equal(true);
    expect(statSync(ownPdf).mtimeMs, "the run's own report.pdf was not rewritten").to.equal(ownBefore.mtimeMs);

    const again = await runReport([run.runDir, '--keys', run.keyDir, '--out', out]);
    expect(again.exitCode).to.equal(2);
    expect(again.err).to.match(/report\.html and .*report\.pdf already exist; a report document is never rewritten/);
  });

  it('refuses to write into a signed run directory, whose manifest could not list the documents', async () => {
    const copy = join(tempDir('cli-report'), 'run');
    cpSync(run.runDir, copy, { recursive: true });
    const written = await runReport([copy, '--keys', run.keyDir]);
    expect(written.exitCode).to.equal(2);
    expect(written.err).to.match(/is signed \(manifest\.json\).*Give --out DIR/);
  });

  it('exits 2 for a report.json that no longer matches its signature, and for a directory that is not a run', async () => {
    const copy = join(tempDir('cli-report'), 'run');
    cpSync(run.runDir, copy, { recursive: true });
    const file = join(copy, 'report.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"FAIL"', '"PASS"'));
    const altered = await runReport([copy, '--keys', run.keyDir, '--out', tempDir('cli-report')]);
    expect(altered.exitCode).to.equal(2);
    expect(altered.err).to.match(/report\.json does not match its signature/);

    const empty = await runReport([tempDir('cli-report'), '--keys', run.keyDir]);
    expect(empty.exitCode).to.equal(2);
    expect(empty.err).to.match(/is not a finished run: .*report\.json/);
  });

  it('exits 3, naming the Chromium it could not use, when there is none', async () => {
    process.env.DNSCONFORM_CHROMIUM = '/nonexistent/chromium';
    const missing = await runReport([run.runDir, '--keys', run.keyDir, '--out', tempDir('cli-report')]);
    expect(missing.exitCode).to.equal(3);
    expect(missing.err).to.match(/\$DNSCONFORM_CHROMIUM is \/nonexistent\/chromium/);
  });
});
