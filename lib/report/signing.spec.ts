import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { removeTempDirs, tempDir } from './fixtures/sample-run.ts';
import {
  defaultKeyDir,
  ensureKeys,
  initKeys,
  KeyFileError,
  loadSigningKey,
  publicKeyFingerprint,
  signBytes,
  verifyBytes,
} from './signing.ts';

describe('report/signing', () => {
  after(removeTempDirs);

  it('creates a key pair with a 0600 private key in a 0700 directory', () => {
    const dir = join(tempDir('keys'), 'nested', 'keys');
    const files = initKeys(dir);
    expect(statSync(dir).mode & 0o777).to.equal(0o700);
    expect(statSync(files.privateKeyFile).mode & 0o777).to.equal(0o600);
    expect(readFileSync(files.privateKeyFile, 'utf8')).to.match(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(files.publicKeyFile, 'utf8')).to.match(/^-----BEGIN PUBLIC KEY-----/);
    expect(files.fingerprint).to.match(/^[0-9a-f]{64}$/);
  });

  it('refuses to overwrite a key without force, and replaces it with force', () => {
    const dir = tempDir('keys');
    const first = initKeys(dir);
    const before = readFileSync(first.privateKeyFile, 'utf8');
    expect(() => initKeys(dir)).to.throw(KeyFileError, /already exist.*--force/);
    expect(readFileSync(first.privateKeyFile, 'utf8')).to.equal(before);
    const second = initKeys(dir, { force: true });
    expect(second.fingerprint).to.not.equal(first.fingerprint);
    expect(statSync(second.privateKeyFile).mode & 0o777).to.equal(0o600);
  });

  it('names the missing key file and says how to create it', () => {
    const dir = tempDir('keys');
    expect(() => loadSigningKey(dir)).to.throw(
      KeyFileError,
      /lab-ed25519\.key\.pem does not exist; run `dnsconform keys init`/,
    );
  });

  it('ensureKeys creates once, then loads the same key', () => {
    const dir = join(tempDir('keys'), 'k');
    const first = ensureKeys(dir);
    const second = ensureKeys(dir);
    expect([first.created, second.created]).to.deep.equal([true, false]);
    expect(second.fingerprint).to.equal(first.fingerprint);
  });

  it('signs exact bytes with a 64-byte signature that fails on any change', () => {
    const dir = tempDir('keys');
    initKeys(dir);
    const key = loadSigningKey(dir);
    const data = Buffer.from('{"runId":"r1"}\n');
    const signature = signBytes(key.privateKey, data);
    expect(signature.length).to.equal(64);
    expect(verifyBytes(key.publicKeyPem, data, signature)).to.equal(true);
    expect(verifyBytes(key.publicKeyPem, Buffer.from('{"runId":"r2"}\n'), signature)).to.equal(false);
    const otherDir = tempDir('keys');
    initKeys(otherDir);
    expect(verifyBytes(loadSigningKey(otherDir).publicKeyPem, data, signature)).to.equal(false);
  });

  it('fingerprints the DER SubjectPublicKeyInfo as openssl does', () => {
    const dir = tempDir('keys');
    const files = initKeys(dir);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', files.publicKeyFile, '-outform', 'DER']);
    const opensslDigest = execFileSync('openssl', ['dgst', '-sha256', '-r'], { input: der, encoding: 'utf8' }).split(
      ' ',
    )[0];
    expect(publicKeyFingerprint(readFileSync(files.publicKeyFile, 'utf8'))).to.equal(opensslDigest);
  });

  it('picks the key directory from the environment', () => {
    expect(defaultKeyDir({ DNSCONFORM_KEY_DIR: '/k', XDG_CONFIG_HOME: '/x' })).to.equal('/k');
    expect(defaultKeyDir({ XDG_CONFIG_HOME: '/x' })).to.equal('/x/dnsconform/keys');
    expect(defaultKeyDir({})).to.match(/\.config\/dnsconform\/keys$/);
  });
});
