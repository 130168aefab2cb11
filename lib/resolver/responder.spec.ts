import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLog, EvidenceRouter } from '../evidence/event-log.ts';
import { buildQuery } from '../dns/builders.ts';
import { encodeMessage } from '../dns/codec.ts';
import { AccessList } from './access-list.ts';
import { MemorySink } from './resolver-test-kit.ts';
import { Responder } from './responder.ts';
import type { DutBinding, Outbound } from './responder.ts';
import { parseScenario } from './scenario.ts';
import { Zone } from './zone.ts';

const DUT = '127.0.49.2';
const SERVER = { address: '127.0.49.1', port: 53 };
const CANARY = '127.0.49.77';
const zone = new Zone([
  { name: 'cloud.sim.example', type: 'A', ttl: 30, data: '127.0.49.200' },
  { name: 'cloud.sim.example', type: 'AAAA', ttl: 30, data: '::1' },
  { name: 'alias.sim.example', type: 'CNAME', ttl: 60, data: 'cloud.sim.example' },
]);

function wire(id: number, name: string, type: 'A' | 'AAAA', edns?: { udpSize: number; do?: boolean }): Buffer {
  return encodeMessage(buildQuery({ id, name, type, ...(edns ? { edns } : {}) }));
}

async function responderUnder(
  scenario: string,
): Promise<{ responder: Responder; sink: MemorySink; binding: DutBinding }> {
  const acl = new AccessList();
  acl.declare('dut', [DUT]);
  const binding: DutBinding = {
    id: 'dut',
    zone,
    scenario: await parseScenario(scenario === 'pass-through' ? [] : scenario, { canaries: [CANARY] }),
  };
  const sink = new MemorySink();
  return { responder: new Responder(acl, new Map([['dut', binding]]), sink), sink, binding };
}

function ask(responder: Responder, bytes: Buffer, port: number): Outbound {
  const reply = responder.handle({
    bytes,
    transport: 'udp',
    t: 1_000_000,
    client: { address: DUT, port },
    server: SERVER,
  });
  if (!reply || reply instanceof Promise) throw new Error('expected an answer at once');
  return reply;
}

/** The events of one exchange with the response's clock reading and the exchange numbering taken out. */
function comparable(events: MemorySink['events']): unknown[] {
  return events.map((event) => {
    const { link, ...rest } = event;
    return {
      ...rest,
      ...(rest.type === 'dns.response' ? { t: 0, queryRef: 0 } : {}),
      link: link ? { ...link, exchange: 0 } : null,
    };
  });
}

describe('resolver/responder exchange templates', () => {
  const cases: [string, Buffer, Buffer][] = [
    ['pass-through', wire(1, 'cloud.sim.example', 'A'), wire(0xbeef, 'cloud.sim.example', 'A')],
    [`ttl(0)|forgeA(${CANARY})`, wire(1, 'Cloud.Sim.Example', 'A'), wire(7, 'Cloud.Sim.Example', 'A')],
    [
      'pass-through',
      wire(1, 'alias.sim.example', 'A', { udpSize: 1232 }),
      wire(9, 'alias.sim.example', 'A', { udpSize: 1232 }),
    ],
    ['rcode(NXDOMAIN)', wire(1, 'cloud.sim.example', 'AAAA'), wire(2, 'cloud.sim.example', 'AAAA')],
    ['pass-through', wire(1, 'nowhere.sim.example', 'A'), wire(3, 'nowhere.sim.example', 'A')],
    [
      'pad(100)',
      wire(1, 'cloud.sim.example', 'A', { udpSize: 1232, do: true }),
      wire(4, 'cloud.sim.example', 'A', { udpSize: 1232, do: true }),
    ],
    ['truncate()', wire(1, 'cloud.sim.example', 'A'), wire(5, 'cloud.sim.example', 'A')],
  ];
  for (const [scenario, first, repeated] of cases) {
    it(`answers a repeated query from its template exactly as in full (${scenario}, ${repeated.length} bytes)`, async () => {
      const warm = await responderUnder(scenario);
      ask(warm.responder, first, 40000);
      const fromTemplate = ask(warm.responder, repeated, 40001);
      const replayed = warm.sink.events.slice(2);
      const cold = await responderUnder(scenario);
      const inFull = ask(cold.responder, repeated, 40001);
      expect(fromTemplate.bytes.toString('hex')).to.equal(inFull.bytes.toString('hex'));
      expect(fromTemplate.copies).to.equal(1);
      expect(comparable(replayed)).to.deep.equal(comparable(cold.sink.events));
      expect(JSON.stringify(comparable(replayed))).to.equal(
        JSON.stringify(comparable(cold.sink.events)),
        'key order too',
      );
      // Made from the template: its summaries are the template's, frozen and shared.
      const response = replayed.find((e) => e.type === 'dns.response')!;
      expect(response.type === 'dns.response' && Object.isFrozen(response.answers)).to.equal(
        true,
        'answered from the template',
      );
    });
  }

  it('writes the events of a repeated query to the log byte for byte as answering it in full does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsconform-templates-'));
    try {
      const lines = async (file: string, queries: Buffer[]) => {
        const acl = new AccessList();
        acl.declare('dut', [DUT]);
        const binding: DutBinding = {
          id: 'dut',
          zone,
          scenario: await parseScenario(`ttl(0)|forgeA(${CANARY})`, { canaries: [CANARY] }),
        };
        const log = new EventLog(join(dir, file));
        log.phase = 'forged "a"';
        const responder = new Responder(acl, new Map([['dut', binding]]), new EvidenceRouter(new Map([['dut', log]])));
        // As the UDP listener does: the events of a burst go to the log in one write.
        responder.openBurst();
        for (const bytes of queries) ask(responder, bytes, 40001);
        responder.closeBurst();
        log.close();
        // Numbering and clock readings differ between the two logs; everything else must not.
        return readFileSync(join(dir, file), 'utf8')
          .replace(/"(seq|t|queryRef)":\d+/g, '"$1":0')
          .trim()
          .split('\n');
      };
      const repeated = wire(0x0102, 'Cloud.Sim.Example', 'A', { udpSize: 1232 });
      const warm = await lines('warm.ndjson', [wire(1, 'Cloud.Sim.Example', 'A', { udpSize: 1232 }), repeated]);
      const cold = await lines('cold.ndjson', [repeated]);
      expect(warm).to.have.length(4);
      expect(warm.slice(2)).to.deep.equal(cold);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers in full again once the scenario changed', async () => {
    const { responder, sink, binding } = await responderUnder('pass-through');
    ask(responder, wire(1, 'cloud.sim.example', 'A'), 40000);
    binding.scenario = await parseScenario(`forgeA(${CANARY})`, { canaries: [CANARY] });
    const forged = ask(responder, wire(2, 'cloud.sim.example', 'A'), 40000);
    expect(forged.bytes.includes(Buffer.from([127, 0, 49, 77]))).to.equal(true, 'the new scenario forged the answer');
    binding.scenario = await parseScenario('drop()', { canaries: [CANARY] });
    for (let id = 3; id <= 5; id += 1)
      expect(
        responder.handle({
          bytes: wire(id, 'cloud.sim.example', 'A'),
          transport: 'udp',
          t: 1,
          client: { address: DUT, port: 1 },
          server: SERVER,
        }),
      ).to.equal(null);
    expect(sink.ofType('dns.drop')).to.have.length(3);
  });
});
