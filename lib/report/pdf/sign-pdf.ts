/**
 * Embeds a signature in a PDF: a signature field whose /Contents is a detached PKCS#7
 * (CMS SignedData, SHA-256, RSA) over the whole file except that hex string, made with the
 * lab's certificate from its PKCS#12 file. `pdfsig report.pdf` checks it
 * ("Signature is Valid.", "Total document signed") and reports any later change.
 *
 * SubFilter adbe.pkcs7.detached, not ETSI.CAdES.detached: @signpdf's P12 signer adds no
 * ESS signing-certificate-v2 attribute, which a PAdES baseline signature must carry, so
 * claiming CAdES would overstate what the signature is.
 */
import { pdflibAddPlaceholder } from '@signpdf/placeholder-pdf-lib';
import { P12Signer } from '@signpdf/signer-p12';
import { SignPdf } from '@signpdf/signpdf';
import { PDFDocument } from 'pdf-lib';
import { KeyFileError } from '../key-file-error.ts';
import type { PdfSigningKey } from './pdf-key.ts';

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
}

/** Bytes reserved for the PKCS#7 blob: a 2048-bit signature with one certificate needs about 1.6 kB; a CA chain more. */
const SIGNATURE_LENGTH = 16_384;

/** Signs `pdf` (as Chromium printed it) and returns the signed file. */
export async function signPdf(pdf: Uint8Array, key: PdfSigningKey, details: PdfSignatureDetails): Promise<Buffer> {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  doc.setTitle(details.title, { showInWindowTitleBar: true });
  doc.setSubject(details.subject);
  doc.setKeywords(details.keywords);
  doc.setAuthor(/(?:^|, )CN=((?:[^,\\]|\\.)+)/.exec(key.subject)?.[1]?.replace(/\\(.)/g, '$1') ?? key.subject);
  doc.setCreator('dnsconform');
  doc.setProducer('dnsconform (Chromium, pdf-lib, @signpdf)');
  doc.setCreationDate(details.createdAt);
  doc.setModificationDate(details.signingTime ?? new Date());
  pdflibAddPlaceholder({
    pdfDoc: doc,
    reason: details.reason,
    location: details.location,
    contactInfo: details.contactInfo,
    name: key.subject,
    signingTime: details.signingTime,
    signatureLength: SIGNATURE_LENGTH,
    appName: 'dnsconform',
  });
  // The placeholder must stay outside compressed object streams so signpdf can find and fill it.
  const prepared = Buffer.from(await doc.save({ useObjectStreams: false }));
  try {
    return await new SignPdf().sign(
      prepared,
      new P12Signer(key.p12, { passphrase: key.passphrase }),
      details.signingTime,
    );
  } catch (error) {
    const message = (error as Error).message;
    if (/MAC could not be verified|Invalid password|Too few bytes|private key|certificate/i.test(message)) {
      throw new KeyFileError(
        `${key.p12File}: cannot sign with it (${message}); a P12 with a passphrase needs it in $DNSCONFORM_P12_PASSPHRASE`,
      );
    }
    throw error;
  }
}
