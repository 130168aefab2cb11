import { expect } from 'chai';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { digestFiles, listRunFiles } from '../evidence/manifest.ts';
import { InputFileError } from '../input/yaml-input.ts';
import { buildReport } from './build-report.ts';
import { removeTempDirs, sampleReportInput, sampleRunWithKeys, tempDir } from './fixtures/sample-run.ts';
import { renderReportHtml } from './html/render-html.ts';
import { loadLabConfig } from './lab-config.ts';
import { labIssuer } from './finalise-run.ts';
import { KeyFileError } from './key-file-error.ts';
import { ensurePdfSigningKey } from './pdf/pdf-key.ts';
import { validateReport } from './validate-report.ts';

/** The sample run's files as the report cites them. */
const evidenceOf = (runDir: string) => digestFiles(runDir, listRunFiles(runDir));

const EXAMPLE = join(import.meta.dirname, '..', '..', 'docs', 'lab.example.yaml');

describe('report/lab-config: who issued the report', () => {
  after(removeTempDirs);

  it('names the laboratory, signatory, accreditation, certificate and customer on page 1, in report.json and its validation', () => {
    const { runDir, keyDir } = sampleRunWithKeys();
    copyFileSync(EXAMPLE, join(keyDir, 'lab.yaml'));
    const issuer = labIssuer(keyDir)!;
    expect(issuer.laboratory).to.deep.equal({
      name: 'Example Test Laboratory',
      address: '1 Laboratory Road, Exampletown',
      accreditation: { body: 'Example Accreditation Body', number: 'EX-0000' },
    });
    expect(issuer.certificate.sha256).to.equal(ensurePdfSigningKey(keyDir).fingerprint);
    const input = sampleReportInput(runDir);
    const report = validateReport(
      buildReport({
        ...input,
        issuer,
        profile: { ...input.profile, customer: { name: 'ACME Devices Ltd' } },
        evidenceFiles: evidenceOf(runDir),
      }),
    );
    expect(report.certification).to.deep.equal({
      forCertification: true,
      statement:
        'Issued by Example Test Laboratory for ACME Devices Ltd, authorised by A. Signatory (Head of laboratory).',
    });
    const page1 = renderReportHtml(report, []).split('<section id="report-information"')[0]!;
    expect(page1)
      .to.include('Example Test Laboratory, 1 Laboratory Road, Exampletown')
      .and.include('A. Signatory, Head of laboratory')
      .and.include('ACME Devices Ltd')
      .and.include('EX-0000')
      .and.not.include('not-for-certification">');
    // A report that claims to be for certification without its issuer is refused.
    expect(() => validateReport({ ...report, issuer: null })).to.throw(/\/certification: is/);
  });

  it('without lab.yaml or without a customer: "not for certification" on page 1 and in report.json', () => {
    const { runDir, keyDir } = sampleRunWithKeys();
    expect(loadLabConfig(keyDir)).to.equal(null);
    const report = validateReport(
      buildReport({ ...sampleReportInput(runDir), issuer: labIssuer(keyDir), evidenceFiles: evidenceOf(runDir) }),
    );
    expect(report.issuer).to.equal(null);
    expect(report.certification!.forCertification).to.equal(false);
    expect(report.certification!.statement).to.match(
      /^Not for certification: no laboratory configuration \(lab\.yaml beside the signing keys\).*; the profile names no customer/,
    );
    expect(renderReportHtml(report, []).split('<section id="report-information"')[0])
      .to.include('<p class="not-for-certification"><strong>Not for certification: ')
      .and.include('not named in the profile');
  });

  it('refuses a lab.yaml with a missing signatory (pointer and line), and a certificate that does not sign the PDF', () => {
    const { keyDir } = sampleRunWithKeys();
    writeFileSync(join(keyDir, 'lab.yaml'), 'labConfigVersion: 1\nlaboratory:\n  name: L\n  address: A\n');
    expect(() => loadLabConfig(keyDir)).to.throw(InputFileError, /lab\.yaml.*missing required property "signatory"/s);
    const other = join(tempDir('other-keys'), 'keys');
    ensurePdfSigningKey(other);
    writeFileSync(
      join(keyDir, 'lab.yaml'),
      `labConfigVersion: 1\nlaboratory: { name: L, address: A }\nsignatory: { name: S, function: F }\nsigningCertificate: ${join(other, 'lab-pdf.cert.pem')}\n`,
    );
    expect(() => labIssuer(keyDir)).to.throw(
      KeyFileError,
      /lab\.yaml: \/signingCertificate: .* is not the certificate of .*lab-pdf\.p12/,
    );
  });
});
