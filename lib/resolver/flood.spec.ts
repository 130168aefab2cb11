import { createSocket } from 'node:dgram';
import { expect } from 'chai';
import { AdversarialResolver } from './resolver.ts';
import { MemorySink, query } from './resolver-test-kit.ts';
import { floodUdp } from './flood-test-kit.ts';
import { parseScenario } from './scenario.ts';
import { Zone } from './zone.ts';
import { STRANGER_MESSAGES_PER_SECOND, MALFORMED_MESSAGES_PER_SECOND } from './responder.ts';

/** Loopback aliases private to this spec. */
const RESOLVER = '127.0.43.1';
const DUT = '127.0.43.2';
const STRANGER = '127.0.43.3';
/** The flood's bounds: this many max-count headers, or this long, whichever ends first. */
const FLOOD_COUNT = 60_000;
const FLOOD_SECONDS = 3;
const DUT_QUERIES = 60;

const zone = new Zone([{ name: 'cloud.sim.example', type: 'A', ttl: 30, data: '127.0.43.200' }]);

describe('resolver under a flood of max-count headers from a host that is not a DUT', () => {
  it('keeps every DUT query in the evidence, or records its loss; the stranger is logged in bounded form', async () => {
    const sink = new MemorySink();
    const resolver = new AdversarialResolver({
      listen: [{ transport: 'udp', address: RESOLVER, port: 0 }],
      duts: [{ id: 'dut-a', addresses: [DUT], zone, scenario: await parseScenario([], { canaries: [] }) }],
      sink,
    });
    const [endpoint] = await resolver.start();
    const dut = createSocket('udp4');
    await new Promise<void>((r) => dut.bind(0, DUT, () => r()));
    const answered = new Set<number>();
    dut.on('message', (msg) => answered.add(msg.readUInt16BE(0)));
    try {
      const flood = floodUdp({ from: STRANGER, to: endpoint!, count: FLOOD_COUNT, seconds: FLOOD_SECONDS });
      // The DUT queries all through the flood: one query every few milliseconds until the flooder is done.
      let sent = 0;
      let done = false;
      void flood.finally(() => {
        done = true;
      });
      while (!done || sent < DUT_QUERIES) {
        dut.send(query('cloud.sim.example', 'A', sent + 1), endpoint!.port, RESOLVER);
        sent += 1;
        await new Promise((r) => setTimeout(r, 5));
        if (sent >= 1000) break;
      }
      const result = await flood;
      // The resolver reads what the kernel still holds before it closes, and takes its last measurement.
      await resolver.stop();

      const recorded = new Set(
        sink
          .ofType('dns.query')
          .filter((q) => q.dut === 'dut-a')
          .map((q) => q.txid),
      );
      const missing = Array.from({ length: sent }, (_, i) => i + 1).filter((txid) => !recorded.has(txid));
      const lost = sink.ofType('resolver.loss').reduce((sum, e) => sum + (e.count ?? 0), 0);
      expect(
        sink.ofType('resolver.loss').filter((e) => e.count === null),
        'nothing left unread at close',
      ).to.deep.equal([]);
      expect(
        missing.length,
        `${missing.length} of ${sent} DUT queries missing from the evidence with ${lost} datagrams recorded lost`,
      ).to.be.at.most(lost);
      // The stranger's flood: a bounded number recorded in full, the rest counted.
      const strangerMalformed = sink.ofType('dns.malformed').filter((e) => e.client.address === STRANGER).length;
      const suppressed = sink.ofType('dns.suppressed').filter((e) => e.source === STRANGER);
      const counted = strangerMalformed + suppressed.reduce((sum, e) => sum + e.count, 0);
      const seconds = Math.ceil(result.seconds) + 2;
      expect(strangerMalformed).to.be.at.most(
        Math.min(STRANGER_MESSAGES_PER_SECOND, MALFORMED_MESSAGES_PER_SECOND) * seconds,
      );
      expect(
        suppressed.every((e) => e.dut === null && e.count > 0),
        'suppressed counts are against no DUT',
      ).to.equal(true);
      expect(
        counted + lost,
        `flood of ${result.sent}: ${strangerMalformed} recorded, ${counted - strangerMalformed} counted as suppressed, ${lost} lost`,
      ).to.be.at.least(result.sent);
      expect(answered.size, 'the DUT was answered through the flood').to.be.greaterThan(0);
    } finally {
      dut.close();
      await resolver.stop();
    }
  });
});
