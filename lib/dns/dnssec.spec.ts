import { expect } from 'chai';
import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Answer, RrsigData } from 'dns-packet';
import type { ZoneRecord } from '../profile/profile-types.ts';
import { buildSignedZone } from '../resolver/signed-zone.ts';
import type { SignedZone } from '../resolver/signed-zone.ts';
import { Zone } from '../resolver/zone.ts';
import { dsMatches, isAtOrBelow, keyTag, signedData, verifyRrsig } from './dnssec.ts';
import type { DnskeyRecord, RrsigRecord } from './dnssec.ts';

const CANARIES = ['127.0.44.77', '127.0.44.78'];
const RECORDS: ZoneRecord[] = [
  { name: 'time.lab.example', type: 'A', ttl: 30, data: '127.0.44.201' },
  { name: 'time.lab.example', type: 'A', ttl: 30, data: '127.0.44.202' },
  { name: 'update.lab.example', type: 'CNAME', ttl: 30, data: 'time.lab.example' },
  { name: 'lab.example', type: 'MX', ttl: 30, data: '10 mail.lab.example' },
];

const isType =
  <T extends Answer['type']>(type: T) =>
  (rr: Answer): rr is Extract<Answer, { type: T }> =>
    rr.type === type;

describe('dns/dnssec: RRSIG verification against signatures ldns-signzone made', () => {
  let dir: string;
  let signed: SignedZone;
  let keys: DnskeyRecord[];
  const now = () => Date.now() / 1000;
  /** The zone's signed answer to a query with DO, split into RRsets and their RRSIGs. */
  const ask = (name: string, type: string) => {
    const answer = signed.answer(name, type, new Zone(RECORDS).lookup(name, type), true);
    return [...answer.answers, ...answer.authorities];
  };
  const rrset = (records: Answer[], type: string) => records.filter((rr) => rr.type === type);
  const sigOver = (records: Answer[], type: string) =>
    records.filter(isType('RRSIG')).find((rr) => rr.data.typeCovered === type) as RrsigRecord;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dnssec-verify-'));
    signed = await buildSignedZone({ apex: 'lab.example' }, RECORDS, dir, CANARIES);
    keys = ask('lab.example', 'DNSKEY').filter(isType('DNSKEY')) as DnskeyRecord[];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("finds the trust anchor's key by key tag and DS digest, and no other", () => {
    const anchor = signed.trustAnchor;
    const ds = {
      keyTag: anchor.keyTag,
      algorithm: anchor.algorithm,
      digestType: anchor.digestType,
      digest: Buffer.from(anchor.digest, 'hex'),
    };
    expect(keys).to.have.length(1);
    expect(keyTag(keys[0]!.data)).to.equal(anchor.keyTag);
    expect(dsMatches('lab.example', keys[0]!.data, ds)).to.equal(true);
    expect(dsMatches('other.example', keys[0]!.data, ds), 'the owner name is hashed too').to.equal(false);
    expect(dsMatches('lab.example', keys[0]!.data, { ...ds, digest: Buffer.alloc(32) })).to.equal(false);
  });

  it('verifies the DNSKEY, A (two records, in any order), CNAME, MX, SOA and NSEC RRsets as signed', () => {
    const dnskeys = ask('lab.example', 'DNSKEY');
    expect(verifyRrsig(rrset(dnskeys, 'DNSKEY'), sigOver(dnskeys, 'DNSKEY'), keys, now())).to.deep.equal({ ok: true });
    const a = ask('time.lab.example', 'A');
    expect(verifyRrsig(rrset(a, 'A').reverse(), sigOver(a, 'A'), keys, now())).to.deep.equal({ ok: true });
    const chain = ask('update.lab.example', 'A');
    expect(verifyRrsig(rrset(chain, 'CNAME'), sigOver(chain, 'CNAME'), keys, now())).to.deep.equal({ ok: true });
    const mx = ask('lab.example', 'MX');
    expect(verifyRrsig(rrset(mx, 'MX'), sigOver(mx, 'MX'), keys, now())).to.deep.equal({ ok: true });
    const nodata = ask('time.lab.example', 'AAAA');
    expect(verifyRrsig(rrset(nodata, 'SOA'), sigOver(nodata, 'SOA'), keys, now())).to.deep.equal({ ok: true });
    expect(verifyRrsig(rrset(nodata, 'NSEC'), sigOver(nodata, 'NSEC'), keys, now())).to.deep.equal({ ok: true });
  });

  it('is case-blind in owner names (the canonical form lower-cases them) and ignores the TTL served', () => {
    const a = ask('TIME.Lab.Example', 'A');
    const served = rrset(a, 'A').map((rr) => ({ ...rr, ttl: 1_000_000_000 }) as Answer);
    expect(served[0]!.name).to.equal('TIME.Lab.Example');
    expect(verifyRrsig(served, sigOver(a, 'A'), keys, now())).to.deep.equal({ ok: true });
  });

  it('refuses changed RDATA, an added record, an expired or future signature, and a key it was not made with', () => {
    const a = ask('time.lab.example', 'A');
    const sig = sigOver(a, 'A');
    const forged = rrset(a, 'A').map((rr) => ({ ...rr, data: '127.0.44.77' }) as Answer);
    expect(verifyRrsig(forged, sig, keys, now())).to.deep.equal({ ok: false, reason: 'signature does not verify' });
    const added = [
      ...rrset(a, 'A'),
      { name: 'time.lab.example', type: 'A', class: 'IN', ttl: 30, data: '127.0.44.77' } as Answer,
    ];
    expect(verifyRrsig(added, sig, keys, now())).to.deep.equal({ ok: false, reason: 'signature does not verify' });
    const expired = signed.expiredSignaturesFor('127.0.44.77', 'time.lab.example', 'A')[0] as RrsigRecord;
    const toCanary = rrset(a, 'A').map((rr) => ({ ...rr, data: '127.0.44.77' }) as Answer);
    expect(verifyRrsig(toCanary, expired, keys, now()))
      .to.deep.include({ ok: false })
      .and.have.property('reason')
      .that.matches(/^signature expired at /);
    expect(
      verifyRrsig(toCanary, expired, keys, expired.data.expiration - 60),
      'it was genuine while it lasted',
    ).to.deep.equal({ ok: true });
    expect(verifyRrsig(rrset(a, 'A'), sig, keys, sig.data.inception - 60).ok).to.equal(false);
    const otherKey = { ...keys[0]!, data: { ...keys[0]!.data, key: Buffer.alloc(64, 7) } } as DnskeyRecord;
    expect(verifyRrsig(rrset(a, 'A'), sig, [otherKey], now()))
      .to.have.property('reason')
      .that.matches(/^no zone key with tag /);
    expect(verifyRrsig(rrset(a, 'AAAA'), sig, keys, now())).to.deep.equal({ ok: false, reason: 'empty RRset' });
  });

  it('tells a name at or below the signer, case-blind', () => {
    expect(isAtOrBelow('a.lab.example', 'lab.example')).to.equal(true);
    expect(isAtOrBelow('Lab.Example.', 'lab.example')).to.equal(true);
    expect(isAtOrBelow('xlab.example', 'lab.example')).to.equal(false);
  });

  describe('the other algorithms a signed upstream answer may use (keys and signatures made here with node:crypto)', () => {
    const record: Answer = { name: 'x.lab.example', type: 'A', class: 'IN', ttl: 60, data: '127.0.44.9' };
    const rrsigData = (algorithm: number, key: DnskeyRecord): RrsigData => ({
      typeCovered: 'A',
      algorithm,
      labels: 3,
      originalTTL: 60,
      expiration: Math.floor(now()) + 3600,
      inception: Math.floor(now()) - 60,
      keyTag: keyTag(key.data),
      signersName: 'lab.example',
      signature: Buffer.alloc(0),
    });
    const check = (algorithm: number, publicBytes: Buffer, privateKey: KeyObject, digest: string | null) => {
      const key = {
        name: 'lab.example',
        type: 'DNSKEY',
        class: 'IN',
        ttl: 60,
        data: { flags: 257, algorithm, key: publicBytes },
      } as DnskeyRecord;
      const data = rrsigData(algorithm, key);
      const signature = sign(digest, signedData([record], data), privateKey);
      const rrsig = {
        name: 'x.lab.example',
        type: 'RRSIG',
        class: 'IN',
        ttl: 60,
        data: { ...data, signature },
      } as RrsigRecord;
      expect(verifyRrsig([record], rrsig, [key], now()), `algorithm ${algorithm}`).to.deep.equal({ ok: true });
      expect(
        verifyRrsig([{ ...record, data: '127.0.44.10' } as Answer], rrsig, [key], now()).ok,
        `algorithm ${algorithm}, changed`,
      ).to.equal(false);
    };

    it('RSA/SHA-256 (8) with its RFC 3110 key, and Ed25519 (15)', () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const jwk = rsa.publicKey.export({ format: 'jwk' });
      const e = Buffer.from(jwk.e!, 'base64url');
      check(8, Buffer.concat([Buffer.from([e.length]), e, Buffer.from(jwk.n!, 'base64url')]), rsa.privateKey, 'sha256');
      const ed = generateKeyPairSync('ed25519');
      check(15, Buffer.from(ed.publicKey.export({ format: 'jwk' }).x!, 'base64url'), ed.privateKey, null);
    });
  });
});
