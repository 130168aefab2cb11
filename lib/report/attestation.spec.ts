import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  INTOTO_PAYLOAD_TYPE,
  STATEMENT_TYPE,
  TEST_RESULT_PREDICATE_TYPE,
  decodeBase64,
  envelopeVerifies,
  pae,
  signEnvelope,
  writeAttestation,
} from './attestation.ts';
import type { DsseEnvelope, Statement } from './attestation.ts';
import { attestFinalisedRun, finaliseAttested } from './fixtures/attested-run.ts';
import { finaliseRun } from './finalise-run.ts';
import { removeTempDirs, sampleReportInput, sampleRunWithKeys } from './fixtures/sample-run.ts';
import { loadSigningKey } from './signing.ts';
import { verifyRun } from './verify-run.ts';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'verify-without-dnsconform.md');

function readEnvelope(runDir: string): { envelope: DsseEnvelope; statement: Statement } {
  const envelope = JSON.parse(readFileSync(join(runDir, 'attestation.intoto.json'), 'utf8')) as DsseEnvelope;
  return { envelope, statement: JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Statement };
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The doc's runnable (```sh) blocks, as one script. */
function docScript(): string {
  const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).to.be.greaterThan(3);
  return `set -euo pipefail\n${blocks.join('\n')}`;
}

