/**
 * PAdES baseline signatures (ETSI EN 319 142-1): the CMS a PDF signature of SubFilter
 * `ETSI.CAdES.detached` carries. B-B: SignedData over the PDF's byte range with the signed
 * attributes content-type, message-digest and ESS signing-certificate-v2 (the SHA-256 of the
 * signing certificate and its issuer and serial), and no signing-time attribute (the time is
 * the signature dictionary's /M, as PAdES requires). B-T: the same, plus an RFC 3161
 * time-stamp token over the signature value, asked of the lab's time-stamping authority, as
 * the unsigned attribute signature-time-stamp-token.
 *
 * The structures are the @peculiar/asn1-cms, -x509 and -tsp schemas, encoded by
 * @peculiar/asn1-schema. ESS (RFC 5035) has no published schema package, so its three small
 * types are declared here with the same library's decorators, applied as functions.
 */
import { createHash, createPrivateKey, randomBytes, sign as rsaSign, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import {
  Attribute,
  CertificateChoices,
  CertificateSet,
  CMSVersion,
  ContentInfo,
  DigestAlgorithmIdentifier,
  DigestAlgorithmIdentifiers,
  EncapsulatedContentInfo,
  IssuerAndSerialNumber,
  id_data,
  id_signedData,
  SignatureAlgorithmIdentifier,
  SignedData,
  SignerIdentifier,
  SignerInfo,
  SignerInfos,
} from '@peculiar/asn1-cms';
import {
  AsnArray,
  AsnConvert,
  AsnIntegerArrayBufferConverter,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  OctetString,
} from '@peculiar/asn1-schema';
import { MessageImprint, PKIStatus, TimeStampReq, TimeStampResp, TSTInfo } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier, Certificate, GeneralName, GeneralNames } from '@peculiar/asn1-x509';
import { Signer } from '@signpdf/signpdf';
import { ObjectIdentifier } from 'asn1js';
import { KeyFileError } from '../key-file-error.ts';
import type { PdfSigningKey } from './pdf-key.ts';

const OID = {
  sha256: '2.16.840.1.101.3.4.2.1',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  signatureTimeStampToken: '1.2.840.113549.1.9.16.2.14',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
} as const;

/** RFC 5035 IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber } */
class IssuerSerial {
  issuer = new GeneralNames();
  serialNumber = new ArrayBuffer(0);
  constructor(params: Partial<IssuerSerial> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: GeneralNames })(IssuerSerial.prototype, 'issuer');
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(
  IssuerSerial.prototype,
  'serialNumber',
);
AsnType({ type: AsnTypeTypes.Sequence })(IssuerSerial);

/** ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256 (left out), certHash OCTET STRING, issuerSerial IssuerSerial OPTIONAL } */
class EssCertIdV2 {
  certHash = new OctetString();
  issuerSerial = new IssuerSerial();
  constructor(params: Partial<EssCertIdV2> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: OctetString })(EssCertIdV2.prototype, 'certHash');
AsnProp({ type: IssuerSerial })(EssCertIdV2.prototype, 'issuerSerial');
AsnType({ type: AsnTypeTypes.Sequence })(EssCertIdV2);

/** SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } (no policies) */
class SigningCertificateV2 {
  certs: EssCertIdV2[] = [];
  constructor(params: Partial<SigningCertificateV2> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: EssCertIdV2, repeated: 'sequence' })(SigningCertificateV2.prototype, 'certs');
AsnType({ type: AsnTypeTypes.Sequence })(SigningCertificateV2);

/** SignedAttributes as the SET OF that the signature covers (RFC 5652 §5.4: tag SET, not [0]). */
class AttributeSet extends AsnArray<Attribute> {}
AsnType({ type: AsnTypeTypes.Set, itemType: Attribute })(AttributeSet);

const der = (value: unknown): Buffer => Buffer.from(AsnConvert.serialize(value));

/** DER orders a SET OF by the encodings of its elements. */
function derSorted(attributes: Attribute[]): Attribute[] {
  return attributes
    .map((attribute) => ({ attribute, bytes: der(attribute) }))
    .sort((a, b) => Buffer.compare(a.bytes, b.bytes))
    .map(({ attribute }) => attribute);
}

/** The private key of the P12, read by openssl into memory (node:crypto cannot read PKCS#12). */
function privateKeyOf(key: PdfSigningKey): KeyObject {
  try {
    const pem = execFileSync(
      'openssl',
      ['pkcs12', '-in', key.p12File, '-nocerts', '-nodes', '-passin', 'env:P12PASS'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, P12PASS: key.passphrase },
      },
    );
    return createPrivateKey(pem);
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0];
    throw new KeyFileError(
      `${key.p12File}: cannot read its private key (${stderr || (error as Error).message}); a P12 with a passphrase needs it in $DNSCONFORM_P12_PASSPHRASE`,
    );
  }
}

/** A time-stamping authority could not give a usable token: the PDF is not signed rather than signed below the level asked for. */
export class TimestampError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimestampError';
  }
}

/**
 * Asks `url` (RFC 3161 over HTTP, RFC 3161 §3.4) for a token over `data` and checks that the
 * token answers this request: granted, the same message imprint and nonce.
 */
