import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { expect } from 'chai';
import { AdversarialResolver } from './resolver.ts';
import { MemorySink, framed, query, tcpExchange } from './resolver-test-kit.ts';
import { parseScenario } from './scenario.ts';
import { MAX_STRANGER_CONNECTIONS_PER_SOURCE } from './stream-server.ts';
import { PARTIAL_FRAME_TIMEOUT_MS } from './tcp-listener.ts';
import { Zone } from './zone.ts';

/** Loopback aliases private to this spec. */
const RESOLVER = '127.0.44.1';
const DUT = '127.0.44.2';
const STRANGER = '127.0.44.3';
const HALF_OPEN = 64;

const zone = new Zone([{ name: 'cloud.sim.example', type: 'A', ttl: 30, data: '127.0.44.200' }]);

/** Opens a connection and sends 3 bytes of a message announced as 40 (a frame it never finishes). */
function halfOpen(to: { address: string; port: number }): Promise<{ socket: Socket; closed: Promise<unknown> }> {
  const socket = connect({ host: to.address, port: to.port, localAddress: STRANGER });
  socket.on('error', () => undefined);
  const closed = new Promise((r) => socket.once('close', r));
  return new Promise((resolve) =>
    socket.once('connect', () => {
      socket.write(Buffer.from([0, 40, 0xab]));
      resolve({ socket, closed });
    }),
  );
}

describe('resolver TCP front door', () => {
  it("64 half-open connections from a stranger do not stop the DUT's TCP queries; refusals, timeouts and resets are recorded with address and DUT", async () => {
    const sink = new MemorySink();
    const resolver = new AdversarialResolver({
      listen: [{ transport: 'tcp', address: RESOLVER, port: 0 }],
      duts: [{ id: 'dut-a', addresses: [DUT], zone, scenario: await parseScenario([], { canaries: [] }) }],
      sink,
    });
    const [endpoint] = await resolver.start();
    const stranger: { socket: Socket; closed: Promise<unknown> }[] = [];
    try {
      for (let i = 0; i < HALF_OPEN; i += 1) stranger.push(await halfOpen(endpoint!));
      const closedByUs = stranger.map((s) => s.closed);
      // The DUT's queries, each on its own connection, while the stranger holds what it could get.
      for (let id = 1; id <= 3; id += 1) {
        const answers = await tcpExchange(DUT, endpoint!, framed([query('cloud.sim.example', 'A', id)]));
        expect(
          answers.map((a) => a.id),
          `DUT query ${id}`,
        ).to.deep.equal([id]);
      }
      // The connections admitted are closed once they have held a partial frame too long, and say so.
      await Promise.all(closedByUs);
      const timeouts = sink.ofType('resolver.connection').filter((e) => e.action === 'timeout');
      expect(timeouts.map((e) => [e.client.address, e.dut])).to.deep.equal(
        Array.from({ length: MAX_STRANGER_CONNECTIONS_PER_SOURCE }, () => [STRANGER, null]),
      );
      expect(timeouts[0]?.reason).to.equal(`held part of a message for ${PARTIAL_FRAME_TIMEOUT_MS} ms: closed`);
      expect(
        sink
          .ofType('dns.malformed')
          .filter((e) => /closed by the harness inside a message \(40 announced, 1 arrived\)/.test(e.error)),
      ).to.have.length(MAX_STRANGER_CONNECTIONS_PER_SOURCE);

      // A DUT that sends part of a frame and resets is recorded every time, with its address.
      for (let i = 0; i < 5; i += 1) {
        const socket = connect({ host: RESOLVER, port: endpoint!.port, localAddress: DUT });
        socket.on('error', () => undefined);
        await new Promise((r) => socket.once('connect', r));
        socket.write(Buffer.from([0, 30, 1, 2]));
        await new Promise((r) => setTimeout(r, 20));
        socket.resetAndDestroy();
        await new Promise((r) => socket.once('close', r));
      }
      const deadline = Date.now() + 10_000;
      const cutOff = () => sink.ofType('dns.malformed').filter((e) => e.client.address === DUT && e.dut === 'dut-a');
      while (cutOff().length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(
        cutOff().map((e) => e.error.replace(/\(.*?\) /, '')),
        'every reset mid-frame recorded',
      ).to.have.length(5);
      expect(cutOff().every((e) => e.client.port > 0)).to.equal(true);

      // Every refusal is recorded, or counted once over the per-source budget (written out when the resolver stops).
      await resolver.stop();
      const refused = sink.ofType('resolver.connection').filter((e) => e.action === 'refused');
      const counted = sink
        .ofType('dns.suppressed')
        .filter((e) => e.source === STRANGER && /connection events/.test(e.reason))
        .reduce((sum, e) => sum + e.count, 0);
      expect(refused.length + counted).to.equal(HALF_OPEN - MAX_STRANGER_CONNECTIONS_PER_SOURCE);
      expect(
        refused.every(
          (e) => e.client.address === STRANGER && e.dut === null && e.client.port > 0 && /not a DUT/.test(e.reason),
        ),
      ).to.equal(true);
    } finally {
      for (const s of stranger) s.socket.destroy();
      await resolver.stop();
    }
  });
});
