/**
 * The lab's Ed25519 signing key and raw signatures over exact bytes. A signature is the
 * 64-byte Ed25519 signature of the file as written, so a regulator can check it with
 * `openssl pkeyutl -verify -pubin -inkey signer.pub.pem -rawin -in report.json -sigfile report.json.sig`
 * and needs nothing of ours.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { badPath } from '../evidence/bad-input.ts';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KeyFileError } from './key-file-error.ts';
import { ensurePdfSigningKey } from './pdf/pdf-key.ts';

/** File name of the private key (PKCS#8 PEM, mode 0600) inside the key directory. */
export const PRIVATE_KEY_FILE = 'lab-ed25519.key.pem';
/** File name of the public key (SPKI PEM) inside the key directory. */
export const PUBLIC_KEY_FILE = 'lab-ed25519.pub.pem';

/** Where a key pair lives. */
export interface KeyPairFiles {
  privateKeyFile: string;
  publicKeyFile: string;
  /** {@link publicKeyFingerprint} of the public key. */
  fingerprint: string;
}

/** A loaded signing key with its public half. */
export interface SigningKey extends KeyPairFiles {
  privateKey: KeyObject;
  /** The public key, SPKI PEM, as stored. */
  publicKeyPem: string;
}

export { KeyFileError };

/** `$DNSCONFORM_KEY_DIR`, else `$XDG_CONFIG_HOME/dnsconform/keys`, else `~/.config/dnsconform/keys`. */
export function defaultKeyDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DNSCONFORM_KEY_DIR) return env.DNSCONFORM_KEY_DIR;
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(configHome, 'dnsconform', 'keys');
}

function keyFiles(dir: string): { privateKeyFile: string; publicKeyFile: string } {
  return { privateKeyFile: join(dir, PRIVATE_KEY_FILE), publicKeyFile: join(dir, PUBLIC_KEY_FILE) };
}

/** SHA-256 (hex) of the DER SubjectPublicKeyInfo of a PEM public key. */
export function publicKeyFingerprint(publicKeyPem: string | KeyObject): string {
  const key = typeof publicKeyPem === 'string' ? createPublicKey(publicKeyPem) : publicKeyPem;
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/**
 * Creates a new key pair in `dir` (made 0700 if new). Refuses to replace an existing key
 * unless `force`, because a replaced key cannot verify reports already issued.
 */
export function initKeys(dir: string, opts: { force?: boolean } = {}): KeyPairFiles {
  const { privateKeyFile, publicKeyFile } = keyFiles(dir);
  if (!opts.force) {
    const existing = [privateKeyFile, publicKeyFile].filter((f) => existsSync(f));
    if (existing.length > 0) {
      throw new KeyFileError(
        `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; ` +
          'refusing to overwrite a signing key (use --force to replace it)',
      );
    }
  }
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeFileSync(privateKeyFile, privatePem, { mode: 0o600 });
  // writeFileSync keeps the mode of a file it overwrites, so set it explicitly.
  chmodSync(privateKeyFile, 0o600);
  writeFileSync(publicKeyFile, publicPem, { mode: 0o644 });
  return { privateKeyFile, publicKeyFile, fingerprint: publicKeyFingerprint(publicKey) };
}

/** Reads a file, turning "not there" into a message that says what to do. */
function readKeyFile(file: string): string {
  if (!existsSync(file)) {
    throw new KeyFileError(`${file} does not exist; run \`dnsconform keys init\` to create the lab signing key`);
  }
  return readFileSync(file, 'utf8');
}

/** Loads the key pair from `dir`; a missing or malformed file is a {@link KeyFileError}. */
export function loadSigningKey(dir: string): SigningKey {
  const { privateKeyFile, publicKeyFile } = keyFiles(dir);
  const privatePem = readKeyFile(privateKeyFile);
  const publicKeyPem = readKeyFile(publicKeyFile);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(privatePem);
  } catch (error) {
    throw new KeyFileError(`${privateKeyFile}: not a PEM private key (${(error as Error).message})`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new KeyFileError(`${privateKeyFile}: is a ${privateKey.asymmetricKeyType} key, expected ed25519`);
  }
  const fingerprint = readPublicKeyFingerprint(publicKeyPem, publicKeyFile);
  if (fingerprint !== publicKeyFingerprint(createPublicKey(privateKey))) {
    throw new KeyFileError(`${publicKeyFile}: is not the public half of ${privateKeyFile}`);
  }
  return { privateKey, publicKeyPem, privateKeyFile, publicKeyFile, fingerprint };
}

/** Fingerprint of a PEM public key read from `file`, with a clear error when it is not one. */
export function readPublicKeyFingerprint(pem: string, file: string): string {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a ${key.asymmetricKeyType} key, expected ed25519`);
    return publicKeyFingerprint(key);
  } catch (error) {
    throw new KeyFileError(`${file}: not an Ed25519 PEM public key (${(error as Error).message})`);
  }
}

/**
 * Loads the key pair from `dir`, creating it first when there is none. The PDF signing
 * key (RSA certificate in a PKCS#12 file, `pdf/pdf-key.ts`) is made too when missing.
 */
export function ensureKeys(dir: string): SigningKey & { created: boolean } {
  const { privateKeyFile, publicKeyFile } = keyFiles(dir);
  const created = !existsSync(privateKeyFile) && !existsSync(publicKeyFile);
  try {
    if (created) initKeys(dir);
    ensurePdfSigningKey(dir);
  } catch (error) {
    throw badPath(error, dir, 'key directory');
  }
  return { ...loadSigningKey(dir), created };
}

/** The raw 64-byte Ed25519 signature of `data`. */
export function signBytes(privateKey: KeyObject, data: Uint8Array): Buffer {
  return sign(null, data, privateKey);
}

/** Whether `signature` is a valid Ed25519 signature of `data` by the PEM public key. */
export function verifyBytes(publicKeyPem: string | KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  const key = typeof publicKeyPem === 'string' ? createPublicKey(publicKeyPem) : publicKeyPem;
  if (signature.length !== 64) return false;
  return verify(null, data, key, signature);
}
