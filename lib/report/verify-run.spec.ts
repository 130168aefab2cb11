import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finaliseAttested } from './fixtures/attested-run.ts';
import { finaliseRun } from './finalise-run.ts';
import {
  flipByte,
  sampleReportInput,
  sampleRunWithKeys,
  removeTempDirs,
  tempDir,
  writeSampleRun,
} from './fixtures/sample-run.ts';
import { ensurePdfSigningKey } from './pdf/pdf-key.ts';
import { initKeys, KeyFileError } from './signing.ts';
import { RunDirError, verifyRun } from './verify-run.ts';
import type { VerifyOutcome } from './verify-run.ts';

function failing(outcome: VerifyOutcome): string[] {
  return outcome.files.filter((f) => !f.ok).map((f) => f.file);
}

async function finalisedRun(): Promise<{ runDir: string; keyDir: string; fingerprint: string }> {
  const { runDir, keyDir } = sampleRunWithKeys();
  const finalised = await finaliseAttested(runDir, sampleReportInput(runDir), keyDir);
  return { runDir, keyDir, fingerprint: finalised.signerFingerprint };
}

describe('report/finaliseRun + verifyRun', () => {
  after(removeTempDirs);

  it('writes a signed report and manifest covering every evidence file, and verifies untouched', async () => {
    const { runDir, keyDir, fingerprint } = await finalisedRun();
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')) as {
      evidenceFiles: { file: string }[];
    };
    expect(report.evidenceFiles.map((e) => e.file)).to.deep.equal([
      'devices/cam-1.log',
      'events.ndjson',
      'profile.yaml',
    ]);
    expect(readFileSync(join(runDir, 'report.json'), 'utf8')).to.match(/\n$/);
    const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as { files: { file: string }[] };
    expect(manifest.files.map((e) => e.file)).to.deep.equal([
      'attestation.intoto.json',
      'devices/cam-1.log',
      'events.ndjson',
      'profile.yaml',
      'report.html',
      'report.json',
      'report.json.sig',
      'report.pdf',
      'signer.pub.pem',
    ]);

    const bundled = verifyRun(runDir);
    expect(failing(bundled)).to.deep.equal([]);
    expect(bundled.ok).to.equal(true);
    expect(bundled.signer).to.deep.include({ source: 'bundled', fingerprint });
    expect(bundled.files).to.have.length(11);
    expect(bundled.notes).to.deep.equal([]);

    const trusted = verifyRun(runDir, { publicKeyFile: join(keyDir, 'lab-ed25519.pub.pem') });
    expect(trusted.ok).to.equal(true);
    expect(trusted.signer).to.deep.include({ source: 'trusted', fingerprint });
  });

  it('signatures verify with openssl pkeyutl', async () => {
    const { runDir } = await finalisedRun();
    for (const file of ['report.json', 'manifest.json']) {
      const out = execFileSync(
        'openssl',
        [
          'pkeyutl',
          '-verify',
          '-pubin',
          '-inkey',
          join(runDir, 'signer.pub.pem'),
          '-rawin',
          '-in',
          join(runDir, file),
          '-sigfile',
          join(runDir, `${file}.sig`),
        ],
        { encoding: 'utf8' },
      );
      expect(out).to.match(/Signature Verified Successfully/);
    }
  });

  it('names events.ndjson when one byte of it changed', async () => {
    const { runDir } = await finalisedRun();
    flipByte(join(runDir, 'events.ndjson'));
    const outcome = verifyRun(runDir);
    expect(outcome.ok).to.equal(false);
    expect(failing(outcome)).to.deep.equal(['events.ndjson']);
    const problems = outcome.files.find((f) => f.file === 'events.ndjson')!.problems.join('\n');
    expect(problems)
      .to.match(/changed: content differs from the manifest/)
      .and.match(/differs from report\.json evidenceFiles/)
      .and.match(/differs from the attestation\.intoto\.json subject digest/);
  });

  it('names report.json when one byte of it changed', async () => {
    const { runDir } = await finalisedRun();
    flipByte(join(runDir, 'report.json'));
    const outcome = verifyRun(runDir);
    expect(failing(outcome)).to.deep.equal(['report.json']);
    expect(outcome.files.find((f) => f.file === 'report.json')!.problems.join('\n')).to.match(
      /signature report\.json\.sig does not verify/,
    );
  });

  it('names an extra file and a missing one', async () => {
    const { runDir } = await finalisedRun();
    writeFileSync(join(runDir, 'planted.txt'), 'not evidence');
    rmSync(join(runDir, 'devices', 'cam-1.log'));
    const outcome = verifyRun(runDir);
    expect(failing(outcome)).to.deep.equal(['devices/cam-1.log', 'planted.txt']);
    expect(outcome.files.find((f) => f.file === 'planted.txt')!.problems[0]).to.match(/^unexpected/);
  });

  it('names a private key in the run directory, by name or by content', async () => {
    const { runDir, keyDir } = await finalisedRun();
    writeFileSync(join(runDir, 'notes.txt'), readFileSync(join(keyDir, 'lab-ed25519.key.pem')));
    writeFileSync(join(runDir, 'lab.p12'), 'binary');
    const outcome = verifyRun(runDir);
    expect(failing(outcome)).to.deep.equal(['lab.p12', 'notes.txt']);
    expect(outcome.files.find((f) => f.file === 'notes.txt')!.problems[0]).to.match(
      /^a private key \(holds a PEM private key block\)/,
    );
  });

  it('fails against a trusted key that did not sign the run, naming the signed files and the bundled key', async () => {
    const { runDir } = await finalisedRun();
    const other = initKeys(tempDir('other-keys'));
    const outcome = verifyRun(runDir, { publicKeyFile: other.publicKeyFile });
    expect(outcome.signer).to.deep.include({ source: 'trusted', fingerprint: other.fingerprint });
    expect(failing(outcome)).to.deep.equal([
      'attestation.intoto.json',
      'manifest.json',
      'report.json',
      'signer.pub.pem',
    ]);
  });

  it('detects a bundle re-signed with another key only when a trusted key is given', async () => {
    const { runDir, keyDir } = await finalisedRun();
    const forgerKeys = tempDir('forger');
    initKeys(forgerKeys);
    ensurePdfSigningKey(forgerKeys);
    const forged = tempDir('forged-run');
    writeSampleRun(forged);
    await finaliseAttested(forged, sampleReportInput(forged), forgerKeys);
    expect(verifyRun(forged).ok).to.equal(true);
    expect(verifyRun(forged, { publicKeyFile: join(keyDir, 'lab-ed25519.pub.pem') }).ok).to.equal(false);
    expect(verifyRun(runDir, { publicKeyFile: join(keyDir, 'lab-ed25519.pub.pem') }).ok).to.equal(true);
  });

  it('treats a directory that is not a finalised run, or an unreadable trusted key, as bad input', async () => {
    const unfinalised = tempDir('unfinalised');
    writeSampleRun(unfinalised);
    expect(() => verifyRun(unfinalised)).to.throw(RunDirError, /report\.json is missing/);
    expect(() => verifyRun(join(unfinalised, 'nope'))).to.throw(RunDirError, /is not a directory/);
    const { runDir } = await finalisedRun();
    expect(() => verifyRun(runDir, { publicKeyFile: join(runDir, 'events.ndjson') })).to.throw(
      KeyFileError,
      /events\.ndjson/,
    );
  });

  it('refuses to finalise twice, and writes nothing when the report is invalid', async () => {
    const { runDir, keyDir } = await finalisedRun();
    const before = readFileSync(join(runDir, 'report.json'));
    let error: unknown;
    await finaliseRun(runDir, sampleReportInput(runDir), keyDir).catch((e: unknown) => {
      error = e;
    });
    expect(String(error)).to.match(/already finalised/);
    expect(readFileSync(join(runDir, 'report.json')).equals(before)).to.equal(true);

    const fresh = sampleRunWithKeys();
    const badInput = { ...sampleReportInput(fresh.runDir), profileSha256: '0'.repeat(64) };
    error = undefined;
    await finaliseRun(fresh.runDir, badInput, fresh.keyDir).catch((e: unknown) => {
      error = e;
    });
    expect(String(error)).to.match(/\/profile\/sha256/);
    expect(existsSync(join(fresh.runDir, 'report.json'))).to.equal(false);
  });
});
