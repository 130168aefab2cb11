import { expect } from 'chai';
import { CommanderError } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finaliseAttested } from '../report/fixtures/attested-run.ts';
import {
  sampleReportInput,
  sampleRunWithKeys,
  removeTempDirs,
  tempDir,
  writeSampleRun,
} from '../report/fixtures/sample-run.ts';
import { runCommand } from '../report/fixtures/run-command.ts';
import type { CommandRun } from '../report/fixtures/run-command.ts';
import { verifyCommand } from './verify.ts';

function runVerify(args: string[]): Promise<CommandRun> {
  return runCommand(verifyCommand, args);
}

describe('cli/verify', () => {
  after(removeTempDirs);

  let runDir: string;
  let keyDir: string;

  beforeEach(async () => {
    ({ runDir, keyDir } = sampleRunWithKeys());
    await finaliseAttested(runDir, sampleReportInput(runDir), keyDir);
  });

  afterEach(() => {
    process.exitCode = undefined;
  });

  it('exits 0 on an untouched run, one OK line per file and a closing line', async () => {
    const { exitCode, out } = await runVerify([runDir, '--key', join(keyDir, 'lab-ed25519.pub.pem')]);
    expect(exitCode).to.equal(0);
    const lines = out.trimEnd().split('\n');
    expect(lines.slice(0, -1))
      .to.have.length(11)
      .and.satisfy((l: string[]) => l.every((line) => line.startsWith('OK ')));
    expect(lines.at(-1)).to.match(
      /^verified: all 11 files match; signatures checked with trusted key .* \(sha256 [0-9a-f]{64}\)$/,
    );
  });

  it('says when only the bundled key was used', async () => {
    const { exitCode, out } = await runVerify([runDir]);
    expect(exitCode).to.equal(0);
    expect(out).to.match(/the bundled key .*signer\.pub\.pem .*pass --key/);
  });

  it('exits 1 naming the file when evidence changed', async () => {
    const events = join(runDir, 'events.ndjson');
    writeFileSync(events, readFileSync(events, 'utf8').replace('"seq":4', '"seq":9'));
    const { exitCode, out } = await runVerify([runDir]);
    expect(exitCode).to.equal(1);
    expect(out).to.match(/^FAIL {2}events\.ndjson: changed/m);
    expect(out.trimEnd().split('\n').at(-1)).to.match(/^NOT verified: 1 of 11 files do not match \(events\.ndjson\)/);
  });

  it('throws a usage error (which the program maps to 2) instead of exiting when the run dir is missing', async () => {
    let error: unknown;
    await runVerify([]).catch((e: unknown) => {
      error = e;
    });
    expect(error).to.be.instanceOf(CommanderError).with.property('code', 'commander.missingArgument');
  });

  it('exits 2 for a directory that is not a finalised run', async () => {
    const unfinalised = tempDir('unfinalised');
    writeSampleRun(unfinalised);
    const { exitCode, out, err } = await runVerify([unfinalised]);
    expect(exitCode).to.equal(2);
    expect(out).to.equal('');
    expect(err).to.match(/report\.json is missing/);
  });

  it('exits 2 for a trusted key file that is not a public key', async () => {
    const { exitCode, err } = await runVerify([runDir, '--key', join(runDir, 'events.ndjson')]);
    expect(exitCode).to.equal(2);
    expect(err).to.match(/events\.ndjson: not an Ed25519 PEM public key/);
  });
});
