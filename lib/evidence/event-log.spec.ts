import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nowMicros } from './clock.ts';
import { EventLog, EvidenceRouter } from './event-log.ts';
import type { RecordedEvent } from './event-log.ts';
import { loadEvidence } from './load-evidence.ts';
import { createRunDirectory } from './run-directory.ts';
import { QUERY_FLAGS } from './event-test-kit.ts';

const endpoint = { address: '127.0.10.2', port: 5555 };

function query(dut: string | null, t: number): RecordedEvent {
  return {
    type: 'dns.query',
    t,
    dut,
    transport: 'udp',
    client: endpoint,
    server: endpoint,
    txid: 1,
    flags: QUERY_FLAGS,
    questions: [],
    edns: null,
    size: 12,
    wire: '',
    scenario: 'pass-through',
  };
}
function drop(dut: string | null, t: number): RecordedEvent {
  return {
    type: 'dns.drop',
    t,
    dut,
    queryRef: 999,
    transport: 'udp',
    client: endpoint,
    scenario: 'drop()',
    reason: 'scenario drop()',
  };
}

describe('evidence/event-log', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('numbers events, stamps the phase, and writes each line before returning', () => {
    const log = new EventLog(join(dir, 'events.ndjson'));
    log.phase = 'baseline';
    log.record({ type: 'run.start', t: 1, dut: 'a', runId: 'r' });
    expect(readFileSync(join(dir, 'events.ndjson'), 'utf8').split('\n')).to.have.length(
      2,
      'written at once, not buffered',
    );
    log.record(query('a', 2));
    log.close();
    const events = loadEvidence(join(dir, 'events.ndjson')).events;
    expect(events.map((e) => [e.seq, e.phase])).to.deep.equal([
      [1, 'baseline'],
      [2, 'baseline'],
    ]);
    expect(() => log.record(query('a', 3))).to.throw(/closed/);
  });

  it('stamps an event recorded late with the phase in force at its time, not the one begun meanwhile', () => {
    const log = new EventLog(join(dir, 'events.ndjson'));
    log.phase = 'forged-cname';
    const happened = nowMicros();
    while (nowMicros() === happened) {
      /* the next phase begins strictly later */
    }
    log.phase = null;
    log.phase = 'wrong-type-txt';
    // A canary contact accepted in forged-cname, recorded once its bytes were read.
    log.record({
      type: 'canary.contact',
      t: happened,
      dut: 'a',
      transport: 'tcp',
      client: endpoint,
      canary: endpoint,
      payload: '',
      source: 'sink',
    });
    log.record(query('a', nowMicros()));
    log.close();
    expect(loadEvidence(join(dir, 'events.ndjson')).events.map((e) => e.phase)).to.deep.equal([
      'forged-cname',
      'wrong-type-txt',
    ]);
  });

  it("turns the producer's exchange number into the log's own query seq, per log", () => {
    const a = new EventLog(join(dir, 'a.ndjson'));
    const b = new EventLog(join(dir, 'b.ndjson'));
    const router = new EvidenceRouter(
      new Map([
        ['a', a],
        ['b', b],
      ]),
    );
    router.record({ type: 'run.start', t: 0, dut: null, runId: 'shared' });
    router.record(query('b', 1), { exchange: 7, role: 'query' });
    router.record(query(null, 2), { exchange: 8, role: 'query' });
    router.record(drop(null, 3), { exchange: 8, role: 'reply' });
    router.record(drop('b', 4), { exchange: 7, role: 'reply' });
    a.close();
    b.close();
    const inA = loadEvidence(join(dir, 'a.ndjson')).events;
    const inB = loadEvidence(join(dir, 'b.ndjson')).events;
    expect(inA.map((e) => e.type)).to.deep.equal(
      ['run.start', 'dns.query', 'dns.drop'],
      "a sees only the undeclared host's exchange",
    );
    expect(inA[2]).to.include({ queryRef: 2 });
    expect(inB.map((e) => e.type)).to.deep.equal(['run.start', 'dns.query', 'dns.query', 'dns.drop', 'dns.drop']);
    expect(inB[3]).to.include({ queryRef: 3 });
    expect(inB[4]).to.include({ queryRef: 2 });
  });

  it('writes several events at once exactly as it writes them one by one, routed and linked per log', () => {
    const entries = [
      { event: { type: 'run.start', t: 0, dut: null, runId: 'shared' } as RecordedEvent },
      { event: query('b', 1), link: { exchange: 7, role: 'query' as const } },
      { event: query(null, 2), link: { exchange: 8, role: 'query' as const } },
      { event: drop(null, 3), link: { exchange: 8, role: 'reply' as const } },
      { event: drop('b', 4), link: { exchange: 7, role: 'reply' as const } },
    ];
    const written = (many: boolean) => {
      const logs = new Map([
        ['a', new EventLog(join(dir, `a-${many}.ndjson`))],
        ['b', new EventLog(join(dir, `b-${many}.ndjson`))],
      ]);
      for (const log of logs.values()) log.phase = 'baseline';
      const router = new EvidenceRouter(logs);
      if (many) router.recordMany(entries);
      else for (const { event, link } of entries) router.record(event, link);
      for (const log of logs.values()) log.close();
      return ['a', 'b'].map((dut) => readFileSync(join(dir, `${dut}-${many}.ndjson`), 'utf8'));
    };
    const [a, b] = written(true);
    expect([a, b]).to.deep.equal(written(false));
    expect(b!.trim().split('\n')).to.have.length(5);
    expect(JSON.parse(b!.trim().split('\n')[4]!)).to.include({ seq: 5, queryRef: 2, phase: 'baseline' });
  });

  it('creates a fresh run directory per run, never reusing one', () => {
    const at = new Date('2026-11-23T10:15:00.123Z');
    const first = createRunDirectory(dir, 'sim-good', at, 'profileVersion: 1\n');
    const second = createRunDirectory(dir, 'sim-good', at, 'profileVersion: 1\n');
    first.log.close();
    second.log.close();
    expect(first.runId).to.equal('20261123T101500Z-sim-good');
    expect(second.runId).to.equal('20261123T101500Z-sim-good-2');
    expect(readFileSync(join(second.path, 'profile.yaml'), 'utf8')).to.equal('profileVersion: 1\n');
  });
});
