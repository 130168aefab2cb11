import { expect } from 'chai';
import type { DecodedMessage } from '../dns/codec.ts';
import { findOpt } from '../dns/summarise.ts';
import { AccessList } from './access-list.ts';
import { AdversarialResolver } from './resolver.ts';
import { MemorySink, framed, query, tcpExchange, udpReplies } from './resolver-test-kit.ts';
import { MAX_EXTRA_COPIES_PER_SECOND, Responder } from './responder.ts';
import { parseScenario } from './scenario.ts';
import { Zone } from './zone.ts';

/** Loopback aliases private to this spec. */
const RESOLVER = '127.0.42.1';
const DUT = '127.0.42.2';
const CANARY = '127.0.42.77';

const zone = new Zone([
  { name: 'cloud.sim.example', type: 'A', ttl: 30, data: '127.0.42.200' },
  { name: 'cloud.sim.example', type: 'AAAA', ttl: 30, data: '::1' },
]);

describe('scenario primitives, on the wire', () => {
  let resolver: AdversarialResolver;
  let sink: MemorySink;
  let port: number;

  async function under(scenario: string): Promise<void> {
    resolver.setScenario('dut', await parseScenario(scenario, { canaries: [] }));
  }
  async function ask(
    name: string,
    type: 'A' | 'AAAA',
    edns?: number,
    waitMs = 250,
  ): Promise<{ message: DecodedMessage; size: number }[]> {
    return udpReplies(DUT, { address: RESOLVER, port }, query(name, type, 0x2222, edns), waitMs);
  }
  const only = async (name: string, type: 'A' | 'AAAA', edns?: number) => {
    const replies = await ask(name, type, edns);
    expect(replies, 'exactly one reply').to.have.length(1);
    return replies[0]!;
  };

  beforeEach(async () => {
    sink = new MemorySink();
    resolver = new AdversarialResolver({
      listen: [
        { transport: 'udp', address: RESOLVER, port: 0 },
        { transport: 'tcp', address: RESOLVER, port: 0 },
      ],
      duts: [{ id: 'dut', addresses: [DUT], zone, scenario: await parseScenario([], { canaries: [] }) }],
      sink,
    });
    port = (await resolver.start())[0]!.port;
  });
  afterEach(() => resolver.stop());

  it('truncate(): TC=1 and no records over UDP, the whole answer over TCP', async () => {
    await under('truncate()');
    const { message } = await only('cloud.sim.example', 'A');
    expect([message.flag_tc, message.answers?.length]).to.deep.equal([true, 0]);
    const [overTcp] = await tcpExchange(DUT, { address: RESOLVER, port }, framed([query('cloud.sim.example', 'A')]));
    expect([overTcp?.flag_tc, overTcp?.answers?.length]).to.deep.equal([false, 1]);
    expect(sink.ofType('dns.response').map((r) => r.manipulations)).to.deep.equal([['truncate()'], []]);
  });

  it('amplify(50): the answer record 50 times, sent whole past 512 bytes without TC', async () => {
    await under('amplify(50)');
    const { message, size } = await only('cloud.sim.example', 'A');
    expect(message.answers).to.have.length(50);
    expect(message.flag_tc).to.equal(false);
    expect(size).to.be.above(512);
  });

  it('flood(10): ten identical copies of the response, recorded once with its count', async () => {
    await under('flood(10)');
    const replies = await ask('cloud.sim.example', 'A');
    expect(replies).to.have.length(10);
    expect(new Set(replies.map((r) => r.message.id))).to.deep.equal(new Set([0x2222]));
    expect(sink.ofType('dns.response')[0]?.copies).to.equal(10);
  });

  it('pad(n): EDNS padding option with EDNS, a TXT filler without; the UDP limit still applies', async () => {
    await under('pad(300)');
    const padded = await only('cloud.sim.example', 'A', 1232);
    const opt = findOpt(padded.message);
    expect(opt?.options?.map((o) => [o.code, o.data?.length])).to.deep.equal([[12, 300]]);
    const filler = await only('cloud.sim.example', 'A');
    expect(filler.message.additionals?.map((a) => a.type)).to.deep.equal(['TXT']);
    expect(filler.size).to.be.within(300, 512);
    await under('pad(600)');
    expect((await only('cloud.sim.example', 'A')).message.flag_tc, 'over 512 without EDNS: truncated').to.equal(true);
  });

  it('oversize(): larger than the client said it takes, without TC', async () => {
    await under('oversize()');
    const plain = await only('cloud.sim.example', 'A');
    expect([plain.size > 512, plain.message.flag_tc]).to.deep.equal([true, false]);
    const withEdns = await only('cloud.sim.example', 'A', 1232);
    expect(withEdns.size).to.be.above(1232);
  });

  it('formerrOnEdns(): FORMERR without OPT to EDNS queries, a normal answer without EDNS', async () => {
    await under('formerrOnEdns()');
    const formerr = await only('cloud.sim.example', 'A', 1232);
    expect([formerr.message.rcode, findOpt(formerr.message)]).to.deep.equal(['FORMERR', undefined]);
    expect((await only('cloud.sim.example', 'A')).message.rcode).to.equal('NOERROR');
  });

  it('wrongType, aaaaForA, forgeCNAME and unsolicitedAdditional put what they say on the wire', async () => {
    await under('wrongType(MX)');
    expect((await only('cloud.sim.example', 'A')).message.answers?.map((a) => a.type)).to.deep.equal(['MX']);
    await under('aaaaForA(::1)');
    expect(
      (await only('cloud.sim.example', 'A')).message.answers?.map((a) => [a.type, 'data' in a ? a.data : null]),
    ).to.deep.equal([['AAAA', '::1']]);
    await under(`forgeCNAME(${CANARY})`);
    const cname = (await only('cloud.sim.example', 'A')).message.answers?.map((a) => [
      a.type,
      'data' in a ? a.data : null,
    ]);
    expect(cname).to.deep.equal([
      ['CNAME', 'redirect.dnsconform.invalid'],
      ['A', CANARY],
    ]);
    await under(`unsolicitedAdditional(update.sim.example, ${CANARY})`);
    const extra = (await only('cloud.sim.example', 'A')).message;
    expect(extra.answers?.map((a) => a.type)).to.deep.equal(['A']);
    expect(extra.additionals?.map((a) => [a.name, 'data' in a ? a.data : null])).to.deep.equal([
      ['update.sim.example', CANARY],
    ]);
  });
});

