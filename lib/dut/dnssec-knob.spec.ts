/**
 * The `dnssec` behaviour knob over real loopback sockets, against the harness's own responder
 * serving a zone signed by ldns-signzone: a validating device sets DO, checks RRSIGs up to
 * the lab trust anchor, refuses every bogus variant and the AD downgrade (it asks again, then
 * gives up, never using the canary address); a non-validating one uses them all.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildQuery } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { SimulatedBehaviour, ZoneRecord } from '../profile/profile-types.ts';
import { AccessList } from '../resolver/access-list.ts';
import { MemorySink } from '../resolver/resolver-test-kit.ts';
import { Responder } from '../resolver/responder.ts';
import { parseScenario } from '../resolver/scenario.ts';
import { buildSignedZone } from '../resolver/signed-zone.ts';
import type { SignedZone } from '../resolver/signed-zone.ts';
import { Zone } from '../resolver/zone.ts';
import { deviceTtlLifetime } from './answer-cache.ts';
import { DnssecValidator } from './dnssec-validator.ts';
import type { MemoryLog } from './stub-test-kit.ts';
import { memoryLog, runDevice, TestResolver, testBehaviour, untriedAddresses } from './stub-test-kit.ts';

/** Loopback aliases private to this spec. */
const RESOLVER = '127.0.64.1';
const DEVICE = '127.0.64.2';
const CANARIES = ['127.0.64.77', '127.0.64.78', '127.0.64.79', '127.0.64.80'];
const GENUINE = '127.0.64.201';
const RECORDS: ZoneRecord[] = [
  { name: 'door.secure.sim.example', type: 'A', ttl: 1, data: GENUINE },
  { name: 'plain.sim.example', type: 'A', ttl: 1, data: '127.0.64.202' },
];

