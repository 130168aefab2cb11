import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';
import type { Server } from 'node:net';
import { parseProfile } from '../profile/load-profile.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { MemorySink } from '../resolver/resolver-test-kit.ts';
import { DEFAULT_CANARY_PORTS, withProfilePorts } from './canary-ports.ts';
import { CanaryBindError, CanarySink, MAX_CONTACT_PAYLOAD } from './canary-sink.ts';
import { CanaryProfileError, startCanarySink } from './sink-for-profiles.ts';

/** Loopback aliases private to this spec. */
const DUT = '127.0.57.2';
const STRANGER = '127.0.57.9';
const CANARY = '127.0.57.77';
const OTHER_CANARY = '127.0.57.78';
/** Not configured on any test host: binding it fails without sending anything. */
const ABSENT = '10.255.255.1';

const noPorts = { tcp: [], udp: [] };

/** Connects from `from`, writes `payload` (then ends, unless `keepOpen`), resolves when the sink has closed the connection. */
function tcpContact(from: string, port: number, payload: Buffer, keepOpen = false): Promise<{ received: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: CANARY, port, localAddress: from });
    let received = 0;
    socket.on('data', (chunk) => {
      received += chunk.length;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ received }));
    socket.on('connect', () => (keepOpen ? socket.write(payload) : socket.end(payload)));
  });
}

describe('canary sink', () => {
  let sink: MemorySink;
  let canaries: CanarySink;

  beforeEach(async () => {
    sink = new MemorySink();
    canaries = new CanarySink({
      addresses: [CANARY],
      ports: { tcp: [8080], udp: [5683] },
      required: noPorts,
      sink,
      ownerOf: (address) => (address === DUT ? 'dut' : null),
    });
    await canaries.start();
  });
  afterEach(() => canaries.stop());

  it('records a TCP contact with the first bytes, attributed to the DUT, and closes without answering', async () => {
    const request = Buffer.from('GET /firmware HTTP/1.1\r\nHost: update.sim.example\r\n\r\n');
    const { received } = await tcpContact(DUT, 8080, request);
    expect(received, 'the sink answers nothing').to.equal(0);
    const [contact, ...more] = sink.ofType('canary.contact');
    expect(more).to.have.length(0);
    expect(contact).to.include({ dut: 'dut', transport: 'tcp', source: 'sink', payload: request.toString('base64') });
    expect(contact?.canary).to.deep.equal({ address: CANARY, port: 8080 });
    expect(contact?.client.address).to.equal(DUT);
  });

  it(`keeps at most ${MAX_CONTACT_PAYLOAD} octets of a long payload`, async () => {
    await tcpContact(DUT, 8080, Buffer.alloc(3000, 0x41), true);
    const payload = Buffer.from(sink.ofType('canary.contact')[0]?.payload ?? '', 'base64');
    expect(payload.length).to.equal(MAX_CONTACT_PAYLOAD);
  });

  it('records every UDP datagram, sends no reply, and leaves contacts from other hosts unattributed', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, STRANGER, () => r()));
    const replies: Buffer[] = [];
    socket.on('message', (m) => replies.push(m));
    await new Promise<void>((r) => socket.send(Buffer.from('coap-1'), 5683, CANARY, () => r()));
    await new Promise<void>((r) => socket.send(Buffer.from('coap-2'), 5683, CANARY, () => r()));
    for (let i = 0; i < 50 && sink.ofType('canary.contact').length < 2; i += 1)
      await new Promise((r) => setTimeout(r, 10));
    socket.close();
    const contacts = sink.ofType('canary.contact');
    expect(contacts.map((c) => Buffer.from(c.payload, 'base64').toString())).to.deep.equal(['coap-1', 'coap-2']);
    expect(contacts.map((c) => [c.dut, c.transport, c.client.address, c.canary.port])).to.deep.equal([
      [null, 'udp', STRANGER, 5683],
      [null, 'udp', STRANGER, 5683],
    ]);
    expect(replies).to.have.length(0);
  });

  it('records a connection still being read when it stops, with what arrived so far', async () => {
    const socket = connect({ host: CANARY, port: 8080, localAddress: DUT });
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.on('error', () => undefined);
    // The contact exists once the sink has accepted it; nothing is sent.
    for (let i = 0; i < 50 && canaries.contactsBeingRead === 0; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(sink.ofType('canary.contact')).to.have.length(0);
    await canaries.stop();
    socket.destroy();
    expect(sink.ofType('canary.contact').map((c) => [c.dut, c.payload])).to.deep.equal([['dut', '']]);
  });

  it('fails on an address the host does not have, naming the socket, and leaves nothing bound', async () => {
    const failing = new CanarySink({
      addresses: [OTHER_CANARY, ABSENT],
      ports: { tcp: [8080], udp: [] },
      required: noPorts,
      sink,
      ownerOf: () => null,
    });
    const error = await failing.start().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CanaryBindError);
    expect((error as CanaryBindError).message).to.match(
      /tcp 10\.255\.255\.1:8080 \(EADDRNOTAVAIL\): that address is not configured/,
    );
    // The socket bound before the failure was closed again: the port is free.
    const probe = createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(8080, OTHER_CANARY, () => resolve());
    });
    await new Promise((r) => probe.close(r));
  });
});

