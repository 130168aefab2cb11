/**
 * PAdES baseline signatures, checked by tools independent of the code that made them:
 * poppler's pdfsig (whose exit code says nothing: its report is read), `openssl cms -verify`
 * on the CMS taken out of /Contents over the bytes /ByteRange covers, and `openssl ts -verify`
 * on the time-stamp token against the local TSA's certificate. pyHanko, which would name the
 * PAdES level, is not installable here (no PyPI, no Debian package): the level is read from
 * the CMS's attributes instead. The TSA is `openssl ts -reply` on 127.0.0.1 (tsa-test-kit.ts).
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { finaliseRun } from '../finalise-run.ts';
import { removeTempDirs, sampleReportInput, sampleRunWithKeys } from '../fixtures/sample-run.ts';
import { checkPdfSignature } from '../pdf-signature.ts';
import { verifyRun } from '../verify-run.ts';
import { TimestampError } from './pades.ts';
import { ensurePdfSigningKey, loadPdfSigningKey } from './pdf-key.ts';
import type { PdfSigningKey } from './pdf-key.ts';
import { PADES_SUBFILTER, signPdf } from './sign-pdf.ts';
import type { PdfSignatureDetails } from './sign-pdf.ts';
import { pdfSignatureParts, startLocalTsa } from './tsa-test-kit.ts';
import type { LocalTsa } from './tsa-test-kit.ts';

const SIGNED_ATTRIBUTES = {
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signingTime: '1.2.840.113549.1.9.5',
};

const DETAILS: PdfSignatureDetails = {
  reason: 'Test report',
  location: 'Example Lab',
  contactInfo: '',
  title: 'PAdES spec',
  subject: 'pades',
  keywords: ['dnsconform'],
  createdAt: new Date('2026-12-01T00:00:00Z'),
};

/** Runs a command; its exit code and everything it printed. */
function tool(command: string, args: string[]): { status: number | null; out: string } {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('report/pdf PAdES baseline signatures (pdfsig, openssl cms, openssl ts, local TSA)', () => {
  let dir: string;
  let key: PdfSigningKey;
  let tsa: LocalTsa;
  let unsigned: Uint8Array;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-pades-'));
    ensurePdfSigningKey(join(dir, 'keys'));
    key = loadPdfSigningKey(join(dir, 'keys'));
    tsa = await startLocalTsa();
    const doc = await PDFDocument.create();
    doc.addPage().drawText('dnsconform PAdES spec');
    unsigned = await doc.save();
  });
  after(async () => {
    await tsa.close();
    rmSync(dir, { recursive: true, force: true });
    removeTempDirs();
  });

  /** Writes the parts to files and runs `openssl cms -verify` over the signed bytes with the lab certificate. */
  function opensslCmsVerify(pdf: Buffer, name: string): { status: number | null; out: string } {
    const parts = pdfSignatureParts(pdf);
    writeFileSync(join(dir, `${name}.p7s`), parts.cms);
    writeFileSync(join(dir, `${name}.signed`), parts.signedBytes);
    return tool('openssl', [
      'cms',
      '-verify',
      '-binary',
      '-inform',
      'DER',
      '-in',
      join(dir, `${name}.p7s`),
      '-content',
      join(dir, `${name}.signed`),
      '-CAfile',
      key.certFile,
      '-purpose',
      'any',
      '-out',
      '/dev/null',
    ]);
  }

  it('B-B: SubFilter ETSI.CAdES.detached, signing-certificate-v2, no signing time in the CMS; pdfsig and openssl cms verify it', async () => {
    const pdf = await signPdf(unsigned, key, DETAILS);
    const parts = pdfSignatureParts(pdf);
    expect(parts.subFilter).to.equal(PADES_SUBFILTER);
    expect(parts.signedAttributes).to.have.members([
      SIGNED_ATTRIBUTES.contentType,
      SIGNED_ATTRIBUTES.messageDigest,
      SIGNED_ATTRIBUTES.signingCertificateV2,
    ]);
    expect(parts.timestampToken).to.equal(null);
    const file = join(dir, 'b-b.pdf');
    writeFileSync(file, pdf);
    expect(checkPdfSignature(file)).to.deep.equal({ status: 'valid', signatures: 1 });
    expect(tool('pdfsig', [file]).out).to.contain(`Signature Type: ${PADES_SUBFILTER}`);
    const cms = opensslCmsVerify(pdf, 'b-b');
    expect(cms.status, cms.out).to.equal(0);
    expect(cms.out).to.contain('Verification successful');
  });

  it('B-T: the signature carries a token of the lab TSA over its signature value; openssl ts verifies it', async () => {
    const before = tsa.requests;
    const pdf = await signPdf(unsigned, key, { ...DETAILS, tsaUrl: tsa.url });
    expect(tsa.requests).to.equal(before + 1);
    const parts = pdfSignatureParts(pdf);
    expect(parts.subFilter).to.equal(PADES_SUBFILTER);
    expect(parts.timestampToken).to.not.equal(null);
    writeFileSync(join(dir, 'token.tst'), parts.timestampToken!);
    writeFileSync(join(dir, 'signature-value'), parts.signatureValue);
    const ts = tool('openssl', [
      'ts',
      '-verify',
      '-in',
      join(dir, 'token.tst'),
      '-token_in',
      '-data',
      join(dir, 'signature-value'),
      '-CAfile',
      tsa.certFile,
    ]);
    expect(ts.out).to.contain('Verification: OK');
    // The token is over this signature value and no other.
    writeFileSync(join(dir, 'other-value'), Buffer.concat([parts.signatureValue, Buffer.from([0])]));
    const other = tool('openssl', [
      'ts',
      '-verify',
      '-in',
      join(dir, 'token.tst'),
      '-token_in',
      '-data',
      join(dir, 'other-value'),
      '-CAfile',
      tsa.certFile,
    ]);
    expect(other.out).to.not.contain('Verification: OK');
    const file = join(dir, 'b-t.pdf');
    writeFileSync(file, pdf);
    expect(checkPdfSignature(file)).to.deep.equal({ status: 'valid', signatures: 1 });
    const cms = opensslCmsVerify(pdf, 'b-t');
    expect(cms.status, cms.out).to.equal(0);
  });

  it('one changed byte in the signed range breaks it for pdfsig and openssl cms', async () => {
    const pdf = await signPdf(unsigned, key, { ...DETAILS, tsaUrl: tsa.url });
    const changed = Buffer.from(pdf);
    // The middle of the first signed range: before /Contents, inside what the signature covers.
    const firstRange = Number(/\/ByteRange\s*\[\s*0\s+(\d+)/.exec(changed.toString('latin1'))![1]);
    const at = Math.floor(firstRange / 2);
    changed[at] = changed[at]! ^ 0x01;
    const file = join(dir, 'changed.pdf');
    writeFileSync(file, changed);
    expect(checkPdfSignature(file).status).to.equal('invalid');
    expect(opensslCmsVerify(changed, 'changed').status).to.not.equal(0);
  });

  it('a TSA that does not answer stops the signing (no silent B-B when B-T was asked)', async () => {
    const gone = await startLocalTsa();
    await gone.close();
    let thrown: unknown;
    try {
      await signPdf(unsigned, key, { ...DETAILS, tsaUrl: gone.url });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(TimestampError);
  });

  it('a run finalised with lab.yaml naming the TSA has a B-T report.pdf, and verify passes it', async () => {
    const { runDir, keyDir } = sampleRunWithKeys();
    const example = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'lab.example.yaml'), 'utf8');
    writeFileSync(join(keyDir, 'lab.yaml'), `${example}tsa:\n  url: ${tsa.url}\n`);
    const before = tsa.requests;
    await finaliseRun(runDir, sampleReportInput(runDir), keyDir);
    expect(tsa.requests).to.equal(before + 1);
    const parts = pdfSignatureParts(readFileSync(join(runDir, 'report.pdf')));
    expect(parts.subFilter).to.equal(PADES_SUBFILTER);
    expect(parts.timestampToken).to.not.equal(null);
    const outcome = verifyRun(runDir);
    expect(outcome.ok, JSON.stringify(outcome.files.filter((f) => !f.ok))).to.equal(true);
  });
});
