/**
 * DNSSEC signature verification (RFC 4034, RFC 4035 §5.3): the canonical form of an RRset
 * and its RRSIG's signed data, key tags, DS digests, and the signature check itself with
 * node:crypto.
 *
 * Written here because no kept npm library verifies RRSIGs: the only candidate,
 * @ensdomains/dnsprovejs, builds the signed data but its algorithm checks are stubs that
 * return true (it leaves verification to the ENS on-chain oracle) and its `toWire` rewrites
 * the records it is given. So the signed data is assembled from dns-packet's own record
 * encoders (RFC 4034 §3.1.8.1, §6.2, §6.3) and node:crypto verifies the signature.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import dnsPacket from 'dns-packet';
import type { Answer, DnskeyData, RrsigData } from 'dns-packet';
import { normaliseName } from './names.ts';

/**
 * dns-packet's per-record encoders, which its index exports but its typings leave out. Each
 * `encode` of RDATA returns the 2-octet RDLENGTH followed by the RDATA.
 */
const codecs = dnsPacket as unknown as {
  answer: { encode(rr: Answer): Buffer };
  rrsig: { encode(data: RrsigData): Buffer };
  dnskey: { encode(data: DnskeyData): Buffer };
  name: { encode(name: string): Buffer };
};

/** A DNSKEY record. */
export type DnskeyRecord = Answer & { type: 'DNSKEY'; data: DnskeyData };
/** An RRSIG record. */
export type RrsigRecord = Answer & { type: 'RRSIG'; data: RrsigData };
/** A DS record's RDATA, the digest as bytes. */
export interface DsRdata {
  keyTag: number;
  algorithm: number;
  digestType: number;
  digest: Buffer;
}

/** The outcome of checking one signature. */
export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const lower = normaliseName;
const labelsOf = (name: string) =>
  lower(name)
    .split('.')
    .filter((l) => l !== '');

/** Whether `name` is at or below `apex`. */
export function isAtOrBelow(name: string, apex: string): boolean {
  const n = lower(name);
  const a = lower(apex);
  return a === '' || n === a || n.endsWith(`.${a}`);
}

/**
 * RFC 4034 §6.1 canonical order of names: label by label from the right, each compared as
 * lower-case octets, a shorter name first.
 */
export function canonicalCompare(a: string, b: string): number {
  const left = labelsOf(a).reverse();
  const right = labelsOf(b).reverse();
  for (let i = 0; i < Math.min(left.length, right.length); i += 1) {
    const c = Buffer.compare(Buffer.from(left[i]!), Buffer.from(right[i]!));
    if (c !== 0) return c;
  }
  return left.length - right.length;
}

/** The DNSKEY's RDATA on the wire. */
function dnskeyRdata(key: DnskeyData): Buffer {
  return codecs.dnskey.encode(key).subarray(2);
}

/** RFC 4034 Appendix B key tag. */
export function keyTag(key: DnskeyData): number {
  const rdata = dnskeyRdata(key);
  let sum = 0;
  for (let i = 0; i < rdata.length; i += 1) sum += i & 1 ? rdata[i]! : rdata[i]! << 8;
  return (sum + ((sum >>> 16) & 0xffff)) & 0xffff;
}

const DIGESTS: Record<number, string> = { 1: 'sha1', 2: 'sha256', 4: 'sha384' };

/** RFC 4034 §5.1.4: whether the DS (its digest over owner name and DNSKEY RDATA) designates `key`. */
export function dsMatches(owner: string, key: DnskeyData, ds: DsRdata): boolean {
  const digest = DIGESTS[ds.digestType];
  if (!digest || ds.algorithm !== key.algorithm || ds.keyTag !== keyTag(key)) return false;
  return createHash(digest)
    .update(Buffer.concat([codecs.name.encode(lower(owner)), dnskeyRdata(key)]))
    .digest()
    .equals(ds.digest);
}

/**
 * A record with its names in canonical form (RFC 4034 §6.2): the owner lower-cased (or the
 * wildcard the RRSIG's Labels field says it was expanded from, §3.1.8.1) and the TTL the
 * signer saw; names inside the RDATA lower-cased for the types RFC 4034 §6.2 (as RFC 6840
 * §5.1 narrowed it) lists that can appear in an IoT device's answers.
 */
function canonicalRecord(rr: Answer, owner: string, originalTtl: number): Answer {
  const record = { ...rr, name: owner, ttl: originalTtl } as Answer & { data: unknown };
  switch (rr.type) {
    case 'CNAME':
    case 'NS':
    case 'PTR':
    case 'DNAME':
      return { ...record, data: lower(String(rr.data)) } as Answer;
    case 'MX':
      return { ...record, data: { ...rr.data, exchange: lower(rr.data.exchange) } } as Answer;
    case 'SOA':
      return { ...record, data: { ...rr.data, mname: lower(rr.data.mname), rname: lower(rr.data.rname) } } as Answer;
    default:
      return record as Answer;
  }
}

