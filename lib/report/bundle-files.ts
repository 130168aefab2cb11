/**
 * Names of the files `finaliseRun` adds to a run directory, shared with `verifyRun` so
 * the writer and the checker agree on them.
 */

/** The report, JSON. */
export const REPORT_FILE = 'report.json';
/** Raw Ed25519 signature of {@link REPORT_FILE}. */
export const REPORT_SIGNATURE_FILE = 'report.json.sig';
/** The public key that made the signatures (SPKI PEM), for a reader without the lab's key. */
export const SIGNER_KEY_FILE = 'signer.pub.pem';
/** SHA-256 of every other file of the run directory. */
export const MANIFEST_FILE = 'manifest.json';
/** Raw Ed25519 signature of {@link MANIFEST_FILE}. */
export const MANIFEST_SIGNATURE_FILE = 'manifest.json.sig';

/** The in-toto attestation (a DSSE envelope) of the report, the rendered report and the evidence. */
export const ATTESTATION_FILE = 'attestation.intoto.json';
/** The rendered report, when the run has one (signed inside the PDF). */
export const REPORT_PDF_FILE = 'report.pdf';
/** The HTML the PDF was printed from, when the run has one. */
export const REPORT_HTML_FILE = 'report.html';
/** JUnit XML of the checks, when finalising writes it. */
export const JUNIT_FILE = 'junit.xml';

/** Files the manifest cannot list, since they are written after it or are it. */
export const MANIFEST_EXCLUDED: readonly string[] = [MANIFEST_FILE, MANIFEST_SIGNATURE_FILE];

/** Everything finalising adds; none may exist before, since evidence is never rewritten. */
export const FINALISATION_FILES: readonly string[] = [
  REPORT_FILE,
  REPORT_SIGNATURE_FILE,
  SIGNER_KEY_FILE,
  REPORT_HTML_FILE,
  REPORT_PDF_FILE,
  JUNIT_FILE,
  ATTESTATION_FILE,
  MANIFEST_FILE,
  MANIFEST_SIGNATURE_FILE,
];
