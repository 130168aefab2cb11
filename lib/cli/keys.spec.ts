import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
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

  it('keys ca creates the lab CA once, shows its fingerprint, and exports a PEM that openssl reads as a CA', async () => {
    const dir = tempDir('cli-keys');
    const first = await runKeys(['ca', '--dir', dir]);
    expect(first.exitCode).to.equal(undefined);
    expect(first.out).to.contain(join(dir, 'lab-ca.cert.pem')).and.contain('(created now)');
    const fingerprint = /sha256 ([0-9a-f]{64})/.exec(first.out)?.[1];
    const exported = join(dir, 'exported-ca.pem');
    const second = await runKeys(['ca', '--dir', dir, '--out', exported]);
    expect(second.out).to.not.contain('created now');
    expect(second.out).to.contain(`sha256 ${fingerprint}`);
    const text = execFileSync('openssl', ['x509', '-in', exported, '-noout', '-text', '-fingerprint', '-sha256'], { encoding: 'utf8' });
    expect(text).to.match(/CA:TRUE/);
    expect(text.replace(/:/g, '').toLowerCase()).to.contain(fingerprint);
    const pem = await runKeys(['ca', '--dir', dir, '--pem']);
    expect(pem.out).to.equal(readFileSync(exported, 'utf8'));
  });

  it('keys ca exits 2 when the export file cannot be written', async () => {
    const dir = tempDir('cli-keys');
    const { exitCode, err } = await runKeys(['ca', '--dir', dir, '--out', join(dir, 'missing', 'ca.pem')]);
    expect(exitCode).to.equal(2);
    expect(err).to.match(/keys ca: .*ENOENT/);
  });
});