/**
 * The data an RRSIG signs (RFC 4034 §3.1.8.1): its RDATA without the signature, then each
 * record of the RRset in canonical form, in canonical order (by RDATA, §6.3), duplicates once.
 */
export function signedData(rrset: readonly Answer[], sig: RrsigData): Buffer {
  const labels = labelsOf(rrset[0]?.name ?? '');
  const owner =
    labels.length > sig.labels ? ['*', ...labels.slice(labels.length - sig.labels)].join('.') : labels.join('.');
  const records = rrset.map((rr) => codecs.answer.encode(canonicalRecord(rr, owner, sig.originalTTL)));
  // The fixed part of a record (owner, type, class, TTL, RDLENGTH) is the same in one RRset, so ordering the whole records orders them by RDATA.
  const unique = [...new Map(records.map((bytes) => [bytes.toString('hex'), bytes])).values()].sort(Buffer.compare);
  const rrsigRdata = codecs.rrsig
    .encode({ ...sig, signersName: lower(sig.signersName), signature: Buffer.alloc(0) })
    .subarray(2);
  return Buffer.concat([rrsigRdata, ...unique]);
}

/** A DNSKEY's public key as a node:crypto key, with the digest its algorithm signs with; null for an algorithm not supported. */
function publicKey(key: DnskeyData): { key: KeyObject; digest: string | null; dsaEncoding?: 'ieee-p1363' } | null {
  const b64url = (bytes: Buffer) => bytes.toString('base64url');
  const k = key.key;
  switch (key.algorithm) {
    case 13:
    case 14: {
      // RFC 6605 §4: the point's X and Y, each the curve's size; the signature is r || s.
      const half = k.length / 2;
      const crv = key.algorithm === 13 ? 'P-256' : 'P-384';
      return {
        key: createPublicKey({
          key: { kty: 'EC', crv, x: b64url(k.subarray(0, half)), y: b64url(k.subarray(half)) },
          format: 'jwk',
        }),
        digest: key.algorithm === 13 ? 'sha256' : 'sha384',
        dsaEncoding: 'ieee-p1363',
      };
    }
    case 8:
    case 10: {
      // RFC 3110 §2: exponent length (1 octet, or 0 then 2 octets), exponent, modulus.
      const long = k[0] === 0;
      const length = long ? k.readUInt16BE(1) : k[0]!;
      const start = long ? 3 : 1;
      const e = k.subarray(start, start + length);
      const n = k.subarray(start + length);
      return {
        key: createPublicKey({ key: { kty: 'RSA', n: b64url(n), e: b64url(e) }, format: 'jwk' }),
        digest: key.algorithm === 8 ? 'sha256' : 'sha512',
      };
    }
    case 15:
      return {
        key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(k) }, format: 'jwk' }),
        digest: null,
      };
    default:
      return null;
  }
}

/**
 * RFC 4035 §5.3.1: whether `rrsig` is a valid signature over `rrset` by one of `keys` at
 * `nowSeconds`: the signer's name, algorithm and key tag match a zone key, the validity
 * period holds, and the signature verifies. The first failing condition is the reason.
 */
export function verifyRrsig(
  rrset: readonly Answer[],
  rrsig: RrsigRecord,
  keys: readonly DnskeyRecord[],
  nowSeconds: number,
): SignatureCheck {
  const sig = rrsig.data;
  const first = rrset[0];
  if (!first) return { ok: false, reason: 'empty RRset' };
  if (sig.typeCovered !== first.type)
    return { ok: false, reason: `RRSIG covers ${sig.typeCovered}, not ${first.type}` };
  if (!isAtOrBelow(first.name, sig.signersName))
    return { ok: false, reason: `signer ${sig.signersName} is not an ancestor of ${first.name}` };
  if (labelsOf(first.name).length < sig.labels)
    return { ok: false, reason: `Labels ${sig.labels} exceeds the owner's labels` };
  if (nowSeconds > sig.expiration)
    return { ok: false, reason: `signature expired at ${new Date(sig.expiration * 1000).toISOString()}` };
  if (nowSeconds < sig.inception)
    return { ok: false, reason: `signature not valid before ${new Date(sig.inception * 1000).toISOString()}` };
  const candidates = keys.filter(
    (k) =>
      lower(k.name) === lower(sig.signersName) &&
      k.data.algorithm === sig.algorithm &&
      (k.data.flags & 0x100) !== 0 &&
      keyTag(k.data) === sig.keyTag,
  );
  if (candidates.length === 0)
    return { ok: false, reason: `no zone key with tag ${sig.keyTag} and algorithm ${sig.algorithm}` };
  const data = signedData(rrset, sig);
  for (const candidate of candidates) {
    const pub = publicKey(candidate.data);
    if (!pub) return { ok: false, reason: `algorithm ${sig.algorithm} not supported` };
    const valid = verify(
      pub.digest,
      data,
      pub.dsaEncoding ? { key: pub.key, dsaEncoding: pub.dsaEncoding } : pub.key,
      sig.signature,
    );
    if (valid) return { ok: true };
  }
  return { ok: false, reason: 'signature does not verify' };
}
