/**
 * Test kit for PAdES signatures: a local RFC 3161 time-stamping authority (`openssl ts
 * -reply` behind a small HTTP responder on 127.0.0.1, its own self-signed TSA certificate),
 * and the parts of a signed PDF a validator looks at (the CMS in /Contents, the bytes the
 * /ByteRange covers, the time-stamp token inside the CMS).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentInfo, SignedData } from '@peculiar/asn1-cms';
import { AsnConvert } from '@peculiar/asn1-schema';

/** A running TSA: its URL, its certificate (PEM file, to verify tokens with), how many requests it answered. */
export interface LocalTsa {
  url: string;
  certFile: string;
  requests: number;
  close(): Promise<void>;
}

/** Starts a TSA on 127.0.0.1 (an ephemeral port); `close` stops it and removes its files. */
export async function startLocalTsa(): Promise<LocalTsa> {
  const dir = mkdtempSync(join(tmpdir(), 'dnsconform-tsa-'));
  const certFile = join(dir, 'tsa.crt');
  const keyFile = join(dir, 'tsa.key');
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'tsa.cnf'),
    [
      '[req]',
      'distinguished_name = dn',
      'x509_extensions = tsa_cert',
      '[dn]',
      '[tsa_cert]',
      'basicConstraints = critical, CA:FALSE',
      'keyUsage = critical, digitalSignature, nonRepudiation',
      'extendedKeyUsage = critical, timeStamping',
      'subjectKeyIdentifier = hash',
      '[tsa]',
      'default_tsa = local',
      '[local]',
      `serial = ${join(dir, 'serial')}`,
      `signer_cert = ${certFile}`,
      `certs = ${certFile}`,
      `signer_key = ${keyFile}`,
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.99999.1',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = no',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=dnsconform test TSA',
      '-config',
      join(dir, 'tsa.cnf'),
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  let count = 0;
  let sequence = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      sequence += 1;
      const query = join(dir, `query-${sequence}.tsq`);
      const reply = join(dir, `reply-${sequence}.tsr`);
      writeFileSync(query, Buffer.concat(chunks));
      try {
        execFileSync('openssl', ['ts', '-reply', '-config', join(dir, 'tsa.cnf'), '-queryfile', query, '-out', reply], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        count += 1;
        response.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(readFileSync(reply));
      } catch (error) {
        response.writeHead(500).end(`${(error as { stderr?: Buffer }).stderr ?? ''}${(error as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    certFile,
    get requests() {
      return count;
    },
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        }),
      ),
  };
}

/** What a validator reads out of a signed PDF. */
export interface PdfSignatureParts {
  /** The /SubFilter of the signature dictionary. */
  subFilter: string | null;
  /** The CMS (DER, without the zero padding of /Contents). */
  cms: Buffer;
  /** The bytes the /ByteRange covers, concatenated: what the signature is over. */
  signedBytes: Buffer;
  /** The SignerInfo's signature value, and the time-stamp token over it (null for B-B). */
  signatureValue: Buffer;
  timestampToken: Buffer | null;
  /** OIDs of the signed attributes. */
  signedAttributes: string[];
}

/** The parts of the (one) signature of `pdf`. */
export function pdfSignatureParts(pdf: Buffer): PdfSignatureParts {
  const text = pdf.toString('latin1');
  const range = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(text);
  if (!range) throw new Error('no /ByteRange in the PDF');
  const [a, b, c, d] = range.slice(1).map(Number) as [number, number, number, number];
  const hex = text.slice(a + b + 1, c - 1);
  const padded = Buffer.from(hex, 'hex');
  // DER: SEQUENCE with a long-form length; the rest of /Contents is zero padding.
  const lengthOctets = padded[1]! & 0x7f;
  const length = padded.subarray(2, 2 + lengthOctets).reduce((n, octet) => n * 256 + octet, 0);
  const cms = padded.subarray(0, 2 + lengthOctets + length);
  const signed = AsnConvert.parse(AsnConvert.parse(cms, ContentInfo).content, SignedData);
  const signer = signed.signerInfos[0]!;
  const token = signer.unsignedAttrs?.find((attr) => attr.attrType === '1.2.840.113549.1.9.16.2.14')?.attrValues[0];
  return {
    subFilter: /\/SubFilter\s*\/([A-Za-z0-9.]+)/.exec(text)?.[1] ?? null,
    cms,
    signedBytes: Buffer.concat([pdf.subarray(a, a + b), pdf.subarray(c, c + d)]),
    signatureValue: Buffer.from(signer.signature.buffer),
    timestampToken: token ? Buffer.from(token) : null,
    signedAttributes: (signer.signedAttrs ?? []).map((attr) => attr.attrType),
  };
}