describe('dut dnssec knob: validate against the lab trust anchor, or ignore', () => {
  let dir: string;
  let signed: SignedZone;
  let resolver: TestResolver;
  let responder: Responder;
  let binding: { id: string; zone: Zone; scenario: Awaited<ReturnType<typeof parseScenario>>; signedZone: SignedZone };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dnssec-knob-'));
    signed = await buildSignedZone({ apex: 'secure.sim.example' }, RECORDS, dir, CANARIES);
    const acl = new AccessList();
    acl.declare('dut', [DEVICE]);
    binding = {
      id: 'dut',
      zone: new Zone(RECORDS),
      scenario: await parseScenario([], { canaries: CANARIES }),
      signedZone: signed,
    };
    responder = new Responder(acl, new Map([['dut', binding]]), new MemorySink());
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(async () => {
    resolver = new TestResolver(RESOLVER);
    await resolver.start();
    // The harness's responder answers every UDP query the device sends, as the run's resolver would.
    resolver.answer = (query, reply) => {
      const out = responder.handle({
        bytes: encodeMessage(query),
        transport: 'udp',
        client: { address: DEVICE, port: 5353 },
        server: { address: RESOLVER, port: 53 },
        t: Date.now() * 1000,
      });
      void Promise.resolve(out).then((r) => {
        if (r) reply(r.bytes);
      });
    };
  });
  afterEach(() => resolver.stop());

  /** Resolves each name once through the application (connecting to what it got); returns the device log. */
  async function lookUp(dnssec: SimulatedBehaviour['dnssec'] | undefined, scenario: string[], names: string[]) {
    binding.scenario = await parseScenario(scenario, { canaries: CANARIES });
    const device = memoryLog();
    const behaviour = testBehaviour({
      dnssec,
      lookups: names.map((name) => ({ name, type: 'A' as const, everyMs: 60_000 })),
      retry: { timeoutMs: 500, attempts: 4, backoff: 1, maxTimeoutMs: 500 },
      connect: { port: 9, timeoutMs: 200 },
    });
    const ended = () => ['resolved', 'negative', 'failed'].reduce((n, event) => n + device.events(event).length, 0);
    const resolverAt = { address: RESOLVER, port: resolver.port };
    // Each lookup ends resolved (and connected), negative or failed: wait for those events, not for a time.
    await runDevice(
      { behaviour, sourceAddress: DEVICE, resolver: resolverAt, log: device.log, trustAnchor: signed.trustAnchor },
      () =>
        device.until(
          `lookups of ${names.join(', ')} to end`,
          () => ended() >= names.length && untriedAddresses(device) <= 0,
        ),
    );
    return device;
  }
  /** The responder's reply to a query with DO, as the validator would get it over the wire. */
  async function ask(name: string, type: 'A' | 'DNSKEY') {
    const query = buildQuery({ id: 7, name, type, edns: { udpSize: 1232, do: true } });
    const out = await responder.handle({
      bytes: encodeMessage(query),
      transport: 'udp',
      client: { address: DEVICE, port: 5353 },
      server: { address: RESOLVER, port: 53 },
      t: Date.now() * 1000,
    });
    const decoded = decodeMessage(out!.bytes);
    if (!decoded.ok) throw new Error(`the responder's ${name} ${type} reply does not decode`);
    return decoded.message;
  }
  const used = (device: MemoryLog) => device.events('resolved').flatMap((e) => e.addresses as string[]);
  const doBits = () =>
    resolver.seen.map((q) =>
      (q.query.additionals ?? []).some((rr) => rr.type === 'OPT' && (rr as { flag_do?: boolean }).flag_do === true),
    );

  it('validate: sets DO, asks the apex DNSKEY, and uses a genuine signed answer and an unsigned name outside the anchor', async () => {
    const device = await lookUp('validate', [], ['door.secure.sim.example', 'plain.sim.example']);
    expect(used(device).sort()).to.deep.equal([GENUINE, '127.0.64.202']);
    expect(doBits().every(Boolean), 'DO on every query').to.equal(true);
    expect(
      resolver.seen.filter((q) => q.query.questions![0]!.type === 'DNSKEY').map((q) => q.query.questions![0]!.name),
    ).to.deep.equal(['secure.sim.example']);
    expect(device.events('dnssec-bogus')).to.have.length(0);
  });

  it("validate: keeps the zone's keys only as long as the device's TTL handling keeps any record", async () => {
    const answer = await ask('door.secure.sim.example', 'A');
    const keysTtl = (await ask('secure.sim.example', 'DNSKEY')).answers!.find((rr) => rr.type === 'DNSKEY')!.ttl!;
    /** How many times a validator asks for the keys over two validations `gapSeconds` apart. */
    const keyFetches = async (behaviour: SimulatedBehaviour, gapSeconds: number) => {
      let now = Date.now() / 1000;
      let fetches = 0;
      const validator = new DnssecValidator(
        signed.trustAnchor,
        async (apex) => {
          fetches += 1;
          return ask(apex, 'DNSKEY');
        },
        () => now,
        (ttl) => deviceTtlLifetime(behaviour, ttl),
      );
      const question = { name: 'door.secure.sim.example', type: 'A' };
      expect(await validator.judge(question, answer)).to.deep.equal({ status: 'secure' });
      now += gapSeconds;
      expect(await validator.judge(question, answer)).to.deep.equal({ status: 'secure' });
      return fetches;
    };
    expect(keysTtl, 'the zone key TTL outlasts the gap').to.be.greaterThan(3);
    expect(await keyFetches(testBehaviour({ ttl: { mode: 'honour' } }), 2), 'honour: kept for their TTL').to.equal(1);
    expect(await keyFetches(testBehaviour({ ttl: { mode: 'clamp', min: 0, max: 1 } }), 2), 'capped at 1 s').to.equal(2);
    expect(await keyFetches(testBehaviour({ ttl: { mode: 'ignore' } }), 0), 'ignore: never kept').to.equal(2);
  });

  it('validate: refuses each bogus variant (changed RDATA, stripped RRSIG, expired RRSIG), asks again at once, then gives up without contacting a canary', async () => {
    const device = await lookUp(
      'validate',
      ['dnssecBogus(127.0.64.77, 127.0.64.78, 127.0.64.79)'],
      ['door.secure.sim.example'],
    );
    const reasons = device.events('dnssec-bogus').map((e) => String(e.reason));
    expect(reasons).to.have.length(4);
    expect(reasons[0]).to.equal('door.secure.sim.example A: signature does not verify');
    expect(reasons[1]).to.equal('door.secure.sim.example A: no RRSIG');
    expect(reasons[2]).to.match(/^door\.secure\.sim\.example A: signature expired at /);
    expect(reasons[3], 'the turn comes round again').to.equal(reasons[0]);
    expect(used(device)).to.deep.equal([]);
    expect(device.events('connect')).to.have.length(0);
    expect(device.events('failed')[0]!.reason).to.match(/^DNSSEC bogus: /);
  });

  it('validate: does not trust AD on a forged, unsigned answer over plain DNS', async () => {
    const device = await lookUp('validate', ['dnssecDowngrade(127.0.64.80)'], ['door.secure.sim.example']);
    expect(device.events('dnssec-bogus').length).to.equal(4);
    expect(used(device)).to.deep.equal([]);
  });

  it('validate: under rcode(NXDOMAIN) takes the apex keys and the signed denial of the zone emptied to its apex, and caches it', async () => {
    const emptied = await lookUp('validate', ['rcode(NXDOMAIN)'], ['door.secure.sim.example']);
    expect(emptied.events('dnssec-bogus')).to.have.length(0);
    expect(emptied.events('negative')[0]).to.deep.include({ rcode: 'NXDOMAIN' });
    expect(Number(emptied.events('negative')[0]!.cachedSeconds), 'kept for the negative TTL').to.be.greaterThan(0);
    expect(
      resolver.seen.filter((q) => q.query.questions![0]!.type === 'DNSKEY').map((q) => q.query.questions![0]!.name),
      'the keys it asked for under the forged NXDOMAIN',
    ).to.deep.equal(['secure.sim.example']);
    // Still under rcode(NXDOMAIN): the apex's other types are NODATA, proved by the same apex NSEC.
    const validator = new DnssecValidator(signed.trustAnchor, (apex) => ask(apex, 'DNSKEY'));
    for (const name of ['secure.sim.example', 'door.secure.sim.example', 'a.b.secure.sim.example']) {
      const reply = await ask(name, 'A');
      expect(reply.rcode, name).to.equal(name === 'secure.sim.example' ? 'NOERROR' : 'NXDOMAIN');
      expect(await validator.judge({ name, type: 'A' }, reply), name).to.deep.equal({ status: 'secure' });
    }
    const genuine = await lookUp('validate', [], ['missing.secure.sim.example']);
    expect(genuine.events('dnssec-bogus')).to.have.length(0);
    expect(genuine.events('negative')[0]).to.deep.include({ rcode: 'NXDOMAIN' });
  });

  it('validate: an NXDOMAIN without its NSEC proof is bogus, though its SOA is signed', async () => {
    binding.scenario = await parseScenario([], { canaries: CANARIES });
    const validator = new DnssecValidator(signed.trustAnchor, (apex) => ask(apex, 'DNSKEY'));
    const question = { name: 'missing.secure.sim.example', type: 'A' };
    const proved = await ask(question.name, 'A');
    expect(await validator.judge(question, proved)).to.deep.equal({ status: 'secure' });
    const unproved = {
      ...proved,
      authorities: proved.authorities!.filter(
        (rr) => rr.type !== 'NSEC' && !(rr.type === 'RRSIG' && rr.data.typeCovered === 'NSEC'),
      ),
    };
    expect(unproved.authorities.map((rr) => rr.type)).to.deep.equal(['SOA', 'RRSIG']);
    expect(await validator.judge(question, unproved)).to.deep.equal({
      status: 'bogus',
      reason: 'missing.secure.sim.example: no NSEC proves the name does not exist',
    });
  });

  it('ignore (and left out): no DO, and the bogus and downgraded addresses are used', async () => {
    const bogus = await lookUp(
      'ignore',
      ['dnssecBogus(127.0.64.77, 127.0.64.78, 127.0.64.79)'],
      ['door.secure.sim.example'],
    );
    expect(doBits().some(Boolean)).to.equal(false);
    expect(used(bogus)).to.deep.equal(['127.0.64.77']);
    const downgraded = await lookUp(undefined, ['dnssecDowngrade(127.0.64.80)'], ['door.secure.sim.example']);
    expect(used(downgraded)).to.deep.equal(['127.0.64.80']);
    expect(downgraded.events('connect')[0]).to.deep.include({ address: '127.0.64.80' });
  });
});
