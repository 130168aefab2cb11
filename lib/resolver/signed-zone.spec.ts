import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Answer, NsecData, RrsigData } from 'dns-packet';
import { buildQuery } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import { findOpt } from '../dns/summarise.ts';
import type { ZoneRecord } from '../profile/profile-types.ts';
import { AccessList } from './access-list.ts';
import { MemorySink } from './resolver-test-kit.ts';
import { Responder } from './responder.ts';
import { parseScenario } from './scenario.ts';
import { canonicalCompare, verifyRrsig } from '../dns/dnssec.ts';
import type { DnskeyRecord, RrsigRecord } from '../dns/dnssec.ts';
import { buildSignedZone } from './signed-zone.ts';
import type { SignedZone } from './signed-zone.ts';
import { Zone } from './zone.ts';

const DUT = '127.0.43.2';
const CANARIES = ['127.0.43.77', '127.0.43.78', '127.0.43.79', '127.0.43.80'];
const RECORDS: ZoneRecord[] = [
  { name: 'time.lab.example', type: 'A', ttl: 30, data: '127.0.43.201' },
  { name: 'cloud.lab.example', type: 'A', ttl: 30, data: '127.0.43.202' },
  { name: 'cloud.lab.example', type: 'AAAA', ttl: 30, data: '::1' },
  { name: 'update.lab.example', type: 'CNAME', ttl: 30, data: 'time.lab.example' },
  { name: 'outside.test', type: 'A', ttl: 30, data: '127.0.43.203' },
];

