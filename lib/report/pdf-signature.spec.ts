import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finaliseRun } from './finalise-run.ts';
import { attestFinalisedRun } from './fixtures/attested-run.ts';
import { removeTempDirs, sampleReportInput, sampleRunWithKeys } from './fixtures/sample-run.ts';
import { checkPdfSignature, judgePdfsigReport } from './pdf-signature.ts';
import { verifyRun } from './verify-run.ts';

/** pdfsig's report of one signature, as poppler prints it. */
function signature(n: number, coverage: string, validation: string): string {
  return [
    `Signature #${n}:`,
    '  - Signer Certificate Common Name: Example Lab',
    '  - Signing Hash Algorithm: SHA-256',
    '  - Signature Type: adbe.pkcs7.detached',
    '  - Signed Ranges: [0 - 1000], [9000 - 12000]',
    `  - ${coverage}`,
    `  - Signature Validation: ${validation}`,
    ...(validation === 'Signature is Valid.' ? ["  - Certificate Validation: Certificate issuer isn't Trusted."] : []),
  ].join('\n');
}

const header = 'Digital Signature Info of: report.pdf\n';

describe('report/pdf-signature', () => {
  after(removeTempDirs);

  it('accepts a valid signature over the whole file, whatever the certificate trust', () => {
    expect(
      judgePdfsigReport(`${header}${signature(1, 'Total document signed', 'Signature is Valid.')}\n`, 0),
    ).to.deep.equal([]);
  });

  it('rejects a digest mismatch, a signature not covering the whole file, and no signature (pdfsig exits 0 or 2)', () => {
    expect(judgePdfsigReport(`${header}${signature(1, 'Total document signed', 'Digest Mismatch.')}\n`, 0).join('\n'))
      .to.match(/Signature #1: Digest Mismatch\./)
      .and.match(/no valid signature covers the whole file/);
    expect(
      judgePdfsigReport(`${header}${signature(1, 'Not total document signed', 'Signature is Valid.')}\n`, 0),
    ).to.deep.equal([
      'pdfsig: no valid signature covers the whole file ("Not total document signed": bytes were added or changed after signing)',
    ]);
    expect(judgePdfsigReport("File 'report.pdf' does not contain any signatures\n", 2)[0]).to.equal(
      "pdfsig found no signature (exit 2: File 'report.pdf' does not contain any signatures)",
    );
  });

  it('says the signature was not checked when pdfsig is not there', () => {
    const check = checkPdfSignature('/nonexistent/report.pdf', '/nonexistent/pdfsig');
    expect(check).to.deep.equal({
      status: 'unchecked',
      reason: 'pdfsig is not installed (Debian: apt-get install poppler-utils), so the PDF signature was NOT checked',
    });
  });

  it('verify names report.pdf when it has no valid signature, and notes an unchecked one', async function () {
    const { runDir, keyDir } = sampleRunWithKeys();
    await finaliseRun(runDir, sampleReportInput(runDir), keyDir);
    writeFileSync(join(runDir, 'report.pdf'), '%PDF-1.7\nnot a signed PDF\n');
    await attestFinalisedRun(runDir, keyDir, { replace: true });

    const without = verifyRun(runDir, { pdfsig: '/nonexistent/pdfsig' });
    expect(without.ok).to.equal(true);
    expect(without.notes).to.deep.equal([
      'report.pdf: pdfsig is not installed (Debian: apt-get install poppler-utils), so the PDF signature ' +
        'was NOT checked; its bytes were checked against the signed manifest and attestation only',
    ]);

    if (checkPdfSignature(join(runDir, 'report.pdf')).status === 'unchecked') this.skip();
    const outcome = verifyRun(runDir);
    expect(outcome.ok).to.equal(false);
    expect(outcome.files.filter((f) => !f.ok).map((f) => f.file)).to.deep.equal(['report.pdf']);
    expect(outcome.files.find((f) => f.file === 'report.pdf')!.problems[0]).to.match(
      /^embedded signature: pdfsig found no signature/,
    );
  });
});
