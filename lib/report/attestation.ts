/**
 * The run's in-toto attestation: a Statement (https://in-toto.io/Statement/v1) whose
 * subjects are `report.json`, the rendered report (`report.pdf`, `report.html`) when the
 * run has it, and every evidence file, by SHA-256, with a test-result predicate
 * (https://in-toto.io/attestation/test-result/v0.1) naming the checks that passed, warned
 * and failed and the configuration (profile, plan, harness) they ran with. It is signed
 * with the lab's Ed25519 key in a DSSE envelope, so a regulator can check it with openssl
 * (docs/verify-without-dnsconform.md).
 *
 * DSSE v1 (secure-systems-lab/dsse, protocol.md): the signature is over
 * PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where LEN is the
 * byte length in ASCII decimal without leading zeros. The envelope is
 * `{payload: base64(body), payloadType, signatures: [{keyid, sig: base64(signature)}]}`.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileDigest } from '../evidence/manifest.ts';
import { hashFile, isRunRelativePath } from '../evidence/manifest.ts';
import { ATTESTATION_FILE, REPORT_FILE, REPORT_HTML_FILE, REPORT_PDF_FILE } from './bundle-files.ts';
import type { OverallVerdict, Report } from './report-types.ts';
import { loadSigningKey, signBytes } from './signing.ts';
import type { SigningKey } from './signing.ts';

/** DSSE payload type of an in-toto Statement. */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
/** `_type` of an in-toto Statement v1. */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The in-toto test-result predicate, version 0.1. */
export const TEST_RESULT_PREDICATE_TYPE = 'https://in-toto.io/attestation/test-result/v0.1';

/** An in-toto ResourceDescriptor (only the fields used here). */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  /** Base64 of the resource's bytes, when it is small enough to carry. */
  content?: string;
  mediaType?: string;
  annotations?: Record<string, unknown>;
}

/** The test-result predicate's overall result. */
export type TestResult = 'PASSED' | 'WARNED' | 'FAILED';

/** The test-result predicate as this harness fills it. */
export interface TestResultPredicate {
  result: TestResult;
  configuration: ResourceDescriptor[];
  /** Check ids whose verdict is PASS. */
  passedTests: string[];
  /** Check ids whose verdict is INCONCLUSIVE, ERROR or INFO (see {@link TEST_LIST_RULE}). */
  warnedTests: string[];
  /** Check ids whose verdict is FAIL. */
  failedTests: string[];
}

/** An in-toto Statement v1 with the test-result predicate. */
export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: (ResourceDescriptor & { name: string; digest: { sha256: string } })[];
  predicateType: typeof TEST_RESULT_PREDICATE_TYPE;
  predicate: TestResultPredicate;
}

/** A DSSE envelope. */
export interface DsseEnvelope {
  payload: string;
  payloadType: string;
  signatures: { keyid?: string; sig: string }[];
}

/**
 * How verdicts map onto the predicate's lists. NOT_APPLICABLE checks are out of scope by the
 * supplier's ICS, so they are in no list.
 */
export const TEST_LIST_RULE =
  'passedTests: PASS. failedTests: FAIL. warnedTests: INCONCLUSIVE (not shown either way), ' +
  "ERROR (a harness fault, never the DUT's) and INFO (an observation a reader should see, that requires nothing). " +
  "NOT_APPLICABLE checks (the supplier's ICS declares every provision they cite N/A) are in no list. result: PASSED for a CONFORMANT report, " +
  'WARNED for INCOMPLETE, FAILED for NOT_CONFORMANT.';

const RESULT_OF: Record<OverallVerdict, TestResult> = {
  CONFORMANT: 'PASSED',
  INCOMPLETE: 'WARNED',
  NOT_CONFORMANT: 'FAILED',
};