export async function requestTimestamp(url: string, data: Buffer, timeoutMs = 30_000): Promise<Buffer> {
  const imprint = createHash('sha256').update(data).digest();
  const nonce = randomBytes(8);
  nonce[0] = nonce[0]! & 0x7f; // a positive INTEGER
  const request = new TimeStampReq({
    messageImprint: new MessageImprint({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: OID.sha256 }),
      hashedMessage: new OctetString(imprint),
    }),
    nonce: new Uint8Array(nonce).buffer,
    certReq: true,
  });
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: new Uint8Array(der(request)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new TimestampError(`time-stamping authority ${url}: ${(error as Error).message}`);
  }
  if (!response.ok) {
    const said = (await response.text().catch(() => '')).trim().split('\n')[0]?.slice(0, 200);
    throw new TimestampError(`time-stamping authority ${url}: HTTP ${response.status}${said ? ` (${said})` : ''}`);
  }
  const reply = AsnConvert.parse(await response.arrayBuffer(), TimeStampResp);
  if (
    (reply.status.status !== PKIStatus.granted && reply.status.status !== PKIStatus.grantedWithMods) ||
    !reply.timeStampToken
  ) {
    throw new TimestampError(
      `time-stamping authority ${url}: refused (status ${reply.status.status}${reply.status.statusString ? `: ${[...reply.status.statusString].join(' ')}` : ''})`,
    );
  }
  const signed = AsnConvert.parse(reply.timeStampToken.content, SignedData);
  const content = signed.encapContentInfo.eContent?.single ?? signed.encapContentInfo.eContent?.any;
  if (signed.encapContentInfo.eContentType !== OID.tstInfo || !content)
    throw new TimestampError(`time-stamping authority ${url}: the token holds no TSTInfo`);
  const info = AsnConvert.parse(content instanceof OctetString ? content.buffer : content, TSTInfo);
  if (!Buffer.from(info.messageImprint.hashedMessage.buffer).equals(imprint))
    throw new TimestampError(`time-stamping authority ${url}: the token stamps another message`);
  if (!info.nonce || !Buffer.from(info.nonce).equals(nonce))
    throw new TimestampError(`time-stamping authority ${url}: the token does not carry this request's nonce`);
  return der(reply.timeStampToken);
}

/** Which PAdES baseline level a signature is made to. */
export type PadesLevel = 'B-B' | 'B-T';

/** A @signpdf signer making PAdES B-B, or B-T when a time-stamping authority is given. */
export class PadesSigner extends Signer {
  private readonly certificate: Certificate;
  private readonly certificateDer: Buffer;
  private readonly privateKey: KeyObject;

  constructor(
    key: PdfSigningKey,
    private readonly tsaUrl: string | null = null,
  ) {
    super();
    this.certificateDer = Buffer.from(new X509Certificate(key.certPem).raw);
    this.certificate = AsnConvert.parse(this.certificateDer, Certificate);
    this.privateKey = privateKeyOf(key);
  }

  /** The level the signatures are made to. */
  get level(): PadesLevel {
    return this.tsaUrl === null ? 'B-B' : 'B-T';
  }

  /** The detached CMS over `pdfBuffer` (the byte range signpdf hands over). */
  override async sign(pdfBuffer: Buffer): Promise<Buffer> {
    const { tbsCertificate } = this.certificate;
    const attribute = (attrType: string, value: Buffer) =>
      new Attribute({ attrType, attrValues: [new Uint8Array(value).buffer] });
    const signedAttrs = derSorted([
      attribute(OID.contentType, Buffer.from(new ObjectIdentifier({ value: id_data }).toBER(false))),
      attribute(OID.messageDigest, der(new OctetString(createHash('sha256').update(pdfBuffer).digest()))),
      attribute(
        OID.signingCertificateV2,
        der(
          new SigningCertificateV2({
            certs: [
              new EssCertIdV2({
                certHash: new OctetString(createHash('sha256').update(this.certificateDer).digest()),
                issuerSerial: new IssuerSerial({
                  issuer: new GeneralNames([new GeneralName({ directoryName: tbsCertificate.issuer })]),
                  serialNumber: tbsCertificate.serialNumber,
                }),
              }),
            ],
          }),
        ),
      ),
    ]);
    const signature = rsaSign('sha256', der(new AttributeSet(signedAttrs)), this.privateKey);
    const signerInfo = new SignerInfo({
      version: CMSVersion.v1,
      sid: new SignerIdentifier({
        issuerAndSerialNumber: new IssuerAndSerialNumber({
          issuer: tbsCertificate.issuer,
          serialNumber: tbsCertificate.serialNumber,
        }),
      }),
      digestAlgorithm: new DigestAlgorithmIdentifier({ algorithm: OID.sha256 }),
      signedAttrs,
      signatureAlgorithm: new SignatureAlgorithmIdentifier({ algorithm: OID.sha256WithRsa, parameters: null }),
      signature: new OctetString(signature),
    });
    if (this.tsaUrl !== null) {
      const token = await requestTimestamp(this.tsaUrl, signature);
      signerInfo.unsignedAttrs = [attribute(OID.signatureTimeStampToken, token)];
    }
    const signedData = new SignedData({
      version: CMSVersion.v1,
      digestAlgorithms: new DigestAlgorithmIdentifiers([new DigestAlgorithmIdentifier({ algorithm: OID.sha256 })]),
      encapContentInfo: new EncapsulatedContentInfo({ eContentType: id_data }),
      certificates: new CertificateSet([new CertificateChoices({ certificate: this.certificate })]),
      signerInfos: new SignerInfos([signerInfo]),
    });
    return der(new ContentInfo({ contentType: id_signedData, content: AsnConvert.serialize(signedData) }));
  }
}
