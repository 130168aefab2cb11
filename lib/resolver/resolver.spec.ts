import { expect } from 'chai';
import { AdversarialResolver } from './resolver.ts';
import { MemorySink, framed, query, tcpExchange, udpExchange as exchange } from './resolver-test-kit.ts';
import { parseScenario, ScenarioError } from './scenario.ts';
import { Zone } from './zone.ts';

/** Loopback aliases private to this spec: resolver, DUT, a stranger. */
const RESOLVER = '127.0.40.1';
const DUT = '127.0.40.2';
const STRANGER = '127.0.40.3';

const zone = new Zone([
  { name: 'cloud.sim.example', type: 'A', ttl: 30, data: '127.0.40.200' },
  { name: 'cloud.sim.example', type: 'AAAA', ttl: 30, data: '::1' },
  { name: 'alias.sim.example', type: 'CNAME', ttl: 60, data: 'cloud.sim.example' },
  ...Array.from({ length: 60 }, (_, i) => ({
    name: 'big.sim.example',
    type: 'A' as const,
    ttl: 5,
    data: `127.0.41.${i + 1}`,
  })),
]);

describe('resolver', () => {
  let resolver: AdversarialResolver;
  let sink: MemorySink;
  let port: number;

  beforeEach(async () => {
    sink = new MemorySink();
    resolver = new AdversarialResolver({
      listen: [
        { transport: 'udp', address: RESOLVER, port: 0 },
        { transport: 'tcp', address: RESOLVER, port: 0 },
      ],
      duts: [{ id: 'dut-a', addresses: [DUT], zone, scenario: await parseScenario([], { canaries: [] }) }],
      sink,
    });
    const endpoints = await resolver.start();
    port = endpoints[0]!.port;
    expect(endpoints.map((e) => e.port)).to.deep.equal([port, port], 'UDP and TCP share the port');
  });
  afterEach(() => resolver.stop());
  const udpExchange = (from: string, bytes: Buffer, waitMs?: number) =>
    exchange(from, { address: RESOLVER, port }, bytes, waitMs);

  it('answers a DUT from the zone and records query and response with the same link', async () => {
    const answer = await udpExchange(DUT, query('Cloud.Sim.Example', 'A', 0xabcd, 1232));
    expect(answer?.id).to.equal(0xabcd);
    expect(answer?.rcode).to.equal('NOERROR');
    expect(answer?.questions?.[0]?.name).to.equal('Cloud.Sim.Example');
    expect(answer?.answers?.map((a) => a.type === 'A' && a.data)).to.deep.equal(['127.0.40.200']);
    const [q] = sink.ofType('dns.query');
    const [r] = sink.ofType('dns.response');
    expect(q).to.include({ dut: 'dut-a', txid: 0xabcd, transport: 'udp', scenario: 'pass-through' });
    expect(q?.client.address).to.equal(DUT);
    expect(q?.edns?.udpSize).to.equal(1232);
    expect(r?.answers[0]).to.include({ type: 'A', ttl: 30, data: '127.0.40.200' });
    expect(r?.edns?.udpSize).to.equal(1232);
    expect(sink.events.filter((e) => e.link).map((e) => e.link)).to.deep.equal([
      { exchange: 1, role: 'query' },
      { exchange: 1, role: 'reply' },
    ]);
  });

  it('follows CNAMEs, answers NXDOMAIN with an SOA and NODATA as NOERROR without answers', async () => {
    const alias = await udpExchange(DUT, query('alias.sim.example', 'A'));
    expect(alias?.answers?.map((a) => a.type)).to.deep.equal(['CNAME', 'A']);
    const missing = await udpExchange(DUT, query('nothing.sim.example', 'A'));
    expect(missing?.rcode).to.equal('NXDOMAIN');
    expect(missing?.authorities?.[0]?.type).to.equal('SOA');
    const nodata = await udpExchange(DUT, query('cloud.sim.example', 'TXT'));
    expect(nodata?.rcode).to.equal('NOERROR');
    expect(nodata?.answers).to.have.length(0);
  });

  it('refuses and logs a query from an address that is not a DUT', async () => {
    const answer = await udpExchange(STRANGER, query('cloud.sim.example', 'A'));
    expect(answer?.rcode).to.equal('REFUSED');
    expect(answer?.answers).to.have.length(0);
    const [q] = sink.ofType('dns.query');
    const [r] = sink.ofType('dns.response');
    expect(q?.dut).to.equal(null);
    expect(q?.client.address).to.equal(STRANGER);
    expect(r?.flags.rcode).to.equal('REFUSED');
    expect(r?.reason).to.match(/not a declared DUT/);
  });

  it('applies scenario primitives and records the manipulation', async () => {
    resolver.setScenario('dut-a', await parseScenario(['ttl(0)', 'forgeA(127.0.40.77)'], { canaries: [] }));
    const forged = await udpExchange(DUT, query('cloud.sim.example', 'A'));
    expect(forged?.answers?.map((a) => (a.type === 'A' ? [a.data, a.ttl] : null))).to.deep.equal([['127.0.40.77', 0]]);
    const aaaa = await udpExchange(DUT, query('cloud.sim.example', 'AAAA'));
    expect(aaaa?.answers?.map((a) => (a.type === 'AAAA' ? [a.data, a.ttl] : null))).to.deep.equal(
      [['::1', 0]],
      'forgeA leaves AAAA alone',
    );
    const responses = sink.ofType('dns.response');
    expect(responses[0]?.manipulations).to.deep.equal(['ttl(0)', 'forgeA(127.0.40.77)']);
    expect(responses[0]?.scenario).to.equal('ttl(0)|forgeA(127.0.40.77)');

    resolver.setScenario('dut-a', await parseScenario('rcode(SERVFAIL)', { canaries: [] }));
    expect((await udpExchange(DUT, query('cloud.sim.example', 'A')))?.rcode).to.equal('SERVFAIL');
    resolver.setScenario('dut-a', await parseScenario('empty()', { canaries: [] }));
    const empty = await udpExchange(DUT, query('cloud.sim.example', 'A'));
    expect([empty?.rcode, empty?.answers?.length]).to.deep.equal(['NOERROR', 0]);
    resolver.setScenario('dut-a', await parseScenario('drop()', { canaries: [] }));
    expect(await udpExchange(DUT, query('cloud.sim.example', 'A'), 200)).to.equal(null);
    expect(sink.ofType('dns.drop')).to.have.length(1);
  });

  it('refuses scenarios that forge towards addresses the harness does not own', async () => {
    for (const bad of [
      'forgeA(192.0.2.1)',
      'forgeA(::1)',
      'forgeAAAA(2001:db8::1)',
      'ttl(-1)',
      'ttl(4294967296)',
      'rcode(NOERROR)',
      'nosuch()',
      'ttl',
    ]) {
      let error: unknown;
      try {
        await parseScenario([bad], { canaries: [] });
      } catch (e) {
        error = e;
      }
      expect(error, bad).to.be.instanceOf(ScenarioError);
    }
    const lab = await parseScenario(['forgeA(10.9.8.7)'], { canaries: ['10.9.8.7'] });
    expect(lab.text).to.equal('forgeA(10.9.8.7)');
  });

  it('truncates a UDP answer larger than 512 bytes without EDNS, and serves it whole over TCP', async () => {
    const udp = await udpExchange(DUT, query('big.sim.example', 'A'));
    expect(udp?.flag_tc).to.equal(true);
    expect(udp?.answers).to.have.length(0);
    expect(sink.ofType('dns.response')[0]?.reason).to.match(/exceeds the client's 512-byte limit/);

    const answers = await tcpExchange(
      DUT,
      { address: RESOLVER, port },
      framed([query('big.sim.example', 'A', 1), query('cloud.sim.example', 'A', 2)]),
    );
    expect(answers.map((a) => [a.id, a.answers?.length])).to.deep.equal([
      [1, 60],
      [2, 1],
    ]);
  });

  it('survives garbage, truncated packets and compression loops, and keeps answering', async () => {
    const loop = Buffer.from([
      0x42, 0x42, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01,
    ]);
    const formerr = await udpExchange(DUT, loop);
    expect([formerr?.id, formerr?.rcode]).to.deep.equal([0x4242, 'FORMERR']);
    expect(await udpExchange(DUT, Buffer.from('garbage!'), 150)).to.equal(null);
    expect(await udpExchange(DUT, query('cloud.sim.example', 'A').subarray(0, 20), 300)).to.not.equal(null);
    expect(await udpExchange(STRANGER, loop, 150), 'strangers get no answer to garbage').to.equal(null);
    // A TCP stream that ends inside a message.
    await tcpExchange(DUT, { address: RESOLVER, port }, Buffer.from([0x00, 0x40, 0x12, 0x34, 0x56, 0x78]));
    const malformed = sink.ofType('dns.malformed');
    expect(malformed.map((m) => m.error).join('\n'))
      .to.match(/pointer/)
      .and.match(/header/)
      .and.match(/TCP stream ended inside a message/);
    expect((await udpExchange(DUT, query('cloud.sim.example', 'A')))?.rcode).to.equal('NOERROR');
  });
});
