/**
 * The laboratory configuration, `lab.yaml` beside the signing keys: who issues the reports
 * these keys sign (ISO/IEC 17025 §7.8.2.1 b, o). A report made without one, or for a
 * profile that names no customer, says on page 1 and in report.json that it is not for
 * certification, never a silent "not stated".
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadYamlInput, precompiled } from '../input/yaml-input.ts';
import type { SemanticCheck } from '../input/yaml-input.ts';
import { PDF_CERT_FILE } from './pdf/pdf-key.ts';
import validateLabConfig from './lab-config.validator.generated.ts';
import type { DnsconformLaboratoryConfigurationLabYamlBesideTheSigningKeys } from './lab-config.generated.ts';
import type { ReportIssuer } from './report.generated.ts';

/** The file name inside the key directory. */
export const LAB_CONFIG_FILE = 'lab.yaml';

/** lab.yaml as written: the type generated from lab-config.schema.json. */
export type LabConfig = DnsconformLaboratoryConfigurationLabYamlBesideTheSigningKeys;

/** Who issued a report, as report.json carries it (report.schema.json). */
export type { ReportIssuer } from './report.generated.ts';

/** A loaded lab configuration with the certificate it names, read. */
export interface LoadedLabConfig {
  file: string;
  config: LabConfig;
  issuer: ReportIssuer;
}

const validate = precompiled<LabConfig>(validateLabConfig);

/** The certificate must be a readable PEM certificate. */
const certificateProblems =
  (file: string): SemanticCheck<LabConfig> =>
  (config) => {
    const path = resolve(dirname(file), config.signingCertificate ?? PDF_CERT_FILE);
    const pointer = config.signingCertificate === undefined ? '' : '/signingCertificate';
    if (!existsSync(path)) return [{ pointer, message: `the signing certificate ${path} does not exist` }];
    try {
      new X509Certificate(readFileSync(path));
      return [];
    } catch (error) {
      return [{ pointer, message: `${path} is not a PEM certificate (${(error as Error).message})` }];
    }
  };

/** Reads `lab.yaml` of `keyDir`, or null when there is none (reports are then not for certification). */
export function loadLabConfig(keyDir: string): LoadedLabConfig | null {
  const file = join(keyDir, LAB_CONFIG_FILE);
  if (!existsSync(file)) return null;
  const { value: config } = loadYamlInput(file, 'laboratory configuration', validate, certificateProblems(file));
  const cert = new X509Certificate(readFileSync(resolve(dirname(file), config.signingCertificate ?? PDF_CERT_FILE)));
  const { laboratory, signatory } = config;
  return {
    file,
    config,
    issuer: {
      laboratory: {
        name: laboratory.name,
        address: laboratory.address,
        accreditation: laboratory.accreditation ? { ...laboratory.accreditation } : null,
      },
      signatory: { name: signatory.name, function: signatory.function },
      certificate: {
        subject: cert.subject.replace(/\n/g, ', '),
        sha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
      },
    },
  };
}

/** The RFC 3161 time-stamping authority lab.yaml of `keyDir` names, or null (no lab.yaml, or none named): PDF signatures are then PAdES B-B. */
export function timestampAuthority(keyDir: string): string | null {
  return loadLabConfig(keyDir)?.config.tsa?.url ?? null;
}
