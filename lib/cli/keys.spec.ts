import { expect } from 'chai';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, tempDir } from '../report/fixtures/sample-run.ts';
import { publicKeyFingerprint } from '../report/signing.ts';
import { runCommand } from '../report/fixtures/run-command.ts';
import type { CommandRun } from '../report/fixtures/run-command.ts';
import { keysCommand } from './keys.ts';

function runKeys(args: string[]): Promise<CommandRun> {
  return runCommand(keysCommand, args);
}

describe('cli/keys', () => {
  after(removeTempDirs);

  afterEach(() => {
    process.exitCode = undefined;
  });

  it('keys init creates the pair and prints both paths and the fingerprint', async () => {
    const dir = join(tempDir('cli-keys'), 'keys');
    const { exitCode, out } = await runKeys(['init', '--dir', dir]);
    expect(exitCode).to.equal(undefined);
    const publicKeyFile = join(dir, 'lab-ed25519.pub.pem');
    expect(out).to.contain(join(dir, 'lab-ed25519.key.pem')).and.contain(publicKeyFile);
    expect(out).to.contain(`sha256 ${publicKeyFingerprint(readFileSync(publicKeyFile, 'utf8'))}`);
    expect(statSync(join(dir, 'lab-ed25519.key.pem')).mode & 0o777).to.equal(0o600);
  });

  it('exits 2 rather than overwrite an existing key, and replaces it with --force', async () => {
    const dir = tempDir('cli-keys');
    await runKeys(['init', '--dir', dir]);
    const before = readFileSync(join(dir, 'lab-ed25519.key.pem'), 'utf8');
    const refused = await runKeys(['init', '--dir', dir]);
    expect(refused.exitCode).to.equal(2);
    expect(refused.err).to.match(/already exist.*--force/);
    expect(readFileSync(join(dir, 'lab-ed25519.key.pem'), 'utf8')).to.equal(before);
    const forced = await runKeys(['init', '--dir', dir, '--force']);
    expect(forced.exitCode).to.equal(undefined);
    expect(readFileSync(join(dir, 'lab-ed25519.key.pem'), 'utf8')).to.not.equal(before);
  });
});