describe('resolver/signed-zone: a zone signed by ldns-signzone, served with DO', () => {
  let dir: string;
  let signed: SignedZone;
  let responder: Responder;
  let sink: MemorySink;
  let binding: { id: string; zone: Zone; scenario: Awaited<ReturnType<typeof parseScenario>>; signedZone: SignedZone };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dnssec-zone-'));
    signed = await buildSignedZone({ apex: 'lab.example' }, RECORDS, dir, CANARIES);
    const acl = new AccessList();
    acl.declare('dut', [DUT]);
    binding = {
      id: 'dut',
      zone: new Zone(RECORDS),
      scenario: await parseScenario([], { canaries: CANARIES }),
      signedZone: signed,
    };
    sink = new MemorySink();
    responder = new Responder(acl, new Map([['dut', binding]]), sink);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Asks over UDP (or `transport`); returns the decoded reply, after checking it round-trips through dns-packet byte for byte. */
  function ask(name: string, type: string, dnssecOk: boolean, transport: 'udp' | 'dot' = 'udp'): DecodedMessage {
    const bytes = encodeMessage(buildQuery({ id: 7, name, type: type as 'A', edns: { udpSize: 1232, do: dnssecOk } }));
    const out = responder.handle({
      bytes,
      transport,
      client: { address: DUT, port: 5353 },
      server: { address: '127.0.43.1', port: 53 },
      t: Date.now() * 1000,
    });
    if (out instanceof Promise) throw new Error('a zone answer is returned at once, not as a promise');
    expect(out, 'a reply').to.not.equal(null);
    const decoded = decodeMessage(out!.bytes);
    if (!decoded.ok) throw new Error(decoded.error);
    expect(encodeMessage(decoded.message).equals(out!.bytes), 'encode(decode(reply)) gives the same bytes').to.equal(
      true,
    );
    return decoded.message;
  }
  const types = (records: Answer[] | undefined) => (records ?? []).map((rr) => rr.type);
  const sigs = (records: Answer[] | undefined) =>
    (records ?? []).filter((rr): rr is Answer & { data: RrsigData } => rr.type === 'RRSIG').map((rr) => rr.data);

  it('writes the trust anchor the DUT is configured with, matching the served DNSKEY', () => {
    const anchor = readFileSync(join(dir, 'trust-anchor.ds'), 'utf8');
    expect(anchor).to.match(/^lab\.example\. IN DS \d+ 13 2 [0-9a-f]{64}\n$/);
    const keys = ask('lab.example', 'DNSKEY', true);
    expect(types(keys.answers)).to.deep.equal(['DNSKEY', 'RRSIG']);
    expect(sigs(keys.answers)[0]!.keyTag).to.equal(signed.trustAnchor.keyTag);
    expect(findOpt(keys)?.flag_do, 'DO copied into the reply (RFC 3225)').to.equal(true);
  });

  it('adds RRSIGs only when the query set DO, and leaves names outside the apex unsigned', () => {
    expect(types(ask('time.lab.example', 'A', true).answers)).to.deep.equal(['A', 'RRSIG']);
    expect(types(ask('time.lab.example', 'A', false).answers)).to.deep.equal(['A']);
    expect(types(ask('update.lab.example', 'A', true).answers)).to.deep.equal(['CNAME', 'RRSIG', 'A', 'RRSIG']);
    expect(types(ask('outside.test', 'A', true).answers)).to.deep.equal(['A']);
    const valid = sigs(ask('cloud.lab.example', 'A', true).answers)[0]!;
    const now = Date.now() / 1000;
    expect(valid.inception).to.be.below(now);
    expect(valid.expiration).to.be.above(now);
  });

  it('proves NODATA and NXDOMAIN with signed NSEC records', () => {
    const nodata = ask('time.lab.example', 'AAAA', true);
    expect(nodata.rcode).to.equal('NOERROR');
    expect(types(nodata.authorities)).to.deep.equal(['SOA', 'RRSIG', 'NSEC', 'RRSIG']);
    const nxdomain = ask('missing.lab.example', 'A', true);
    expect(nxdomain.rcode).to.equal('NXDOMAIN');
    expect(types(nxdomain.authorities).filter((t) => t === 'NSEC').length).to.be.within(1, 2);
    expect(types(nxdomain.authorities).filter((t) => t === 'RRSIG').length).to.equal(
      types(nxdomain.authorities).length / 2,
    );
    const apex = ask('lab.example', 'A', false);
    expect(apex.rcode, 'the apex exists: NODATA').to.equal('NOERROR');
  });

  it('orders names canonically (RFC 4034 §6.1)', () => {
    const sorted = ['z.example', 'a.example', 'example', 'yljkjljk.a.example', 'Z.a.example', '*.z.example'].sort(
      canonicalCompare,
    );
    expect(sorted).to.deep.equal([
      'example',
      'a.example',
      'yljkjljk.a.example',
      'Z.a.example',
      'z.example',
      '*.z.example',
    ]);
  });

  it('dnssecBogus takes turns: RDATA changed under the genuine RRSIG, RRSIGs stripped, expired RRSIG', async () => {
    binding.scenario = await parseScenario(['dnssecBogus(127.0.43.77, 127.0.43.78, 127.0.43.79)'], {
      canaries: CANARIES,
    });
    try {
      const genuine = sigs(ask('cloud.lab.example', 'AAAA', true).answers);
      expect(genuine, 'AAAA is left alone').to.have.length(1);
      const [rdata, stripped, expired, again] = [1, 2, 3, 4].map(() => ask('cloud.lab.example', 'A', true));
      const address = (m: DecodedMessage) => m.answers!.flatMap((rr) => (rr.type === 'A' ? [rr.data] : []));
      expect(address(rdata!)).to.deep.equal(['127.0.43.77']);
      expect(sigs(rdata!.answers)).to.have.length(1);
      expect(address(stripped!)).to.deep.equal(['127.0.43.78']);
      expect(sigs(stripped!.answers)).to.have.length(0);
      expect(address(expired!)).to.deep.equal(['127.0.43.79']);
      expect(sigs(expired!.answers)[0]!.expiration).to.be.below(Date.now() / 1000 - 86_400);
      expect(address(again!), 'the turn comes round again').to.deep.equal(['127.0.43.77']);
      expect(address(ask('outside.test', 'A', true)), 'a name outside the signed zone is left alone').to.deep.equal([
        '127.0.43.203',
      ]);
      expect(types(ask('time.lab.example', 'A', false).answers), 'without DO, no RRSIG in any variant').to.deep.equal([
        'A',
      ]);
      expect(
        await parseScenario(['dnssecBogus(127.0.43.77, 127.0.43.77, 127.0.43.79)'], { canaries: CANARIES }).catch(
          (e: Error) => e.message,
        ),
      ).to.match(/three different canaries/);
    } finally {
      binding.scenario = await parseScenario([], { canaries: CANARIES });
    }
  });

  it('rcode(NXDOMAIN) with DO serves the zone emptied to its apex: its keys, and signed denials a validator can take', async () => {
    const genuineKeys = ask('lab.example', 'DNSKEY', true);
    binding.scenario = await parseScenario(['rcode(NXDOMAIN)'], { canaries: CANARIES });
    try {
      const manipulated = () => sink.ofType('dns.response').at(-1)!.manipulations;
      const keys = ask('lab.example', 'DNSKEY', true);
      expect(keys.rcode).to.equal('NOERROR');
      expect(keys.answers, 'the apex keys are the genuine answer, untouched').to.deep.equal(genuineKeys.answers);
      expect(manipulated(), 'nothing manipulated in the keys').to.deep.equal([]);
      const dnskeys = keys.answers!.filter((rr): rr is DnskeyRecord => rr.type === 'DNSKEY');
      /** Every RRset in the authority section is signed by the zone's key, and the signature verifies. */
      const verified = (m: DecodedMessage) => {
        const sets = new Map<string, Answer[]>();
        for (const rr of m.authorities ?? [])
          if (rr.type !== 'RRSIG')
            sets.set(`${rr.name}|${rr.type}`, [...(sets.get(`${rr.name}|${rr.type}`) ?? []), rr]);
        return [...sets].map(([key, rrset]) => {
          const sig = (m.authorities ?? []).find(
            (rr): rr is RrsigRecord => rr.type === 'RRSIG' && `${rr.name}|${rr.data.typeCovered}` === key,
          );
          return [key, sig ? verifyRrsig(rrset, sig, dnskeys, Date.now() / 1000).ok : 'unsigned'];
        });
      };
      const apexNsec = (m: DecodedMessage) =>
        m.authorities!.filter((rr): rr is Answer & { type: 'NSEC'; data: NsecData } => rr.type === 'NSEC');
      for (const name of ['time.lab.example', 'missing.lab.example', 'a.b.lab.example']) {
        const denial = ask(name, 'A', true);
        expect(denial.rcode, name).to.equal('NXDOMAIN');
        expect(types(denial.answers), name).to.deep.equal([]);
        expect(types(denial.authorities), name).to.deep.equal(['SOA', 'RRSIG', 'NSEC', 'RRSIG']);
        expect(
          apexNsec(denial).map((rr) => [rr.name, rr.data]),
          `${name}: the apex NSEC, next name the apex, covers every name`,
        ).to.deep.equal([
          ['lab.example', { nextDomain: 'lab.example', rrtypes: ['NS', 'SOA', 'RRSIG', 'NSEC', 'DNSKEY'] }],
        ]);
        expect(verified(denial), name).to.deep.equal([
          ['lab.example|SOA', true],
          ['lab.example|NSEC', true],
        ]);
        expect(manipulated(), name).to.deep.equal(['rcode(NXDOMAIN)']);
      }
      const nodata = ask('lab.example', 'A', true);
      expect([nodata.rcode, types(nodata.answers), types(nodata.authorities)], 'the apex: NODATA').to.deep.equal([
        'NOERROR',
        [],
        ['SOA', 'RRSIG', 'NSEC', 'RRSIG'],
      ]);
      expect(apexNsec(nodata)[0]!.data).to.deep.include({ nextDomain: 'lab.example' });
      expect(manipulated(), 'the apex NSEC now says no name exists below it').to.deep.equal(['rcode(NXDOMAIN)']);
      const withoutDo = ask('time.lab.example', 'A', false);
      expect([withoutDo.rcode, types(withoutDo.authorities)], 'without DO, the plain NXDOMAIN').to.deep.equal([
        'NXDOMAIN',
        ['SOA'],
      ]);
      const outside = ask('outside.test', 'A', true);
      expect([outside.rcode, types(outside.authorities)], 'outside the signed zone, the plain NXDOMAIN').to.deep.equal([
        'NXDOMAIN',
        ['SOA'],
      ]);
      expect(manipulated()).to.deep.equal(['rcode(NXDOMAIN)']);
    } finally {
      binding.scenario = await parseScenario([], { canaries: CANARIES });
    }
  });

  it('dnssecDowngrade forges with AD over plain DNS, never over an encrypted transport', async () => {
    binding.scenario = await parseScenario(['dnssecDowngrade(127.0.43.80)'], { canaries: CANARIES });
    try {
      const plain = ask('time.lab.example', 'A', true);
      expect(plain.flag_ad).to.equal(true);
      expect(plain.answers!.flatMap((rr) => (rr.type === 'A' ? [rr.data] : []))).to.deep.equal(['127.0.43.80']);
      const encrypted = ask('time.lab.example', 'A', true, 'dot');
      expect(encrypted.flag_ad).to.equal(false);
      expect(types(encrypted.answers)).to.deep.equal(['A', 'RRSIG']);
      const outside = ask('outside.test', 'A', true);
      expect(
        [outside.flag_ad, outside.answers!.flatMap((rr) => (rr.type === 'A' ? [rr.data] : []))],
        'a name outside the signed zone is left alone',
      ).to.deep.equal([false, ['127.0.43.203']]);
    } finally {
      binding.scenario = await parseScenario([], { canaries: CANARIES });
    }
  });
});
