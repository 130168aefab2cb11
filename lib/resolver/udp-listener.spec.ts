import { expect } from 'chai';
import { Socket, createSocket } from 'node:dgram';
import type { EvidenceSink } from '../evidence/event-log.ts';
import { AdversarialResolver } from './resolver.ts';
import { query } from './resolver-test-kit.ts';
import type { Reply, Responder } from './responder.ts';
import { parseScenario } from './scenario.ts';
import { listenUdp } from './udp-listener.ts';
import { Zone } from './zone.ts';

/** Loopback aliases private to this spec: the resolver and a DUT. */
const RESOLVER = '127.0.48.1';
const DUT = '127.0.48.2';

describe('resolver/udp-listener', () => {
  it('drops an upstream answer that comes after the listener closed, instead of throwing from the send', async () => {
    let answer!: (reply: Reply) => void;
    let asked!: () => void;
    const wasAsked = new Promise<void>((resolve) => {
      asked = resolve;
    });
    // A responder whose answer is still out upstream when the listener closes (the run's end, a closed-port phase).
    const responder = {
      openBurst: () => undefined,
      afterEvidence: (send: () => void) => send(),
      handle: () => {
        asked();
        return new Promise<Reply>((resolve) => {
          answer = resolve;
        });
      },
    } as unknown as Responder;
    const errors: Error[] = [];
    const listener = await listenUdp('127.0.0.1', 0, responder, (error) => errors.push(error));
    const client = createSocket('udp4');
    try {
      client.send(Buffer.from('a query'), listener.port, '127.0.0.1');
      await wasAsked;
      await listener.close();
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      answer({ bytes: Buffer.from('the late answer'), copies: 1 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      process.off('unhandledRejection', onUnhandled);
      expect(unhandled).to.deep.equal([]);
      expect(errors).to.deep.equal([]);
    } finally {
      client.close();
    }
  });

  it('sends no answer before its query and response are recorded, however many arrive at once', async () => {
    // One timeline of what was recorded and what was sent, in the order it happened.
    const timeline: string[] = [];
    const sink: EvidenceSink = {
      record(event) {
        if (event.type === 'dns.query' || event.type === 'dns.response') timeline.push(`${event.type} ${event.txid}`);
      },
    };
    const resolver = new AdversarialResolver({
      listen: [{ transport: 'udp', address: RESOLVER, port: 0 }],
      duts: [
        {
          id: 'dut',
          addresses: [DUT],
          zone: new Zone([{ name: 'burst.sim.example', type: 'A', ttl: 30, data: '127.0.48.200' }]),
          scenario: await parseScenario([], { canaries: [] }),
        },
      ],
      sink,
    });
    const [endpoint] = await resolver.start();
    const client = createSocket('udp4');
    // Every datagram the resolver hands to a socket, noted as it is handed over.
    const send = Socket.prototype.send;
    Socket.prototype.send = function (this: Socket, ...args: unknown[]) {
      const bytes = args[0];
      if (this !== client && Buffer.isBuffer(bytes)) timeline.push(`sent ${bytes.readUInt16BE(0)}`);
      return (send as (...a: unknown[]) => void).apply(this, args);
    } as typeof send;
    try {
      await new Promise<void>((resolve) => client.bind(0, DUT, () => resolve()));
      const count = 64;
      let answered = 0;
      const all = new Promise<void>((resolve) => {
        client.on('message', () => {
          answered += 1;
          if (answered === count) resolve();
        });
      });
      // Sent back to back, so the resolver reads many of them in one go.
      for (let txid = 1; txid <= count; txid += 1)
        client.send(query('burst.sim.example', 'A', txid), endpoint!.port, RESOLVER);
      await all;
      for (let txid = 1; txid <= count; txid += 1) {
        const sentAt = timeline.indexOf(`sent ${txid}`);
        expect(sentAt, `answer ${txid} sent`).to.be.greaterThan(-1);
        expect(timeline.indexOf(`dns.query ${txid}`), `query ${txid} recorded before its answer left`).to.be.within(
          0,
          sentAt,
        );
        expect(timeline.indexOf(`dns.response ${txid}`), `response ${txid} recorded before it left`).to.be.within(
          0,
          sentAt,
        );
      }
      expect(timeline.filter((line) => line.startsWith('sent')).length).to.equal(count);
    } finally {
      Socket.prototype.send = send;
      client.close();
      await resolver.stop();
    }
  });
});