describe('canary sink for profiles', () => {
  const profile = (canaries: string[], extra = ''): LoadedProfile => {
    const text = [
      'profileVersion: 1',
      'dut: { id: dut, vendor: v, model: m, addresses: [127.0.57.2] }',
      'device: { kind: lab }',
      'resolver: { listen: [{ transport: udp, address: 127.0.57.1 }] }',
      'zone: []',
      `canaries: [${canaries.map((c) => `"${c}"`).join(', ')}]`,
      extra,
    ].join('\n');
    return { profile: parseProfile(text, 'lab.yaml'), file: 'lab.yaml', text, sha256: '' };
  };
  let blocker: Server | undefined;
  afterEach(() => new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r())));

  it("listens on the default ports plus the profile's own, and records contacts there", async () => {
    const sink = new MemorySink();
    const lines: string[] = [];
    const canaries = await startCanarySink([profile([CANARY], 'canarySink: { tcp: [47001] }')], sink, (l) =>
      lines.push(l),
    );
    try {
      await tcpContact(DUT, 47001, Buffer.from('hello'));
      await tcpContact(DUT, 1883, Buffer.from('mqtt'));
    } finally {
      await canaries.stop();
    }
    expect(
      sink.ofType('canary.contact').map((c) => [c.canary.port, Buffer.from(c.payload, 'base64').toString()]),
    ).to.deep.equal([
      [47001, 'hello'],
      [1883, 'mqtt'],
    ]);
    expect(lines.join('\n')).to.include(
      `canary sink listening on ${CANARY} (tcp ${withProfilePorts({ tcp: [47001] }).tcp.join(',')}; udp ${DEFAULT_CANARY_PORTS.udp.join(',')})`,
    );
    const listening = sink.events.flatMap((e) => (e.type === 'canary.listen' ? [`${e.transport}/${e.port}`] : []));
    expect(listening).to.deep.equal([
      ...withProfilePorts({ tcp: [47001] }).tcp.map((p) => `tcp/${p}`),
      ...DEFAULT_CANARY_PORTS.udp.map((p) => `udp/${p}`),
    ]);
  });

  it('names the profile entry when a canary address cannot be bound', async () => {
    const error = await startCanarySink([profile([CANARY, ABSENT])], new MemorySink(), () => undefined).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CanaryProfileError);
    expect((error as Error).message).to.match(
      /^lab\.yaml: \/canaries\/1: canary sink cannot listen on tcp 10\.255\.255\.1:/,
    );
  });

  it('passes over a default port another program holds, and says so', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(1883, OTHER_CANARY, () => r()));
    const lines: string[] = [];
    const canaries = await startCanarySink([profile([OTHER_CANARY])], new MemorySink(), (l) => lines.push(l));
    await canaries.stop();
    expect(lines.join('\n')).to.include(
      'canary sink skipped default ports tcp/1883 (EADDRINUSE: taken by another program)',
    );
    expect(lines.join('\n')).to.match(/listening on 127\.0\.57\.78 \(tcp 22,23,80,443,554,5222,8080/);
  });

  it('names the profile entry when a port it asked for is taken', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker!.listen(47002, OTHER_CANARY, () => r()));
    const error = await startCanarySink(
      [profile([OTHER_CANARY], 'canarySink: { tcp: [47003, 47002] }')],
      new MemorySink(),
      () => undefined,
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as Error).message).to.match(
      /^lab\.yaml: \/canarySink\/tcp\/1: .*tcp 127\.0\.57\.78:47002 \(EADDRINUSE\)/,
    );
  });
});
