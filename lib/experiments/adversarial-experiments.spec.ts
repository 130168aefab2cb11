/**
 * The experiments of the spoofed-answer race, the closed port and record validation, loaded
 * from their definitions with a profile's canaries, checked on the wire: what the DUT's
 * socket receives, what the evidence records, and (for the race) which canary a device
 * that accepts a spoof ends up contacting.
 */
import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { connect } from 'node:net';
import { CanarySink } from '../canary-sink/canary-sink.ts';
import { decodeMessage } from '../dns/codec.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import { failedAnswerChecks } from '../dut/answer-acceptance.ts';
import { InputFileError } from '../input/yaml-input.ts';
import { parseProfile } from '../profile/load-profile.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { AdversarialResolver } from '../resolver/resolver.ts';
import { MemorySink, query, udpReplies } from '../resolver/resolver-test-kit.ts';
import { parseScenario } from '../resolver/scenario.ts';
import { SPOOFED_QUESTION_NAME, otherTxid } from '../resolver/spoof-race.ts';
import { Zone } from '../resolver/zone.ts';
import { experimentScenario, loadExperiments } from './catalogue.ts';

/** Loopback aliases private to this spec. */
const RESOLVER = '127.0.58.1';
const DUT = '127.0.58.2';
const CANARIES = ['127.0.58.77', '127.0.58.78', '127.0.58.79', '127.0.58.80', '127.0.58.81'];
const GENUINE = '127.0.58.200';
/** The port the sloppy client connects to on whatever address it accepted. */
const SERVICE_PORT = 8080;

function profileWith(canaries: readonly string[]): LoadedProfile {
  const text = [
    'profileVersion: 1',
    `dut: { id: dut, vendor: v, model: m, addresses: [${DUT}] }`,
    'device: { kind: lab }',
    `resolver: { listen: [{ transport: udp, address: ${RESOLVER} }] }`,
    'zone:',
    `  - { name: cloud.sim.example, type: A, ttl: 30, data: ${GENUINE} }`,
    '  - { name: api.sim.example, type: A, ttl: 30, data: 127.0.58.201 }',
    '  - { name: time.sim.example, type: A, ttl: 30, data: 127.0.58.202 }',
    '  - { name: text.sim.example, type: TXT, ttl: 30, data: hello }',
    `canaries: [${canaries.join(', ')}]`,
  ].join('\n');
  return { profile: parseProfile(text, 'spec.yaml'), file: 'spec.yaml', text, sha256: '' };
}

const loaded = profileWith(CANARIES);
const experiments = loadExperiments();
const scenarioOf = (id: string) => experimentScenario(experiments.get(id)!, loaded);
const data = (rr: object | undefined): unknown => (rr && 'data' in rr ? rr.data : undefined);
const klass = (rr: object): unknown => ('class' in rr ? rr.class : undefined);

/** Every datagram that reaches a DUT socket after one query, with where it came from. */
async function raceReplies(
  to: { address: string; port: number },
  bytes: Buffer,
  waitMs = 300,
): Promise<{ message: DecodedMessage; from: RemoteInfo }[]> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, DUT, () => r()));
  const replies: { message: DecodedMessage; from: RemoteInfo }[] = [];
  socket.on('message', (msg, from) => {
    const decoded = decodeMessage(msg);
    if (decoded.ok) replies.push({ message: decoded.message, from });
  });
  socket.send(bytes, to.port, to.address);
  await new Promise((r) => setTimeout(r, waitMs));
  socket.close();
  return replies;
}

