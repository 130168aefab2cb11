import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { passiveMetrics } from '../analysis/passive-metrics.ts';
import { discoverChecks, SUITES_DIR } from '../checks/discover.ts';
import type { CheckContext } from '../checks/check-types.ts';
import { parseProfile } from '../profile/load-profile.ts';
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT } from '../../suites/fixture-events.ts';
import type { Evidence } from './evidence.ts';
import type { EvidenceEvent, QueryEvent, ResponseEvent } from './events.ts';
import { loadEvidence } from './load-evidence.ts';
import { hashFile } from './manifest.ts';
import { loadStoredEvidence, StoredEventLog } from './stored-evidence.ts';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dnsconform-stored-evidence-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const fixtures = readdirSync(SUITES_DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ndjson'))
  .sort()
  .map((f) => join(SUITES_DIR, f));

const profile = parseProfile(
  JSON.stringify({
    profileVersion: 1,
    description: 'fixture DUT',
    dut: {
      id: FIXTURE_DUT,
      vendor: 'dnsconform fixtures',
      model: 'Fixture stub',
      addresses: [FIXTURE_CLIENT_ADDRESS],
      state: 'initialised',
    },
    device: { kind: 'lab' },
    resolver: { listen: [{ transport: 'udp', address: '127.0.10.1', port: 53 }] },
    zone: [],
    scenario: [],
    canaries: ['127.0.10.250'],
    ixit: { ttlCapSeconds: 60 },
    observe: { windowSeconds: 180 },
  }),
  'fixture profile',
);
const context: CheckContext = { dutId: FIXTURE_DUT, profile, eventsFile: 'events.ndjson' };

/** Every field of every event read through the evidence equals the logged one. */
function expectSameEvents(
  actual: readonly EvidenceEvent[],
  expected: readonly EvidenceEvent[],
  serialised = false,
): void {
  expect(actual.map((e) => e.seq)).to.deep.equal(expected.map((e) => e.seq));
  actual.forEach((event, i) => {
    const logged = expected[i]!;
    for (const [key, value] of Object.entries(logged)) {
      expect((event as unknown as Record<string, unknown>)[key], `event ${logged.seq} field ${key}`).to.deep.equal(
        value,
      );
    }
    if (serialised) expect(JSON.stringify(event)).to.equal(JSON.stringify(logged));
  });
}

const seqs = (events: readonly EvidenceEvent[]) => events.map((e) => e.seq);

/** The lookups checks use give the same events (their fields are compared once, in `events`). */
function expectSameLookups(stored: Evidence, plain: Evidence): void {
  expect(seqs(stored.events)).to.deep.equal(seqs(plain.events));
  for (const dut of [undefined, FIXTURE_DUT, 'someone-else']) {
    expect(seqs(stored.queries(dut))).to.deep.equal(seqs(plain.queries(dut)));
    expect(seqs(stored.responses(dut))).to.deep.equal(seqs(plain.responses(dut)));
    const pairs = (evidence: Evidence) =>
      evidence.exchanges(dut).map((x) => [x.query.seq, x.response?.seq, x.drop?.seq]);
    expect(pairs(stored)).to.deep.equal(pairs(plain));
    // Visiting gives what the lists hold, and stops when told to.
    const visited = (evidence: Evidence, stopAfter = Infinity) => {
      const seen: number[] = [];
      evidence.eachQuery(dut, (q) => {
        seen.push(q.seq);
        return seen.length < stopAfter;
      });
      evidence.eachResponse(dut, (r) => {
        seen.push(-r.seq);
        return seen.length < 2 * stopAfter;
      });
      return seen;
    };
    expect(visited(stored)).to.deep.equal([
      ...seqs(plain.queries(dut)),
      ...seqs(plain.responses(dut)).map((seq) => -seq),
    ]);
    expect(visited(stored, 3)).to.deep.equal(visited(plain, 3));
  }
  for (const type of new Set(plain.events.map((e) => e.type)))
    expect(seqs(stored.ofType(type))).to.deep.equal(seqs(plain.ofType(type)));
  expect(stored.phases()).to.deep.equal(plain.phases());
  for (const phase of new Set(plain.events.map((e) => e.phase)))
    if (phase !== null)
      expect([...stored.seqsInPhase(phase)]).to.deep.equal(seqs(plain.events.filter((e) => e.phase === phase)));
  expect(stored.span()).to.deep.equal(plain.span());
}

describe('evidence/stored-evidence', () => {
  it('answers every lookup as InMemoryEvidence does, on every check fixture, in memory and spilled to disk', () => {
    expect(fixtures.length).to.be.greaterThan(20);
    const spillDir = join(dir, 'spill');
    mkdirSync(spillDir);
    let spilledBytes = 0;
    for (const [file, options] of fixtures.flatMap(
      (f) =>
        [
          [f, {}],
          [f, { spillDir, chunkShift: 2 }],
        ] as const,
    )) {
      const plain = loadEvidence(file);
      const stored = loadStoredEvidence(file, options);
      expectSameEvents(stored.events, plain.events, true);
      expectSameLookups(stored, plain);
      const experiments = [...new Set(plain.ofType('phase.start').map((p) => p.experiment ?? p.name))];
      for (const wanted of [['*'], ['nothing'], ...experiments.map((e) => [e]), experiments.slice(0, 2)]) {
        expectSameLookups(stored.forExperiments(wanted), plain.forExperiments(wanted));
      }
      for (const sub of readdirSync(spillDir))
        spilledBytes += readdirSync(join(spillDir, sub)).reduce((n, f) => n + statSync(join(spillDir, sub, f)).size, 0);
      stored.dispose();
    }
    expect(spilledBytes, 'rows went to disk').to.be.greaterThan(0);
    expect(readdirSync(spillDir)).to.deep.equal([], 'disposing removes the spill files');
  });

  it('gives every check the same outcome, and the same passive metrics, on every check fixture', async () => {
    const checks = await discoverChecks();
    for (const file of fixtures) {
      const plain = loadEvidence(file);
      const stored = loadStoredEvidence(file);
      for (const check of checks) {
        const outcome = (evidence: Evidence) => {
          try {
            return check.judge(evidence.forExperiments(check.meta.experiments), context);
          } catch (error) {
            return { threw: (error as Error).message };
          }
        };
        expect(outcome(stored), `${check.id} on ${basename(file)}`).to.deep.equal(outcome(plain));
      }
      const options = { dut: FIXTURE_DUT, assignedResolvers: ['127.0.10.1'] };
      expect(passiveMetrics(stored, options), basename(file)).to.deep.equal(passiveMetrics(plain, options));
    }
  });

  it('writes the log byte for byte as JSON lines, long and non-ASCII lines too, and indexes what it wrote', () => {
    const source = loadEvidence(fixtures.find((f) => f.includes('assigned-resolver-only.fail'))!).events;
    const long = 'é€'.repeat(300_000);
    const events: EvidenceEvent[] = [
      ...source,
      {
        type: 'liveness.probe',
        seq: source.length + 1,
        t: 1,
        dut: FIXTURE_DUT,
        phase: null,
        probe: 'tcp',
        target: long,
        alive: false,
        latencyMs: null,
        detail: 'x',
      },
      // A query with a field the columns do not know is kept as it is.
      {
        ...(source.find((e) => e.type === 'dns.query') as QueryEvent),
        seq: source.length + 2,
        note: 'ü',
      } as QueryEvent,
      {
        ...(source.find((e) => e.type === 'dns.response') as ResponseEvent),
        seq: source.length + 3,
        queryRef: source.length + 2,
        answers: [{ name: 'a', type: 'A', class: 'IN', ttl: 2 ** 32, data: '1.2.3.4' }],
      },
    ];
    const file = join(dir, 'events.ndjson');
    const log = new StoredEventLog(file);
    for (const event of events) log.append(event);
    const store = log.finish();
    expect(readFileSync(file, 'utf8')).to.equal(events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    expect(log.digest).to.deep.equal(hashFile(file));
    const reloaded = loadStoredEvidence(file);
    for (const evidence of [reloaded]) {
      expectSameEvents(
        evidence.events,
        events.map((e) => JSON.parse(JSON.stringify(e)) as EvidenceEvent),
        true,
      );
    }
    expect(store.count).to.equal(events.length);
    expect(JSON.stringify(store.event(events.length - 1))).to.equal(JSON.stringify(events.at(-1)));
    expect((store.event(events.length - 2) as QueryEvent & { note?: string }).note).to.equal('ü');
    expect(() => new StoredEventLog(file)).to.throw(/EEXIST/);
    // Many buffers' worth, handed round the writer's slots several times over.
    const query = events.find((e) => e.type === 'dns.query')!;
    const many = Array.from({ length: 40_000 }, (_, i) => ({ ...query, seq: i + 1, t: i }) as EvidenceEvent);
    const manyFile = join(dir, 'many.ndjson');
    const manyLog = new StoredEventLog(manyFile);
    for (const event of many) manyLog.append(event);
    expect(manyLog.finish().count).to.equal(many.length);
    expect(readFileSync(manyFile, 'utf8')).to.equal(many.map((e) => `${JSON.stringify(e)}\n`).join(''));
    expect(manyLog.digest).to.deep.equal(hashFile(manyFile));
    expect(manyLog.digest!.bytes).to.be.above(8 << 20);
    // Blank lines (allowed in a log) move where later lines start: their bytes are still found.
    const spaced = join(dir, 'spaced.ndjson');
    writeFileSync(spaced, events.map((e, i) => `${i % 3 === 0 ? '\n' : ''}${JSON.stringify(e)}\n`).join(''));
    expectSameEvents(
      loadStoredEvidence(spaced).events,
      events.map((e) => JSON.parse(JSON.stringify(e)) as EvidenceEvent),
      true,
    );
  });
});
