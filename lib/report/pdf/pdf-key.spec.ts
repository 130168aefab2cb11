import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { pdfInfo, poppler, VALID_SIGNATURE } from '../fixtures/poppler.ts';
import { removeTempDirs, tempDir } from '../fixtures/sample-run.ts';
import { ensureKeys, KeyFileError } from '../signing.ts';
import {
  ensurePdfSigningKey,
  importPdfSigningKey,
  initPdfSigningKey,
  loadPdfSigningKey,
  PDF_CERT_FILE,
  PDF_P12_FILE,
} from './pdf-key.ts';
import { signPdf } from './sign-pdf.ts';

/** A P12 made by openssl as a CA would hand it over: key type and passphrase as asked. */
function caIssuedP12(dir: string, key: 'rsa:2048' | 'ec', passphrase: string): string {
  const keyArgs = key === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', key];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...keyArgs,
      '-noenc',
      '-keyout',
      join(dir, 'k.pem'),
      '-out',
      join(dir, 'c.pem'),
      '-subj',
      '/CN=Example Test Lab/O=Example',
      '-days',
      '30',
    ],
    { stdio: 'ignore' },
  );
  const file = join(dir, 'issued.p12');
  execFileSync(
    'openssl',
    [
      'pkcs12',
      '-export',
      '-inkey',
      join(dir, 'k.pem'),
      '-in',
      join(dir, 'c.pem'),
      '-out',
      file,
      '-passout',
      'env:P12_PASS',
    ],
    { stdio: 'ignore', env: { ...process.env, P12_PASS: passphrase } },
  );
  return file;
}

/** A one-page PDF made by pdf-lib, enough to sign. */
async function tinyPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595.92, 841.92]);
  page.drawText('dnsconform signing test', {
    x: 50,
    y: 780,
    size: 14,
    font: await doc.embedFont(StandardFonts.Helvetica),
  });
  return doc.save();
}

const details = {
  reason: 'test',
  location: 'here',
  contactInfo: '',
  title: 'T',
  subject: 'S',
  keywords: ['k'],
  createdAt: new Date('2026-01-01T00:00:00Z'),
};

describe('report/pdf/pdf-key', () => {
  after(removeTempDirs);

  it('makes an RSA-2048 certificate for signing (digitalSignature, nonRepudiation, CN the lab name) in a 0600 P12', () => {
    const dir = join(tempDir('pdf-key'), 'keys');
    const files = initPdfSigningKey(dir, { labName: 'Example Test Lab' });
    expect(statSync(files.p12File).mode & 0o777).to.equal(0o600);
    expect(statSync(dir).mode & 0o777).to.equal(0o700);
    expect(readdirSync(dir).sort()).to.deep.equal([PDF_CERT_FILE, PDF_P12_FILE]);
    const text = execFileSync('openssl', ['x509', '-in', files.certFile, '-noout', '-text'], { encoding: 'utf8' });
    expect(text).to.match(/Public-Key: \(2048 bit\)/);
    expect(text).to.match(/X509v3 Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(text).to.match(/Subject: CN ?= ?Example Test Lab/);
    expect(text).to.match(/CA:FALSE/);
    expect(files.subject).to.equal('CN=Example Test Lab');
    const p12 = execFileSync('openssl', ['pkcs12', '-in', files.p12File, '-passin', 'pass:', '-nokeys'], {
      encoding: 'utf8',
    });
    expect(p12).to.contain('-----BEGIN CERTIFICATE-----');
  });

  it('refuses to replace the P12 without force', () => {
    const dir = tempDir('pdf-key');
    const first = initPdfSigningKey(dir);
    expect(() => initPdfSigningKey(dir)).to.throw(KeyFileError, /lab-pdf\.p12 already exists.*--force/);
    expect(initPdfSigningKey(dir, { force: true }).fingerprint).to.not.equal(first.fingerprint);
  });

  it('ensureKeys makes the PDF signing certificate beside the Ed25519 key, once', () => {
    const dir = join(tempDir('pdf-key'), 'k');
    ensureKeys(dir);
    const made = loadPdfSigningKey(dir);
    expect(ensurePdfSigningKey(dir)).to.deep.include({ created: false, fingerprint: made.fingerprint });
    ensureKeys(dir);
    expect(loadPdfSigningKey(dir).fingerprint).to.equal(made.fingerprint);
  });

  it('imports a passphrase-protected P12 of the lab CA, and signs with it so that pdfsig says valid', async () => {
    const scratch = tempDir('ca');
    const dir = join(tempDir('pdf-key'), 'keys');
    const issued = caIssuedP12(scratch, 'rsa:2048', 'correct horse');
    expect(() => importPdfSigningKey(dir, issued, { passphrase: 'wrong' })).to.throw(
      KeyFileError,
      /cannot be read as PKCS#12/,
    );
    expect(existsSync(join(dir, PDF_P12_FILE))).to.equal(false);
    const files = importPdfSigningKey(dir, issued, { passphrase: 'correct horse' });
    expect(files.subject).to.equal('CN=Example Test Lab, O=Example');
    expect(statSync(files.p12File).mode & 0o777).to.equal(0o600);
    expect(readFileSync(files.p12File).equals(readFileSync(issued))).to.equal(true);

    const pdf = join(scratch, 'signed.pdf');
    writeFileSync(pdf, await signPdf(await tinyPdf(), loadPdfSigningKey(dir, 'correct horse'), details));
    const out = poppler('pdfsig', [pdf]);
    expect(out).to.contain(VALID_SIGNATURE).and.contain('Signer Certificate Common Name: Example Test Lab');
    expect(pdfInfo(pdf).Title).to.equal('T');

    let thrown: unknown;
    try {
      await signPdf(await tinyPdf(), loadPdfSigningKey(dir, 'wrong'), details);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(KeyFileError);
    expect((thrown as Error).message).to.match(/DNSCONFORM_P12_PASSPHRASE/);
  });

  it('refuses a P12 whose key is not RSA', () => {
    const scratch = tempDir('ca');
    expect(() => importPdfSigningKey(tempDir('pdf-key'), caIssuedP12(scratch, 'ec', ''), { passphrase: '' })).to.throw(
      KeyFileError,
      /ec key; PDF signing needs an RSA key/,
    );
  });

  it('says how to make the key when there is none', () => {
    expect(() => loadPdfSigningKey(tempDir('pdf-key'))).to.throw(
      KeyFileError,
      /lab-pdf\.p12 does not exist; run `dnsconform keys init`/,
    );
  });
});
