/**
 * The lab's PDF signing credentials: an RSA-2048 key with its X.509 certificate in a
 * PKCS#12 file (`lab-pdf.p12`, mode 0600) beside the Ed25519 key, and the certificate
 * alone (`lab-pdf.cert.pem`) for whoever checks a signed report. `keys init` and
 * `ensureKeys` make a self-signed one; a lab with a CA imports the P12 its CA issued.
 *
 * Made with the openssl CLI rather than @peculiar/x509: `ensureKeys` is synchronous and
 * every run calls it, while @peculiar/x509 is asynchronous (WebCrypto) and, like
 * node:crypto, cannot write PKCS#12 at all. openssl issues the certificate and writes the
 * PKCS#12 synchronously, and setup.sh installs it anyway. The private key only ever
 * exists inside the key directory: openssl writes it into a 0700 scratch folder there,
 * the P12 is made from it, and the folder is removed.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { KeyFileError } from '../key-file-error.ts';

/** The PKCS#12 file (key and certificate, mode 0600) inside the key directory. */
export const PDF_P12_FILE = 'lab-pdf.p12';
/** The signing certificate alone (PEM), public. */
export const PDF_CERT_FILE = 'lab-pdf.cert.pem';
/** Environment variable holding the P12 passphrase; a self-made P12 has an empty one. */
export const P12_PASSPHRASE_ENV = 'DNSCONFORM_P12_PASSPHRASE';
/** Subject CN when no lab name is given. */
export const DEFAULT_LAB_NAME = 'dnsconform test lab';

const LIFETIME_DAYS = 3650;

/** Where the PDF signing credentials are, and whose they are. */
export interface PdfSigningKeyFiles {
  p12File: string;
  certFile: string;
  /** Subject of the certificate, as openssl prints it (`CN=Example Lab`). */
  subject: string;
  /** SHA-256 (hex) of the DER certificate. */
  fingerprint: string;
}

/** What signing a PDF needs. */
export interface PdfSigningKey extends PdfSigningKeyFiles {
  p12: Buffer;
  passphrase: string;
  certPem: string;
}

function paths(dir: string): { p12File: string; certFile: string } {
  return { p12File: join(dir, PDF_P12_FILE), certFile: join(dir, PDF_CERT_FILE) };
}

function describe(certPem: string, files: { p12File: string; certFile: string }): PdfSigningKeyFiles {
  const cert = new X509Certificate(certPem);
  return {
    ...files,
    subject: cert.subject.replace(/\n/g, ', '),
    fingerprint: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
  };
}

function ensureDir(dir: string): void {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
}