function runDocScript(runDir: string): { status: number | null; out: string } {
  const run = spawnSync('bash', ['-c', docScript()], { cwd: runDir, encoding: 'utf8' });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

const hasJq = spawnSync('jq', ['--version']).status === 0;

describe('report/attestation', () => {
  after(removeTempDirs);

  it("PAE is the DSSE v1 encoding (the spec's test vector)", () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString('utf8')).to.equal(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    // Lengths are in bytes, not characters.
    expect(pae('t', Buffer.from('é')).toString('utf8')).to.equal('DSSEv1 1 t 2 é');
  });

  it('decodes standard and URL-safe base64, and rejects anything else', () => {
    expect(decodeBase64('+/8=')!.equals(Buffer.from([0xfb, 0xff]))).to.equal(true);
    expect(decodeBase64('-_8')!.equals(Buffer.from([0xfb, 0xff]))).to.equal(true);
    expect(decodeBase64('a b')).to.equal(null);
    expect(decodeBase64('+/9=')).to.equal(null);
  });

  it('attests report.json and every evidence file by SHA-256, with the verdicts in the test-result predicate', async () => {
    const { runDir, keyDir } = sampleRunWithKeys();
    const input = sampleReportInput(runDir, ['PASS', 'FAIL', 'INCONCLUSIVE', 'NOT_APPLICABLE', 'ERROR', 'INFO']);
    const { report, signerFingerprint } = await finaliseAttested(runDir, input, keyDir);
    const { envelope, statement } = readEnvelope(runDir);

    expect(envelope.payloadType).to.equal(INTOTO_PAYLOAD_TYPE);
    expect(envelope.signatures).to.have.length(1);
    expect(envelope.signatures[0]!.keyid).to.equal(signerFingerprint);
    expect(
      envelopeVerifies(
        envelope,
        Buffer.from(envelope.payload, 'base64'),
        readFileSync(join(runDir, 'signer.pub.pem'), 'utf8'),
      ),
    ).to.equal(true);

    expect(statement._type).to.equal(STATEMENT_TYPE);
    expect(statement.predicateType).to.equal(TEST_RESULT_PREDICATE_TYPE);
    expect(statement.subject).to.deep.equal(
      ['report.json', 'report.html', 'report.pdf', 'devices/cam-1.log', 'events.ndjson', 'profile.yaml'].map(
        (name) => ({ name, digest: { sha256: sha256(join(runDir, name)) } }),
      ),
    );

    const ids = report.results.map((r) => r.check);
    const { predicate } = statement;
    expect(predicate.result).to.equal('FAILED');
    expect(predicate.passedTests).to.deep.equal([ids[0]]);
    expect(predicate.failedTests).to.deep.equal([ids[1]]);
    expect(predicate.warnedTests).to.deep.equal([ids[2], ids[4], ids[5]]);
    expect([...predicate.passedTests, ...predicate.warnedTests, ...predicate.failedTests]).to.not.include(ids[3]);

    const [profile, plan, harness] = predicate.configuration;
    expect(profile).to.deep.include({ name: 'profile.yaml', digest: { sha256: sha256(join(runDir, 'profile.yaml')) } });
    const planBytes = Buffer.from(plan!.content!, 'base64');
    expect(plan!.digest).to.deep.equal({ sha256: createHash('sha256').update(planBytes).digest('hex') });
    expect(JSON.parse(planBytes.toString('utf8'))).to.deep.equal({
      windowSeconds: 10,
      phases: [
        { name: 'baseline', scenario: '' },
        { name: 'ttl-0', scenario: 'ttl(0)' },
      ],
    });
    expect(harness).to.deep.include({
      name: 'dnsconform',
      uri: 'pkg:npm/dnsconform@0.1.0',
      digest: { gitCommit: 'a'.repeat(40) },
    });
  });

  it('maps the overall verdict to PASSED and WARNED', async () => {
    for (const [verdicts, result] of [
      [['PASS', 'INFO'], 'PASSED'],
      [['PASS', 'INCONCLUSIVE'], 'WARNED'],
    ] as const) {
      const { runDir, keyDir } = sampleRunWithKeys();
      await finaliseAttested(runDir, sampleReportInput(runDir, [...verdicts]), keyDir);
      expect(readEnvelope(runDir).statement.predicate.result).to.equal(result);
    }
  });

  it('attests report.pdf and report.html when the run has them', async () => {
    const { runDir, keyDir } = sampleRunWithKeys();
    await finaliseRun(runDir, sampleReportInput(runDir), keyDir);
    writeFileSync(join(runDir, 'report.html'), '<html></html>\n');
    writeFileSync(join(runDir, 'report.pdf'), '%PDF-1.7 not really\n');
    await attestFinalisedRun(runDir, keyDir, { replace: true });
    expect(
      readEnvelope(runDir)
        .statement.subject.map((s) => s.name)
        .slice(0, 3),
    ).to.deep.equal(['report.json', 'report.html', 'report.pdf']);
  });

  it('never replaces an attestation, and refuses evidence that changed after the report', async () => {
    const { runDir, keyDir } = sampleRunWithKeys();
    const { report } = await finaliseAttested(runDir, sampleReportInput(runDir), keyDir);
    let error: unknown;
    await writeAttestation(runDir, report, keyDir).catch((e: unknown) => {
      error = e;
    });
    expect((error as NodeJS.ErrnoException).code).to.equal('EEXIST');

    const other = sampleRunWithKeys();
    const finalised = await finaliseRun(other.runDir, sampleReportInput(other.runDir), other.keyDir);
    writeFileSync(join(other.runDir, 'events.ndjson'), 'changed\n');
    error = undefined;
    await writeAttestation(other.runDir, finalised.report, other.keyDir).catch((e: unknown) => {
      error = e;
    });
    expect(String(error)).to.match(/events\.ndjson changed after the report was built/);
  });

  it('verify names the attestation when its payload was changed without re-signing', async () => {
    const { runDir, keyDir } = sampleRunWithKeys();
    await finaliseAttested(runDir, sampleReportInput(runDir), keyDir);
    const file = join(runDir, 'attestation.intoto.json');
    const { envelope, statement } = readEnvelope(runDir);
    statement.predicate.failedTests = [];
    writeFileSync(
      file,
      JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }),
    );
    const outcome = verifyRun(runDir);
    expect(outcome.files.filter((f) => !f.ok).map((f) => f.file)).to.deep.equal(['attestation.intoto.json']);
    const problems = outcome.files.find((f) => f.file === 'attestation.intoto.json')!.problems.join('\n');
    expect(problems)
      .to.match(/changed: content differs from the manifest/)
      .and.match(/DSSE signature does not verify/);
  });

  it('verify names an attestation signed by the lab key whose predicate or subjects disagree with the run', async () => {
    const { runDir, keyDir } = sampleRunWithKeys();
    await finaliseAttested(runDir, sampleReportInput(runDir), keyDir);
    const { statement } = readEnvelope(runDir);
    statement.predicate.failedTests = [];
    statement.subject = statement.subject.filter((s) => s.name !== 'profile.yaml');
    const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), loadSigningKey(keyDir));
    writeFileSync(join(runDir, 'attestation.intoto.json'), JSON.stringify(envelope));
    const outcome = verifyRun(runDir);
    expect(outcome.files.filter((f) => !f.ok).map((f) => f.file)).to.deep.equal([
      'attestation.intoto.json',
      'profile.yaml',
    ]);
    expect(outcome.files.find((f) => f.file === 'attestation.intoto.json')!.problems.join('\n'))
      .to.match(/predicate does not match report\.json: failedTests/)
      .and.not.match(/DSSE signature/);
    expect(outcome.files.find((f) => f.file === 'profile.yaml')!.problems).to.deep.equal([
      'not attested: attestation.intoto.json has no subject for it',
    ]);
  });

  it('verify names a deleted attestation', async () => {
    const { runDir, keyDir } = sampleRunWithKeys();
    await finaliseAttested(runDir, sampleReportInput(runDir), keyDir);
    rmSync(join(runDir, 'attestation.intoto.json'));
    const outcome = verifyRun(runDir);
    expect(outcome.files.filter((f) => !f.ok).map((f) => f.file)).to.deep.equal(['attestation.intoto.json']);
    expect(outcome.files.find((f) => f.file === 'attestation.intoto.json')!.problems).to.deep.equal([
      'missing: listed in the manifest but not in the run directory',
      'missing: the run has no in-toto attestation, so no subject digest can be checked against it',
    ]);
  });

  describe('docs/verify-without-dnsconform.md', () => {
    before(function () {
      if (!hasJq) this.skip();
    });

    it('its commands verify an untouched run with openssl, jq and sha256sum', async () => {
      const { runDir, keyDir } = sampleRunWithKeys();
      await finaliseAttested(runDir, sampleReportInput(runDir), keyDir);
      const { status, out } = runDocScript(runDir);
      expect(status, out).to.equal(0);
      expect(out.match(/Signature Verified Successfully/g)).to.have.length(3);
      expect(out)
        .to.match(/events\.ndjson: OK/)
        .and.match(/"result": "FAILED"/);
    });

    it('its commands fail on one changed byte of evidence, and on a re-encoded attestation', async () => {
      const { runDir, keyDir } = sampleRunWithKeys();
      await finaliseAttested(runDir, sampleReportInput(runDir), keyDir);
      const events = join(runDir, 'events.ndjson');
      const original = readFileSync(events);
      const changed = Buffer.from(original);
      changed[10] = changed[10]! ^ 0x01;
      writeFileSync(events, changed);
      const broken = runDocScript(runDir);
      expect(broken.status).to.not.equal(0);
      expect(broken.out).to.match(/events\.ndjson: FAILED/);
      writeFileSync(events, original);

      const file = join(runDir, 'attestation.intoto.json');
      const { envelope, statement } = readEnvelope(runDir);
      statement.subject.pop();
      writeFileSync(
        file,
        JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }),
      );
      // The manifest check comes first and already fails; check the DSSE step on its own too.
      expect(runDocScript(runDir).status).to.not.equal(0);
      const dsse = docScript()
        .split('\n')
        .filter((line) => !/manifest|unlisted/.test(line))
        .join('\n');
      const run = spawnSync('bash', ['-c', dsse], { cwd: runDir, encoding: 'utf8' });
      expect(run.status).to.not.equal(0);
      expect(`${run.stdout}${run.stderr}`).to.match(/Signature Verification Failure/);
    });
  });
});
