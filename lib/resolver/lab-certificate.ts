/**
 * The lab's TLS credentials for DoT and DoH: a small lab CA, made once and kept beside the
 * signing keys (a lab installs it on a DUT once), and a server certificate it issues for
 * the resolver's name and addresses, reused across runs while it covers them and is valid.
 * ECDSA P-256 throughout; the X.509 encoding is @peculiar/x509's, Node only has the keys.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, webcrypto } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { ListenSpec } from '../profile/profile-types.ts';
import { DEFAULT_RESOLVER_NAME } from './ddr.ts';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The lab CA certificate (PEM) inside the key directory: what a lab installs on a DUT. */
export const LAB_CA_CERT_FILE = 'lab-ca.cert.pem';
/** The lab CA private key (PKCS#8 PEM, mode 0600). */
export const LAB_CA_KEY_FILE = 'lab-ca.key.pem';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const CA_LIFETIME_DAYS = 3650;
const SERVER_LIFETIME_DAYS = 397;
/** A server certificate this close to expiry is issued anew rather than reused. */
const RENEW_BEFORE_DAYS = 30;

/** What a server certificate must cover. */
export interface ServerIdentity {
  /** DNS names (SNI, the DDR target name). */
  names: readonly string[];
  /** IP addresses (RFC 9462 §4.2: the designated resolver's certificate covers the unencrypted resolver's IP). */
  addresses: readonly string[];
}

/** Key and certificate chain for a TLS server, plus the CA that a client must trust. */
export interface LabTlsCredentials {
  /** PKCS#8 PEM private key of the server certificate. */
  keyPem: string;
  /** Server certificate then the lab CA, PEM. */
  certPem: string;
  /** The lab CA certificate, PEM. */
  caCertPem: string;
  /** File the server certificate is kept in. */
  certFile: string;
}

/** The lab CA as stored. */
export interface LabCa {
  certPem: string;
  certFile: string;
  /** SHA-256 of the DER certificate, hex. */
  fingerprint: string;
  /** Whether this call made it. */
  created: boolean;
}

/** SHA-256 (hex) of a PEM certificate's DER bytes. */
export function certificateFingerprint(certPem: string): string {
  return createHash('sha256')
    .update(Buffer.from(new x509.X509Certificate(certPem).rawData))
    .digest('hex');
}

function randomSerial(): string {
  // Positive 16-octet serial (RFC 5280 §4.1.2.2: at most 20 octets, non-negative).
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

/** Writes a file whole or not at all (a crash never leaves half a PEM behind). */
function writeAtomically(file: string, text: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, file);
}

function ensureDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/** Loads the lab CA from `dir`, making it on first use. */
export async function ensureLabCa(dir: string): Promise<LabCa & { keyPem: string }> {
  const certFile = join(dir, LAB_CA_CERT_FILE);
  const keyFile = join(dir, LAB_CA_KEY_FILE);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const certPem = readFileSync(certFile, 'utf8');
    return {
      certPem,
      certFile,
      keyPem: readFileSync(keyFile, 'utf8'),
      fingerprint: certificateFingerprint(certPem),
      created: false,
    };
  }
  ensureDir(dir);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=dnsconform lab CA, O=dnsconform test lab',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + CA_LIFETIME_DAYS * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = await exportKeyPem(keys.privateKey);
  const certPem = `${cert.toString('pem')}\n`;
  writeAtomically(keyFile, keyPem, 0o600);
  writeAtomically(certFile, certPem, 0o644);
  return { certPem, certFile, keyPem, fingerprint: certificateFingerprint(certPem), created: true };
}

/** Whether a stored certificate was issued by `caPem`, covers `identity`, and stays valid long enough. */
function stillUsable(certPem: string, caPem: string, identity: ServerIdentity): boolean {
  const cert = new x509.X509Certificate(certPem);
  if (cert.issuer !== new x509.X509Certificate(caPem).subject) return false;
  if (cert.notAfter.getTime() - Date.now() < RENEW_BEFORE_DAYS * DAY_MS) return false;
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const covered = new Set((san?.names.items ?? []).map((n) => `${n.type}:${n.value.toLowerCase()}`));
  return (
    identity.names.every((n) => covered.has(`dns:${n.toLowerCase()}`)) &&
    identity.addresses.every((a) => covered.has(`ip:${a.toLowerCase()}`))
  );
}

/**
 * The server certificate for `identity`, issued by the lab CA (made if need be). Kept in a
 * file named after the identity, so runs with other names or addresses do not replace it.
 */
export async function ensureLabServerCertificate(dir: string, identity: ServerIdentity): Promise<LabTlsCredentials> {
  const bad = identity.addresses.filter((a) => isIP(a) === 0);
  if (bad.length > 0) throw new Error(`not IP addresses: ${bad.join(', ')}`);
  const ca = await ensureLabCa(dir);
  const tag = createHash('sha256')
    .update(JSON.stringify([[...identity.names].sort(), [...identity.addresses].sort()]))
    .digest('hex')
    .slice(0, 12);
  const certFile = join(dir, `lab-dns-server-${tag}.cert.pem`);
  const keyFile = join(dir, `lab-dns-server-${tag}.key.pem`);
  if (existsSync(certFile) && existsSync(keyFile)) {
    const certPem = readFileSync(certFile, 'utf8');
    if (stillUsable(certPem, ca.certPem, identity)) {
      return { keyPem: readFileSync(keyFile, 'utf8'), certPem: certPem + ca.certPem, caCertPem: ca.certPem, certFile };
    }
  }
  const caCert = new x509.X509Certificate(ca.certPem);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${identity.names[0] ?? identity.addresses[0] ?? DEFAULT_RESOLVER_NAME}`,
    issuer: caCert.subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + SERVER_LIFETIME_DAYS * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: await importKeyPem(ca.keyPem),
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...identity.names.map((value) => ({ type: 'dns' as const, value })),
        ...identity.addresses.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const keyPem = await exportKeyPem(keys.privateKey);
  const certPem = `${cert.toString('pem')}\n`;
  writeAtomically(keyFile, keyPem, 0o600);
  writeAtomically(certFile, certPem, 0o644);
  return { keyPem, certPem: certPem + ca.certPem, caCertPem: ca.certPem, certFile };
}

/**
 * The credentials a resolver listening on `listen` needs, or undefined when none of its
 * listeners is encrypted. The certificate covers every listen address, so a client that
 * found the encrypted endpoints through DDR can check it covers the resolver it asked
 * (RFC 9462 §4.2), and the resolver's name.
 */
export async function resolverTlsCredentials(
  keyDir: string,
  listen: readonly ListenSpec[],
  name: string = DEFAULT_RESOLVER_NAME,
): Promise<LabTlsCredentials | undefined> {
  if (!listen.some((spec) => spec.transport === 'dot' || spec.transport === 'doh')) return undefined;
  return ensureLabServerCertificate(keyDir, {
    names: [name],
    addresses: [...new Set(listen.map((spec) => spec.address))],
  });
}