describe('flood budget', () => {
  it('never sends more extra copies per second than the cap, whatever the scenario asks', async () => {
    const acl = new AccessList();
    acl.declare('dut', [DUT]);
    const sink = new MemorySink();
    const responder = new Responder(
      acl,
      new Map([['dut', { id: 'dut', zone, scenario: await parseScenario('flood(100)', { canaries: [] }) }]]),
      sink,
    );
    const second = 1_800_000_000_000_000;
    let extra = 0;
    for (let i = 0; i < 30; i += 1) {
      const out = await responder.handle({
        bytes: query('cloud.sim.example', 'A', i),
        transport: 'udp',
        client: { address: DUT, port: 5000 },
        server: { address: RESOLVER, port: 53 },
        t: second + i,
      });
      extra += (out?.copies ?? 1) - 1;
    }
    expect(extra).to.equal(MAX_EXTRA_COPIES_PER_SECOND);
    expect(sink.ofType('dns.response').at(-1)?.reason).to.match(/flood capped at 1 of 100 copies/);
    const next = await responder.handle({
      bytes: query('cloud.sim.example', 'A', 99),
      transport: 'udp',
      client: { address: DUT, port: 5000 },
      server: { address: RESOLVER, port: 53 },
      t: second + 1_000_000,
    });
    expect(next?.copies, 'a new second, a new budget').to.equal(100);
  });
});

describe('flood budget and the spoofed-answer race', () => {
  it('counts spoofed answers against the same cap as flood copies', async () => {
    const acl = new AccessList();
    acl.declare('dut', [DUT]);
    const sink = new MemorySink();
    const fiveSpoofs = Array.from({ length: 5 }, () => `spoofTxid(${CANARY})`).join('|');
    const responder = new Responder(
      acl,
      new Map([['dut', { id: 'dut', zone, scenario: await parseScenario(fiveSpoofs, { canaries: [] }) }]]),
      sink,
    );
    const server = { address: RESOLVER, port: 53 };
    const second = 1_800_000_000_000_000;
    let spoofs = 0;
    for (let i = 0; i <= MAX_EXTRA_COPIES_PER_SECOND / 5; i += 1) {
      const out = await responder.handle({
        bytes: query('cloud.sim.example', 'A', i),
        transport: 'udp',
        client: { address: DUT, port: 5000 },
        server,
        t: second + i,
        spoofSockets: { endpointFor: () => server },
      });
      spoofs += out?.spoofs?.length ?? 0;
    }
    expect(spoofs).to.equal(MAX_EXTRA_COPIES_PER_SECOND);
    expect(sink.ofType('dns.response').at(-1)?.reason).to.match(/5 of 5 spoofs not sent: flood cap/);
  });
});

describe('flood budget and late answers', () => {
  it('counts late answers against the same cap, and says how many were not sent', async () => {
    const acl = new AccessList();
    acl.declare('dut', [DUT]);
    const sink = new MemorySink();
    const responder = new Responder(
      acl,
      new Map([
        ['dut', { id: 'dut', zone, scenario: await parseScenario(`lateAnswers(${CANARY}, 100)`, { canaries: [] }) }],
      ]),
      sink,
    );
    const server = { address: RESOLVER, port: 53 };
    const second = 1_800_000_000_000_000;
    let late = 0;
    for (let i = 0; i <= MAX_EXTRA_COPIES_PER_SECOND / 100; i += 1) {
      late +=
        (
          await responder.handle({
            bytes: query('cloud.sim.example', 'A', i),
            transport: 'udp',
            client: { address: DUT, port: 5000 },
            server,
            t: second + i,
          })
        )?.late?.copies ?? 0;
    }
    expect(late).to.equal(MAX_EXTRA_COPIES_PER_SECOND);
    expect(sink.ofType('dns.response').at(-1)?.reason).to.match(/100 of 100 late answers not sent: flood cap/);
  });
});