describe('adversarial experiments, on the wire', () => {
  let resolver: AdversarialResolver;
  let sink: MemorySink;
  let port: number;
  const server = () => ({ address: RESOLVER, port });

  async function under(experiment: string): Promise<void> {
    resolver.setScenario('dut', await scenarioOf(experiment));
    await resolver.settled();
  }
  async function only(name: string, type: 'A' | 'AAAA' = 'A'): Promise<DecodedMessage> {
    const replies = await udpReplies(DUT, server(), query(name, type, 0x3333), 250);
    expect(replies, 'exactly one reply').to.have.length(1);
    return replies[0]!.message;
  }

  beforeEach(async () => {
    sink = new MemorySink();
    resolver = new AdversarialResolver({
      listen: [
        { transport: 'udp', address: RESOLVER, port: 0 },
        { transport: 'tcp', address: RESOLVER, port: 0 },
      ],
      duts: [
        {
          id: 'dut',
          addresses: [DUT],
          zone: new Zone(loaded.profile.zone),
          scenario: await parseScenario([], { canaries: [] }),
        },
      ],
      sink,
    });
    port = (await resolver.start())[0]!.port;
  });
  afterEach(() => resolver.stop());

  describe('spoof-race', () => {
    it('sends four spoofs before the genuine answer, each failing exactly the check it targets, each towards its own canary', async () => {
      await under('spoof-race');
      const replies = await raceReplies(server(), query('cloud.sim.example', 'A', 0x4242));
      const outstanding = { txid: 0x4242, name: 'cloud.sim.example', type: 'A', resolver: server() };
      const seen = replies.map(({ message, from }) => ({
        failed: failedAnswerChecks(message, { address: from.address, port: from.port }, outstanding),
        address: data(message.answers?.[0]),
      }));
      expect(seen).to.deep.equal([
        { failed: ['txid'], address: CANARIES[1] },
        { failed: ['source'], address: CANARIES[2] },
        { failed: ['source'], address: CANARIES[3] },
        { failed: ['question'], address: CANARIES[4] },
        { failed: [], address: GENUINE },
      ]);
      // The two source defects differ in what is wrong: the port, then the address.
      expect(replies.slice(1, 3).map((r) => [r.from.address === RESOLVER, r.from.port === port])).to.deep.equal([
        [true, false],
        [false, true],
      ]);
      expect(replies[2]!.from.address).to.equal(CANARIES[0]);
      expect(replies[0]!.message.id).to.equal(otherTxid(0x4242));
      expect(replies[3]!.message.questions?.[0]?.name).to.equal(SPOOFED_QUESTION_NAME);
    });

    it('records every spoof as a response to the query, with the step, the socket it left from and its defect', async () => {
      await under('spoof-race');
      const replies = await raceReplies(server(), query('cloud.sim.example', 'A', 0x4343));
      const responses = sink.ofType('dns.response');
      const spoofs = sink.events.filter((e) => e.link?.role === 'spoof');
      expect(spoofs).to.have.length(4);
      expect(responses.map((r) => r.manipulations)).to.deep.equal([
        [`spoofTxid(${CANARIES[1]})`],
        [`spoofPort(${CANARIES[2]})`],
        [`spoofSource(${CANARIES[3]}, ${CANARIES[0]})`],
        [`spoofQuestion(${CANARIES[4]})`],
        [],
      ]);
      expect(responses.map((r) => r.server)).to.deep.equal(
        replies.map((r) => ({ address: r.from.address, port: r.from.port })),
      );
      expect(responses.slice(0, 4).map((r) => r.reason)).to.satisfy((reasons: string[]) =>
        reasons.every((r) => r.startsWith('spoofed answer sent before the genuine one')),
      );
      expect(responses[4]?.reason).to.equal(null);
    });

    it('shows at the canary which spoof a device that takes the first answer accepted', async () => {
      const canaries = new CanarySink({
        addresses: CANARIES,
        ports: { tcp: [SERVICE_PORT], udp: [] },
        required: { tcp: [], udp: [] },
        sink,
        ownerOf: (a) => (a === DUT ? 'dut' : null),
      });
      await canaries.start();
      try {
        await under('spoof-race');
        const [first] = await raceReplies(server(), query('cloud.sim.example', 'A', 0x4444));
        const accepted = String(data(first?.message.answers?.[0]));
        // A sloppy device: no checks, uses the first address it got.
        await new Promise<void>((resolve, reject) => {
          const socket = connect({ host: accepted, port: SERVICE_PORT, localAddress: DUT });
          socket.on('error', reject);
          socket.on('connect', () => socket.end('GET / HTTP/1.1\r\n\r\n'));
          socket.on('close', () => resolve());
        });
      } finally {
        await canaries.stop();
      }
      const contacts = sink.ofType('canary.contact');
      expect(contacts.map((c) => [c.dut, c.canary.address, c.canary.port])).to.deep.equal([
        ['dut', CANARIES[1], SERVICE_PORT],
      ]);
      const spoofTargets = sink
        .ofType('dns.response')
        .filter((r) => r.manipulations.length > 0)
        .map((r) => [r.manipulations[0], data(r.answers[0])]);
      expect(
        spoofTargets.find(([, canary]) => canary === contacts[0]?.canary.address)?.[0],
        'the contacted canary names the spoof',
      ).to.match(/^spoofTxid\(/);
    });

    it("races only UDP queries of the canaries' family", async () => {
      await under('spoof-race');
      expect((await raceReplies(server(), query('cloud.sim.example', 'AAAA', 0x4545))).length).to.equal(1);
      expect(sink.events.filter((e) => e.link?.role === 'spoof')).to.have.length(0);
    });

    it('needs five IPv4 canaries and says so against the profile', async () => {
      const error = await experimentScenario(experiments.get('spoof-race')!, profileWith(CANARIES.slice(0, 2))).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(InputFileError);
      expect((error as Error).message).to.include('/canaries: experiment spoof-race needs 5 IPv4 canary addresses');
    });
  });

  describe('late-answers', () => {
    it('sends the genuine answer first, then three that match the query as fully, pointing at the canary', async () => {
      await under('late-answers');
      const replies = await raceReplies(server(), query('cloud.sim.example', 'A', 0x4646));
      const outstanding = { txid: 0x4646, name: 'cloud.sim.example', type: 'A', resolver: server() };
      expect(
        replies.map(({ message, from }) => [
          failedAnswerChecks(message, { address: from.address, port: from.port }, outstanding),
          data(message.answers?.[0]),
        ]),
      ).to.deep.equal([
        [[], GENUINE],
        [[], CANARIES[0]],
        [[], CANARIES[0]],
        [[], CANARIES[0]],
      ]);
    });

    it('records the late answers as one response to the same query, after the genuine one, with the step and how many', async () => {
      await under('late-answers');
      await raceReplies(server(), query('cloud.sim.example', 'A', 0x4747));
      const [genuine, late] = sink.ofType('dns.response');
      expect(sink.events.filter((e) => e.type === 'dns.response').map((e) => e.link)).to.deep.equal([
        { exchange: 1, role: 'reply', open: true },
        { exchange: 1, role: 'late' },
      ]);
      expect([genuine?.manipulations, genuine?.answers.map((a) => a.data)]).to.deep.equal([[], [GENUINE]]);
      expect([late?.manipulations, late?.answers.map((a) => a.data), late?.copies, late?.txid]).to.deep.equal([
        [`lateAnswers(${CANARIES[0]}, 3)`],
        [CANARIES[0]],
        3,
        0x4747,
      ]);
      expect(late?.reason).to.match(/^late answer sent after the genuine one/);
    });

    it("leaves queries of another address family than the canary's alone", async () => {
      await under('late-answers');
      expect((await raceReplies(server(), query('cloud.sim.example', 'AAAA', 0x4848))).length).to.equal(1);
      expect(sink.events.filter((e) => e.link?.role === 'late')).to.have.length(0);
    });
  });

  it('resolver-closed-port: the sockets really close (ICMP port unreachable, TCP reset) and reopen on the same port', async () => {
    await under('resolver-closed-port');
    const udpError = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const socket = createSocket('udp4');
      socket.bind(0, DUT, () => {
        socket.connect(port, RESOLVER, () => {
          // On a connected socket Linux reports the ICMP port unreachable as ECONNREFUSED.
          const timer = setTimeout(() => {
            socket.close();
            resolve(null);
          }, 1000);
          socket.on('error', (e) => {
            clearTimeout(timer);
            socket.close();
            resolve(e);
          });
          socket.send(query('cloud.sim.example', 'A'));
        });
      });
    });
    expect(udpError?.code).to.equal('ECONNREFUSED');
    const tcpError = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
      const socket = connect({ host: RESOLVER, port, localAddress: DUT });
      socket.on('error', (e) => resolve(e));
      socket.on('connect', () => {
        socket.destroy();
        resolve(null);
      });
    });
    expect(tcpError?.code).to.equal('ECONNREFUSED');
    expect(sink.ofType('dns.query')).to.have.length(0);
    resolver.setScenario('dut', await parseScenario([], { canaries: [] }));
    await resolver.settled();
    expect(data((await only('cloud.sim.example')).answers?.[0])).to.equal(GENUINE);
    expect(
      sink.events
        .filter((e) => e.type === 'resolver.listen' || e.type === 'resolver.close')
        .map((e) => `${e.type} ${'transport' in e ? e.transport : ''} ${'port' in e ? e.port : ''}`),
    ).to.deep.equal([
      `resolver.listen udp ${port}`,
      `resolver.listen tcp ${port}`,
      `resolver.close udp ${port}`,
      `resolver.close tcp ${port}`,
      `resolver.listen udp ${port}`,
      `resolver.listen tcp ${port}`,
    ]);
  });

  it('wrong-class: an A record of class CH pointing at the canary, the question still IN', async () => {
    await under('wrong-class');
    const message = await only('cloud.sim.example');
    expect(message.answers?.map((a) => [a.type, klass(a), data(a)])).to.deep.equal([['A', 'CH', CANARIES[0]]]);
    expect(message.questions?.[0]?.class).to.equal('IN');
  });

  it("unsolicited-additional: the zone's other address names in the additional section, all at the canary", async () => {
    await under('unsolicited-additional');
    const message = await only('cloud.sim.example');
    expect(message.answers?.map(data)).to.deep.equal([GENUINE]);
    expect(message.additionals?.map((a) => [a.name, a.type, data(a)])).to.deep.equal([
      ['api.sim.example', 'A', CANARIES[0]],
      ['time.sim.example', 'A', CANARIES[0]],
    ]);
  });

  it('nxdomain: NXDOMAIN for a name the zone has, with an SOA whose MINIMUM allows negative caching (RFC 2308)', async () => {
    await under('nxdomain');
    const message = await only('cloud.sim.example');
    expect([message.rcode, message.answers?.length]).to.deep.equal(['NXDOMAIN', 0]);
    const soa = message.authorities?.find((a) => a.type === 'SOA');
    expect(soa?.name).to.equal('sim.example');
    expect((data(soa) as { minimum?: number } | undefined)?.minimum).to.equal(60);
    expect(soa && 'ttl' in soa ? soa.ttl : undefined).to.equal(60);
  });

  it('ttl-jump: the stable answer (TTL 30, the zone address) turns into TTL 10^9 and the canary', async () => {
    const before = (await only('cloud.sim.example')).answers?.[0];
    await under('ttl-jump');
    const after = (await only('cloud.sim.example')).answers?.[0];
    expect([before && 'ttl' in before ? before.ttl : null, data(before)]).to.deep.equal([30, GENUINE]);
    expect([after && 'ttl' in after ? after.ttl : null, data(after)]).to.deep.equal([1_000_000_000, CANARIES[0]]);
  });
});