/** Runs openssl; its complaint becomes the error message. */
function openssl(args: string[], env: NodeJS.ProcessEnv = process.env): Buffer {
  try {
    return execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('openssl is not installed (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim().split('\n')[0] ?? e.message}`);
  }
}

/** `/CN=...` for openssl's -subj, where `/`, `+` and `\` must be escaped. */
function subjectArgument(labName: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here
  if (!/\S/.test(labName) || /[\u0000-\u001f]/.test(labName))
    throw new KeyFileError(`lab name ${JSON.stringify(labName)}: must be one line of text`);
  return `/CN=${labName.trim().replace(/[\\/+]/g, (c) => `\\${c}`)}`;
}

const EXTENSIONS = [
  '[req]',
  'distinguished_name = dn',
  'x509_extensions = signer',
  'utf8 = yes',
  'string_mask = utf8only',
  '[dn]',
  '[signer]',
  'basicConstraints = critical, CA:FALSE',
  'keyUsage = critical, digitalSignature, nonRepudiation',
  'subjectKeyIdentifier = hash',
  '',
].join('\n');

function refuseToReplace(dir: string, force: boolean | undefined): void {
  const { p12File } = paths(dir);
  if (!force && existsSync(p12File)) {
    throw new KeyFileError(
      `${p12File} already exists; refusing to overwrite the PDF signing key (use --force to replace it)`,
    );
  }
}

/** Moves the finished files into place; the P12 last, since its presence means "there is a key". */
function install(dir: string, p12: Buffer, certPem: string): PdfSigningKeyFiles {
  const files = paths(dir);
  const scratch = `${files.p12File}.${process.pid}.tmp`;
  writeFileSync(`${files.certFile}.${process.pid}.tmp`, certPem, { mode: 0o644 });
  renameSync(`${files.certFile}.${process.pid}.tmp`, files.certFile);
  writeFileSync(scratch, p12, { mode: 0o600 });
  chmodSync(scratch, 0o600);
  renameSync(scratch, files.p12File);
  return describe(certPem, files);
}

/**
 * Makes an RSA-2048 key and a self-signed certificate for it (keyUsage digitalSignature
 * and nonRepudiation, CN = the lab name, 10 years) and stores them as `lab-pdf.p12` with
 * an empty passphrase (mode 0600, like the Ed25519 key) and `lab-pdf.cert.pem`.
 */
export function initPdfSigningKey(dir: string, opts: { force?: boolean; labName?: string } = {}): PdfSigningKeyFiles {
  refuseToReplace(dir, opts.force);
  const subject = subjectArgument(opts.labName ?? DEFAULT_LAB_NAME);
  ensureDir(dir);
  const scratch = mkdtempSync(join(dir, '.pdf-key-'));
  try {
    chmodSync(scratch, 0o700);
    const keyFile = join(scratch, 'key.pem');
    const certFile = join(scratch, 'cert.pem');
    const configFile = join(scratch, 'req.cnf');
    writeFileSync(configFile, EXTENSIONS);
    openssl([
      'req',
      '-new',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-noenc',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-config',
      configFile,
      '-subj',
      subject,
      '-utf8',
      '-sha256',
      '-days',
      String(LIFETIME_DAYS),
    ]);
    const p12 = openssl([
      'pkcs12',
      '-export',
      '-inkey',
      keyFile,
      '-in',
      certFile,
      '-name',
      opts.labName ?? DEFAULT_LAB_NAME,
      '-passout',
      'pass:',
    ]);
    return install(dir, p12, readFileSync(certFile, 'utf8'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Reads one part of a P12 with openssl, retrying with `-legacy` for RC2/3DES files of older CAs. */
function readP12(p12File: string, part: '-nokeys' | '-nocerts', passphrase: string): string {
  const env = { ...process.env, [P12_PASSPHRASE_ENV]: passphrase };
  const args = [
    'pkcs12',
    '-in',
    p12File,
    part,
    ...(part === '-nokeys' ? ['-clcerts'] : ['-noenc']),
    '-passin',
    `env:${P12_PASSPHRASE_ENV}`,
  ];
  try {
    return openssl(args, env).toString('utf8');
  } catch (first) {
    try {
      return openssl([...args, '-legacy'], env).toString('utf8');
    } catch {
      throw new KeyFileError(
        `${p12File}: cannot be read as PKCS#12 with the passphrase in $${P12_PASSPHRASE_ENV} (${(first as Error).message})`,
      );
    }
  }
}

/** The certificate and RSA key of a P12, checked to belong together. */
function inspectP12(p12File: string, passphrase: string): { certPem: string } {
  const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(
    readP12(p12File, '-nokeys', passphrase),
  )?.[0];
  if (!certPem) throw new KeyFileError(`${p12File}: holds no certificate for its key`);
  const keyPem = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/.exec(
    readP12(p12File, '-nocerts', passphrase),
  )?.[0];
  if (!keyPem) throw new KeyFileError(`${p12File}: holds no private key`);
  const key = createPrivateKey(keyPem);
  // The PAdES signer (pades.ts) signs sha256WithRSAEncryption only.
  if (key.asymmetricKeyType !== 'rsa')
    throw new KeyFileError(`${p12File}: holds a ${key.asymmetricKeyType} key; PDF signing needs an RSA key`);
  const spki = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' }).toString('hex');
  if (spki(createPublicKey(key)) !== spki(new X509Certificate(certPem).publicKey)) {
    throw new KeyFileError(`${p12File}: its certificate is not for its private key`);
  }
  return { certPem: certPem.endsWith('\n') ? certPem : `${certPem}\n` };
}

/**
 * Imports a P12 issued by the lab's CA (its passphrase in `$DNSCONFORM_P12_PASSPHRASE`,
 * which signing reads too): checks it holds an RSA key with its certificate, then keeps
 * a copy as `lab-pdf.p12` (0600) and the certificate as `lab-pdf.cert.pem`.
 */
export function importPdfSigningKey(
  dir: string,
  p12File: string,
  opts: { force?: boolean; passphrase?: string } = {},
): PdfSigningKeyFiles {
  if (!existsSync(p12File)) throw new KeyFileError(`${p12File} does not exist`);
  refuseToReplace(dir, opts.force);
  const { certPem } = inspectP12(p12File, opts.passphrase ?? process.env[P12_PASSPHRASE_ENV] ?? '');
  ensureDir(dir);
  return install(dir, readFileSync(p12File), certPem);
}

/** Loads the PDF signing credentials; the passphrase comes from `$DNSCONFORM_P12_PASSPHRASE` unless given. */
export function loadPdfSigningKey(
  dir: string,
  passphrase: string = process.env[P12_PASSPHRASE_ENV] ?? '',
): PdfSigningKey {
  const files = paths(dir);
  for (const file of [files.p12File, files.certFile]) {
    if (!existsSync(file))
      throw new KeyFileError(
        `${file} does not exist; run \`dnsconform keys init\` to create the lab's PDF signing key`,
      );
  }
  const certPem = readFileSync(files.certFile, 'utf8');
  try {
    return { ...describe(certPem, files), p12: readFileSync(files.p12File), passphrase, certPem };
  } catch (error) {
    throw new KeyFileError(`${files.certFile}: not a PEM certificate (${(error as Error).message})`);
  }
}

/** The PDF signing credentials of `dir`, made (self-signed) when there are none. */
export function ensurePdfSigningKey(dir: string): PdfSigningKeyFiles & { created: boolean } {
  const files = paths(dir);
  if (!existsSync(files.p12File)) return { ...initPdfSigningKey(dir), created: true };
  const { p12File, certFile, subject, fingerprint } = loadPdfSigningKey(dir);
  return { p12File, certFile, subject, fingerprint, created: false };
}
