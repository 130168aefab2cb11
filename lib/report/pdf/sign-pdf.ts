/**
 * Embeds a signature in a PDF: a signature field of SubFilter `ETSI.CAdES.detached` whose
 * /Contents is a PAdES baseline CMS (`pades.ts`: B-B, or B-T with a time-stamp token when
 * the lab names a time-stamping authority) over the whole file except that hex string, made
 * with the lab's certificate from its PKCS#12 file. `pdfsig report.pdf` checks it
 * ("Signature is Valid.", "Total document signed") and reports any later change.
 */
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { SignPdf } from '@signpdf/signpdf';
import { PDFDocument } from 'pdf-lib';
import { PadesSigner } from './pades.ts';
import type { PdfSigningKey } from './pdf-key.ts';

/** The SubFilter of a PAdES signature (ETSI EN 319 142-1 §5.3). */
export const PADES_SUBFILTER = 'ETSI.CAdES.detached';

/** What the signature dictionary and the document information say. */
export interface PdfSignatureDetails {
  /** /Reason of the signature. */
  reason: string;
  /** /Location: where it was signed. */
  location: string;
  /** /ContactInfo. */
  contactInfo: string;
  /** Document information: title, subject (the report id), keywords. */
  title: string;
  subject: string;
  keywords: string[];
  /** Creation date of the document (the report's date of issue). */
  createdAt: Date;
  /** Signing time; now when left out. */
  signingTime?: Date;
  /** The RFC 3161 time-stamping authority (lab.yaml `tsa.url`): the signature is then PAdES B-T, else B-B. */
  tsaUrl?: string | null;
}

/**
 * PDF objects pdf-lib parses or writes between two turns of the event loop. Its defaults (100
 * and 50) wait for a timer after every few objects: a 25-page report of about 7 600 objects
 * then spent some 300 ms of its 0.5-1.3 s signing waiting on timers. 2 000 still lets the
 * event loop turn every few tens of milliseconds (a run's resolver shares it).
 */
const OBJECTS_PER_TICK = 2000;

/** Bytes reserved for the CMS: a 2048-bit signature with one certificate needs about 1.7 kB, a time-stamp token with the TSA's chain some kB more. */
const SIGNATURE_LENGTH = 32_768;

/** Signs `pdf` (as Chromium printed it) and returns the signed file. */
export async function signPdf(pdf: Uint8Array, key: PdfSigningKey, details: PdfSignatureDetails): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false, parseSpeed: OBJECTS_PER_TICK });
  doc.setTitle(details.title, { showInWindowTitleBar: true });
  doc.setSubject(details.subject);
  doc.setKeywords(details.keywords);
  doc.setAuthor(/(?:^|, )CN=((?:[^,\\]|\\.)+)/.exec(key.subject)?.[1]?.replace(/\\(.)/g, '$1') ?? key.subject);
  doc.setCreator('dnsconform');
  doc.setProducer('dnsconform (Chromium, pdf-lib, @signpdf)');
  doc.setCreationDate(details.createdAt);
  doc.setModificationDate(details.signingTime ?? new Date());
  // The signer reads the key first: a wrong passphrase fails before anything is printed into the file.
  const signer = new PadesSigner(key, details.tsaUrl ?? null);
  pdflibAddPlaceholder({
    pdfDoc: doc,
    reason: details.reason,
    location: details.location,
    contactInfo: details.contactInfo,
    name: key.subject,
    signingTime: details.signingTime,
    signatureLength: SIGNATURE_LENGTH,
    subFilter: PADES_SUBFILTER,
    appName: 'dnsconform',
  });
  // The placeholder must stay outside compressed object streams so signpdf can find and fill it.
  const prepared = Buffer.from(await doc.save({ useObjectStreams: false, objectsPerTick: OBJECTS_PER_TICK }));
  return await new SignPdf().sign(prepared, signer, details.signingTime);
}
