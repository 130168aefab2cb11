import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, tempDir } from '../report/fixtures/sample-run.ts';
import { initKeys, publicKeyFingerprint } from '../report/signing.ts';
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

  it('keys init also makes the PDF signing certificate (CN from --lab-name) in a 0600 P12', async () => {
    const dir = join(tempDir('cli-keys'), 'keys');
    const { exitCode, out } = await runKeys(['init', '--dir', dir, '--lab-name', 'Example Test Lab']);
    expect(exitCode).to.equal(undefined);
    expect(out)
      .to.contain(join(dir, 'lab-pdf.p12'))
      .and.contain(join(dir, 'lab-pdf.cert.pem'))
      .and.contain('CN=Example Test Lab');
    expect(statSync(join(dir, 'lab-pdf.p12')).mode & 0o777).to.equal(0o600);
    const subject = execFileSync('openssl', ['x509', '-in', join(dir, 'lab-pdf.cert.pem'), '-noout', '-subject'], {
      encoding: 'utf8',
    });
    expect(subject).to.match(/CN ?= ?Example Test Lab/);
  });

  it('keys init adds only what is missing to an existing key directory', async () => {
    const dir = tempDir('cli-keys');
    initKeys(dir);
    const before = readFileSync(join(dir, 'lab-ed25519.key.pem'), 'utf8');
    const { exitCode, out } = await runKeys(['init', '--dir', dir]);
    expect(exitCode).to.equal(undefined);
    expect(out)
      .to.match(/kept +.*lab-ed25519\.key\.pem/)
      .and.contain('lab-pdf.p12');
    expect(readFileSync(join(dir, 'lab-ed25519.key.pem'), 'utf8')).to.equal(before);
  });

  it("keys init --p12 imports the lab CA's P12 with the passphrase in $DNSCONFORM_P12_PASSPHRASE", async () => {
    const scratch = tempDir('cli-keys');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-noenc',
        '-keyout',
        join(scratch, 'k.pem'),
        '-out',
        join(scratch, 'c.pem'),
        '-subj',
        '/CN=CA-issued Lab',
        '-days',
        '30',
      ],
      { stdio: 'ignore' },
    );
    const p12 = join(scratch, 'issued.p12');
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-inkey',
      join(scratch, 'k.pem'),
      '-in',
      join(scratch, 'c.pem'),
      '-out',
      p12,
      '-passout',
      'pass:s3cret',
    ]);
    const dir = join(tempDir('cli-keys'), 'keys');
    process.env.DNSCONFORM_P12_PASSPHRASE = 's3cret';
    try {
      const both = await runKeys(['init', '--dir', dir, '--p12', p12, '--lab-name', 'X']);
      expect(both.exitCode).to.equal(2);
      expect(both.err).to.match(/--lab-name names a self-signed certificate/);
      const imported = await runKeys(['init', '--dir', dir, '--p12', p12]);
      expect(imported.exitCode).to.equal(undefined);
      expect(imported.out).to.contain(`imported from ${p12}`).and.contain('CN=CA-issued Lab');
      expect(readFileSync(join(dir, 'lab-pdf.p12')).equals(readFileSync(p12))).to.equal(true);
      const again = await runKeys(['init', '--dir', dir, '--p12', p12]);
      expect(again.exitCode).to.equal(2);
      expect(again.err).to.match(/already exist.*--force/);
    } finally {
      delete process.env.DNSCONFORM_P12_PASSPHRASE;
    }
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
    const text = execFileSync('openssl', ['x509', '-in', exported, '-noout', '-text', '-fingerprint', '-sha256'], {
      encoding: 'utf8',
    });
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