/** DSSE v1 pre-authentication encoding of a payload type and body. */
export function pae(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${body.length} `, 'ascii'),
    body,
  ]);
}

/** The predicate's result and lists, from the report's verdicts by {@link TEST_LIST_RULE}. */
export function testResultOf(
  report: Report,
): Pick<TestResultPredicate, 'result' | 'passedTests' | 'warnedTests' | 'failedTests'> {
  const ids = (...verdicts: string[]) => report.results.filter((r) => verdicts.includes(r.verdict)).map((r) => r.check);
  return {
    result: RESULT_OF[report.overall.verdict],
    passedTests: ids('PASS'),
    warnedTests: ids('INCONCLUSIVE', 'ERROR', 'INFO'),
    failedTests: ids('FAIL'),
  };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * What the run was configured with: the profile copy in the run directory, the plan as it ran
 * (the phases report.json records: the plan file itself is not kept in the run directory, so
 * its content is carried here and its digest is of that content), and the harness build.
 */
export function configurationOf(report: Report): ResourceDescriptor[] {
  const planAsRun = Buffer.from(
    JSON.stringify({
      windowSeconds: report.observation.windowSeconds,
      phases: report.observation.phases.map(({ name, scenario }) => ({ name, scenario })),
    }),
    'utf8',
  );
  const { harness } = report;
  return [
    {
      name: report.profile.file,
      digest: { sha256: report.profile.sha256 },
      mediaType: report.profile.file.endsWith('.json') ? 'application/json' : 'application/yaml',
      annotations: { role: 'profile', dut: report.dut.id },
    },
    {
      name: 'plan-as-run.json',
      digest: { sha256: sha256(planAsRun) },
      content: planAsRun.toString('base64'),
      mediaType: 'application/json',
      annotations: {
        role: 'plan',
        source: `${REPORT_FILE} observation: the window and the phases observed, each with its scenario`,
      },
    },
    {
      name: harness.name,
      uri: `pkg:npm/${harness.name}@${harness.version}`,
      ...(harness.gitCommit === null ? {} : { digest: { gitCommit: harness.gitCommit } }),
      annotations: { role: 'harness and suites', version: harness.version, dirty: harness.dirty },
    },
    ...(report.certification
      ? [
          {
            name: 'issuer',
            annotations: {
              role: 'issuer',
              forCertification: report.certification.forCertification,
              statement: report.certification.statement,
              ...(report.issuer
                ? {
                    laboratory: report.issuer.laboratory.name,
                    address: report.issuer.laboratory.address,
                    ...(report.issuer.laboratory.accreditation
                      ? {
                          accreditation: `${report.issuer.laboratory.accreditation.body} ${report.issuer.laboratory.accreditation.number}`,
                        }
                      : {}),
                    signatory: `${report.issuer.signatory.name}, ${report.issuer.signatory.function}`,
                    certificateSha256: report.issuer.certificate.sha256,
                  }
                : {}),
              ...(report.customer ? { customer: report.customer.name } : {}),
            },
          },
        ]
      : []),
  ];
}

/** The files the attestation covers, in subject order: the report, its renderings present, then the evidence. */
export function attestedFiles(runDir: string, report: Report): string[] {
  const rendered = [REPORT_HTML_FILE, REPORT_PDF_FILE].filter((file) => existsSync(join(runDir, file)));
  return [REPORT_FILE, ...rendered, ...report.evidenceFiles.map((entry) => entry.file)];
}

/**
 * The Statement for a run directory. Throws when an evidence file no longer has the digest
 * the report gives it: the attestation never vouches for evidence the report did not judge.
 * `rehashed` holds digests of files hashed again since the report was built (by path in the
 * run directory); the others are hashed here.
 */
export function buildStatement(
  runDir: string,
  report: Report,
  rehashed: ReadonlyMap<string, FileDigest> = new Map(),
): Statement {
  const cited = new Map(report.evidenceFiles.map((entry) => [entry.file, entry]));
  const subject = attestedFiles(runDir, report).map((file) => {
    const { sha256: digest, bytes } = rehashed.get(file) ?? hashFile(join(runDir, file));
    const entry = cited.get(file);
    if (entry !== undefined && (entry.sha256 !== digest || entry.bytes !== bytes)) {
      throw new Error(
        `${join(runDir, file)} changed after the report was built (sha256 ${digest}, report says ${entry.sha256}); not attesting it`,
      );
    }
    return { name: file, digest: { sha256: digest } };
  });
  return {
    _type: STATEMENT_TYPE,
    subject,
    predicateType: TEST_RESULT_PREDICATE_TYPE,
    predicate: { ...testResultOf(report), configuration: configurationOf(report) },
  };
}

/** Signs a payload into a one-signature DSSE envelope; keyid is the key's SHA-256 SPKI fingerprint. */
export function signEnvelope(
  payloadType: string,
  body: Uint8Array,
  key: Pick<SigningKey, 'privateKey' | 'fingerprint'>,
): DsseEnvelope {
  return {
    payload: Buffer.from(body).toString('base64'),
    payloadType,
    signatures: [{ keyid: key.fingerprint, sig: signBytes(key.privateKey, pae(payloadType, body)).toString('base64') }],
  };
}

/** What {@link writeAttestation} wrote. */
export interface WrittenAttestation {
  /** Absolute path of the envelope. */
  file: string;
  statement: Statement;
  envelope: DsseEnvelope;
}

/**
 * Writes `attestation.intoto.json` into a run directory whose report.json (and report.pdf,
 * report.html when rendered) are written and whose manifest is not yet: the manifest then
 * covers the attestation. `key` is the lab key directory or the loaded key. The file is
 * created new: an existing attestation is never replaced.
 */
export async function writeAttestation(
  runDir: string,
  report: Report,
  key: string | SigningKey,
  rehashed: ReadonlyMap<string, FileDigest> = new Map(),
): Promise<WrittenAttestation> {
  const signingKey = typeof key === 'string' ? loadSigningKey(key) : key;
  const statement = buildStatement(runDir, report, rehashed);
  const envelope = signEnvelope(INTOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement), 'utf8'), signingKey);
  const file = join(runDir, ATTESTATION_FILE);
  writeFileSync(file, `${JSON.stringify(envelope, null, 2)}\n`, { flag: 'wx', flush: true });
  return { file, statement, envelope };
}

/** Standard or URL-safe base64 (DSSE verifiers must accept both), or null when it is neither. */
export function decodeBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) return null;
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  const decoded = Buffer.from(standard, 'base64');
  // Reject text with stray bits (a non-canonical last character), which Buffer silently drops.
  return decoded.toString('base64').replace(/=+$/, '') === standard.replace(/=+$/, '') ? decoded : null;
}

/** One file the attestation check found wrong. */
export interface AttestationProblem {
  file: string;
  message: string;
}

/** Reads the envelope and its statement; a problem message when either is malformed. */
function openEnvelope(text: string): { envelope: DsseEnvelope; body: Buffer; statement: Statement } | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  const envelope = value as Partial<DsseEnvelope>;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof envelope.payload !== 'string' ||
    typeof envelope.payloadType !== 'string' ||
    !Array.isArray(envelope.signatures) ||
    envelope.signatures.length === 0
  ) {
    return 'not a DSSE envelope (needs payload, payloadType and at least one signature)';
  }
  if (envelope.payloadType !== INTOTO_PAYLOAD_TYPE)
    return `payloadType is "${envelope.payloadType}", expected "${INTOTO_PAYLOAD_TYPE}"`;
  const body = decodeBase64(envelope.payload);
  if (body === null) return 'payload is not base64';
  let statement: Partial<Statement>;
  try {
    statement = JSON.parse(body.toString('utf8')) as Partial<Statement>;
  } catch (error) {
    return `payload is not JSON (${(error as Error).message})`;
  }
  if (statement._type !== STATEMENT_TYPE) return `payload _type is not ${STATEMENT_TYPE}`;
  if (statement.predicateType !== TEST_RESULT_PREDICATE_TYPE)
    return `predicateType is not ${TEST_RESULT_PREDICATE_TYPE}`;
  const subjectsOk =
    Array.isArray(statement.subject) &&
    statement.subject.every(
      (s) =>
        typeof s === 'object' &&
        s !== null &&
        typeof s.name === 'string' &&
        isRunRelativePath(s.name) &&
        typeof s.digest?.sha256 === 'string' &&
        /^[0-9a-f]{64}$/.test(s.digest.sha256),
    );
  if (!subjectsOk) return 'subject must list files of the run directory, each with a sha256 digest';
  if (typeof statement.predicate !== 'object' || statement.predicate === null) return 'predicate is missing';
  return { envelope: envelope as DsseEnvelope, body, statement: statement as Statement };
}

/** Whether any signature of the envelope verifies over PAE(payloadType, body) with `publicKey`. */
export function envelopeVerifies(envelope: DsseEnvelope, body: Uint8Array, publicKey: string | KeyObject): boolean {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const signed = pae(envelope.payloadType, body);
  return envelope.signatures.some((s) => {
    const sig = typeof s?.sig === 'string' ? decodeBase64(s.sig) : null;
    return sig !== null && sig.length === 64 && verify(null, signed, key, sig);
  });
}

const sameList = (a: readonly string[] | undefined, b: readonly string[]): boolean =>
  Array.isArray(a) && a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Checks `attestation.intoto.json` of a run directory: the envelope's signature with the
 * given public key (null: no usable key, so it is reported as not checked), then, unless the
 * signature failed, every subject's digest, that report.json, the renderings present and
 * every evidence file are subjects, and that the predicate says what `report` (null when it
 * cannot be trusted) says. `digest` hashes a file (shared with
 * the other checks of a verification). Every problem names the file it is about.
 */
export function checkAttestation(
  runDir: string,
  report: Report | null,
  publicKey: string | null,
  digest: (path: string) => FileDigest = hashFile,
): AttestationProblem[] {
  const problems: AttestationProblem[] = [];
  const path = join(runDir, ATTESTATION_FILE);
  if (!existsSync(path)) {
    return [
      {
        file: ATTESTATION_FILE,
        message: 'missing: the run has no in-toto attestation, so no subject digest can be checked against it',
      },
    ];
  }
  const opened = openEnvelope(readFileSync(path, 'utf8'));
  if (typeof opened === 'string') return [{ file: ATTESTATION_FILE, message: opened }];
  const { envelope, body, statement } = opened;
  if (publicKey === null) {
    problems.push({ file: ATTESTATION_FILE, message: 'DSSE signature not checked: no usable public key' });
  } else if (!envelopeVerifies(envelope, body, publicKey)) {
    // An unsigned statement vouches for nothing: its subjects are not compared with anything.
    return [
      {
        file: ATTESTATION_FILE,
        message:
          'DSSE signature does not verify over PAE(payloadType, payload): ' +
          `${ATTESTATION_FILE} was changed, or signed by another key`,
      },
    ];
  }

  const subjects = new Map(statement.subject.map((s) => [s.name, s.digest.sha256]));
  for (const [file, expected] of subjects) {
    const filePath = join(runDir, file);
    if (!existsSync(filePath)) {
      problems.push({ file, message: `missing: a subject of ${ATTESTATION_FILE} but not in the run directory` });
      continue;
    }
    let actual: FileDigest;
    try {
      actual = digest(filePath);
    } catch (error) {
      problems.push({ file, message: `unreadable: ${(error as Error).message}` });
      continue;
    }
    if (actual.sha256 !== expected) {
      problems.push({
        file,
        message: `changed: sha256 ${actual.sha256} differs from the ${ATTESTATION_FILE} subject digest ${expected}`,
      });
    }
  }
  if (report === null) return problems;

  for (const file of attestedFiles(runDir, report)) {
    if (!subjects.has(file))
      problems.push({ file, message: `not attested: ${ATTESTATION_FILE} has no subject for it` });
  }
  const expected = testResultOf(report);
  const predicate = statement.predicate as Partial<TestResultPredicate>;
  const mismatched = [
    predicate.result === expected.result
      ? null
      : `result ${String(predicate.result)} (report.json overall ${report.overall.verdict} is ${expected.result})`,
    sameList(predicate.passedTests, expected.passedTests) ? null : 'passedTests',
    sameList(predicate.warnedTests, expected.warnedTests) ? null : 'warnedTests',
    sameList(predicate.failedTests, expected.failedTests) ? null : 'failedTests',
    predicate.configuration?.[0]?.digest?.sha256 === report.profile.sha256 ? null : 'configuration (profile digest)',
  ].filter((m): m is string => m !== null);
  if (mismatched.length > 0) {
    problems.push({
      file: ATTESTATION_FILE,
      message: `predicate does not match ${REPORT_FILE}: ${mismatched.join(', ')}`,
    });
  }
  return problems;
}
