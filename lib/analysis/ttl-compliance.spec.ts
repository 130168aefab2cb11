import { expect } from 'chai';
import { Evidence } from '../evidence/evidence.ts';
import type { EvidenceEvent, ResponseEvent } from '../evidence/events.ts';
import { FIXTURE_DUT, FixtureRun } from '../../suites/fixture-events.ts';
import type { FixtureAnswer } from '../../suites/fixture-events.ts';
import { grantedTtl, ttlCompliance } from './ttl-compliance.ts';
import type { TtlComplianceOptions } from './ttl-compliance.ts';

const T0 = 1_770_000_000_000_000;
const SECOND = 1_000_000;
const OPTIONS: TtlComplianceOptions = { graceSeconds: 1, graceFraction: 0.1, minTtlSeconds: 2, followSeconds: 60 };

/** An A answer with one record. */
function answerA(ttl: number, name = 'api.example'): FixtureAnswer {
  return { latency: 2_000, rcode: 'NOERROR', records: [{ name, type: 'A', ttl, data: '192.0.2.10' }] };
}

/**
 * A run `windowSeconds` long in which the fixture DUT asks at the given second offsets;
 * each entry says what the resolver answered (null: no reply).
 */
function run(
  windowSeconds: number,
  exchanges: { at: number; name?: string; type?: 'A' | 'AAAA'; answer: FixtureAnswer | null }[],
): Evidence {
  const fixture = new FixtureRun('run-ttl-spec', T0, T0 + windowSeconds * SECOND);
  exchanges.forEach((e, i) =>
    fixture.exchange(
      {
        t: T0 + e.at * SECOND,
        name: e.name ?? 'api.example',
        type: e.type ?? 'A',
        sourcePort: 50000 + i,
        txid: 1000 + i,
        ednsUdpSize: null,
      },
      e.answer,
    ),
  );
  return new Evidence(fixture.events());
}

function seqOfQueryAt(evidence: Evidence, seconds: number): number {
  const query = evidence.queries(FIXTURE_DUT).find((q) => q.t === T0 + seconds * SECOND);
  if (!query) throw new Error(`no query at ${seconds} s`);
  return query.seq;
}

describe('ttlCompliance', () => {
  it('finds no premature re-query from a stub that asks again after the TTL', () => {
    const evidence = run(200, [
      { at: 1, answer: answerA(30) },
      { at: 32, answer: answerA(30) },
      { at: 62.5, answer: answerA(30) },
      { at: 100, answer: answerA(30) },
    ]);
    const result = ttlCompliance(evidence, FIXTURE_DUT, OPTIONS);
    expect(result.rows).to.deep.equal([
      {
        name: 'api.example',
        type: 'A',
        ttls: [30],
        answers: 4,
        judged: 4,
        requeries: 3,
        premature: 0,
        shortestRequerySeconds: 30.498,
      },
    ]);
    expect(result.totals).to.deep.equal({ names: 1, answers: 4, judged: 4, requeries: 3, premature: 0, setAside: 0 });
    expect(result.prematureSeqs).to.deep.equal([]);
    expect(result.judgedAnswerSeqs).to.have.length(4);
  });

  it('counts every poll against a 30 s TTL as premature, and names the re-queries', () => {
    const evidence = run(
      10,
      [1, 2, 3, 4, 5].map((at) => ({ at, answer: answerA(30) })),
    );
    const result = ttlCompliance(evidence, FIXTURE_DUT, OPTIONS);
    expect(result.totals).to.deep.equal({ names: 1, answers: 5, judged: 4, requeries: 4, premature: 4, setAside: 0 });
    expect(result.rows[0]!.shortestRequerySeconds).to.be.closeTo(0.998, 1e-9);
    expect(result.prematureSeqs).to.deep.equal([2, 3, 4, 5].map((at) => seqOfQueryAt(evidence, at)));
  });

  it('judges in time order when a query was appended to the log late (read from the capture at the end of the run)', () => {
    const inOrder = run(100, [
      { at: 1, answer: answerA(30) },
      { at: 10, answer: null },
      { at: 40, answer: answerA(30) },
    ]);
    const late = inOrder.events.find((e) => e.type === 'dns.query' && e.t === T0 + 10 * SECOND)!;
    const appended = [...inOrder.events.filter((e) => e !== late), { ...late, seq: inOrder.events.length + 1 }];
    const result = ttlCompliance(new Evidence(appended), FIXTURE_DUT, OPTIONS);
    // The 10 s query comes 9 s after a 30 s answer: premature wherever it sits in the file; never a negative interval.
    expect(result.totals.premature).to.equal(1);
    expect(result.followUps.every((f) => f.seconds === null || f.seconds >= 0)).to.equal(true);
  });

  // A simulated device's process started again, or a power-cycle (a lab device's command, its operator).
  const at = { seq: 0, t: T0 + 3 * SECOND, dut: FIXTURE_DUT, phase: 'baseline' };
  const restarts: Record<string, EvidenceEvent> = {
    'a device start': { ...at, type: 'dut.start', pid: 1, exitCode: null, signal: null },
    'a power-cycle': { ...at, type: 'trigger', trigger: 'power-cycle', action: 'pdu outlet 3 cycle', exitCode: 0 },
  };
  for (const [what, event] of Object.entries(restarts))
    it(`does not hold a re-query after ${what} against answers from before it`, () => {
      const polled = run(
        10,
        [1, 2, 4].map((at) => ({ at, answer: answerA(30) })),
      );
      const events = [...polled.events, event].sort((a, b) => a.t - b.t);
      const result = ttlCompliance(new Evidence(events), FIXTURE_DUT, OPTIONS);
      // 1 s → 2 s is premature; 2 s → (restart) → 4 s is not held against the 2 s answer.
      expect(result.totals).to.include({ requeries: 1, premature: 1 });
    });

  it("sets aside a query the harness read so late it may have left before the answer (the DUT's retry)", () => {
    // The DUT asks at 1 s and, unanswered, again at 1.5 s; the harness stalled and read both at 2 s,
    // answering the first (its answer recorded at 2.002 s), then the retry (at 2.01 s here).
    const polled = run(100, [
      { at: 2, answer: answerA(30) },
      { at: 2.01, answer: answerA(30) },
      { at: 40, answer: answerA(30) },
    ]);
    const late: EvidenceEvent = {
      seq: 0,
      t: T0 + 2.1 * SECOND,
      dut: null,
      phase: 'baseline',
      type: 'harness.lateness',
      since: T0 + 1.1 * SECOND,
      lateMs: 950,
      tickMs: 50,
    };
    const result = ttlCompliance(
      new Evidence([...polled.events, late].sort((a, b) => a.t - b.t)),
      FIXTURE_DUT,
      OPTIONS,
    );
    expect(result.totals).to.include({ requeries: 1, premature: 0, setAside: 1 });
    // Without the lateness, the retry counts as a premature re-query of the first answer.
    expect(ttlCompliance(polled, FIXTURE_DUT, OPTIONS).totals).to.include({ requeries: 2, premature: 1, setAside: 0 });
  });

  it('allows the larger grace: 10% of a 30 s TTL is 3 s', () => {
    const onTime = ttlCompliance(
      run(100, [
        { at: 1, answer: answerA(30) },
        { at: 28.1, answer: answerA(30) },
      ]),
      FIXTURE_DUT,
      OPTIONS,
    );
    expect(onTime.totals.premature).to.equal(0);
    const early = ttlCompliance(
      run(100, [
        { at: 1, answer: answerA(30) },
        { at: 27.9, answer: answerA(30) },
      ]),
      FIXTURE_DUT,
      OPTIONS,
    );
    expect(early.totals.premature).to.equal(1);
    // For a 5 s TTL the 1 s floor applies: a re-query 3.9 s after the answer is early.
    const shortTtl = ttlCompliance(
      run(100, [
        { at: 1, answer: answerA(5) },
        { at: 4.902, answer: answerA(5) },
      ]),
      FIXTURE_DUT,
      OPTIONS,
    );
    expect(shortTtl.totals.premature).to.equal(1);
  });

  it('does not judge answers whose TTL is below the minimum, nor their re-queries', () => {
    const evidence = run(100, [
      { at: 1, answer: answerA(30) },
      { at: 2, answer: answerA(1) },
      { at: 3, answer: answerA(1) },
    ]);
    const result = ttlCompliance(evidence, FIXTURE_DUT, OPTIONS);
    expect(result.rows[0]).to.include({ answers: 3, judged: 1, requeries: 1, premature: 1 });
    expect(result.rows[0]!.ttls).to.deep.equal([1, 30]);
    expect(result.prematureSeqs).to.deep.equal([seqOfQueryAt(evidence, 2)]);
  });

  it('holds only the next query against an answer; unanswered retries after it do not count', () => {
    const evidence = run(100, [
      { at: 1, answer: answerA(30) },
      { at: 2, answer: null },
      { at: 3, answer: null },
      { at: 4, answer: null },
    ]);
    const result = ttlCompliance(evidence, FIXTURE_DUT, OPTIONS);
    expect(result.totals).to.include({ answers: 1, judged: 1, requeries: 1, premature: 1 });
  });

  it('judges an answer without re-query only once min(TTL, followSeconds) of observation followed it', () => {
    const tooShort = ttlCompliance(run(25, [{ at: 1, answer: answerA(30) }]), FIXTURE_DUT, OPTIONS);
    expect(tooShort.totals).to.include({ answers: 1, judged: 0 });
    const fullTtl = ttlCompliance(run(32, [{ at: 1, answer: answerA(30) }]), FIXTURE_DUT, OPTIONS);
    expect(fullTtl.totals).to.include({ answers: 1, judged: 1, requeries: 0 });
    const longTtl = ttlCompliance(run(62, [{ at: 1, answer: answerA(86400) }]), FIXTURE_DUT, OPTIONS);
    expect(longTtl.totals).to.include({ judged: 1 });
    expect(
      ttlCompliance(run(62, [{ at: 1, answer: answerA(86400) }]), FIXTURE_DUT, { ...OPTIONS, followSeconds: 120 })
        .totals.judged,
    ).to.equal(0);
  });

  it('lists every judgeable answer with its re-query or the silence after it, agreeing with the totals', () => {
    // 1 s → 2 s premature; 2 s → 40 s on time; 40 s answer never re-queried (60 s of silence, judged);
    // the 1 s TTL answer at 70 s is below minTtlSeconds and is not listed.
    const evidence = run(100, [
      { at: 1, answer: answerA(30) },
      { at: 2, answer: answerA(30) },
      { at: 40, answer: answerA(30) },
      { at: 70, name: 'short.example', answer: answerA(1, 'short.example') },
    ]);
    const result = ttlCompliance(evidence, FIXTURE_DUT, OPTIONS);
    const answerSeq = (at: number) =>
      evidence.responses(FIXTURE_DUT).find((r) => r.queryRef === seqOfQueryAt(evidence, at))!.seq;
    expect(
      result.followUps.map((f) => [
        f.answerSeq,
        f.ttlSeconds,
        f.requerySeq,
        Number(f.seconds.toFixed(3)),
        f.premature,
        f.judged,
      ]),
    ).to.deep.equal([
      [answerSeq(1), 30, seqOfQueryAt(evidence, 2), 0.998, true, true],
      [answerSeq(2), 30, seqOfQueryAt(evidence, 40), 37.998, false, true],
      [answerSeq(40), 30, null, 59.998, false, true],
    ]);
    expect(result.followUps.filter((f) => f.judged)).to.have.length(result.totals.judged);
    expect(result.followUps.filter((f) => f.premature).map((f) => f.requerySeq)).to.deep.equal(result.prematureSeqs);
  });

  it('keys by case-folded name and type, takes CNAME answers, ignores errors and other DUTs', () => {
    const cname: FixtureAnswer = {
      latency: 2_000,
      rcode: 'NOERROR',
      records: [
        { name: 'Cloud.Example', type: 'CNAME', ttl: 20, data: 'cdn.example' },
        { name: 'cdn.example', type: 'AAAA', ttl: 10, data: '2001:db8::1' },
      ],
    };
    const nxdomain: FixtureAnswer = { latency: 2_000, rcode: 'NXDOMAIN', records: [] };
    const evidence = run(100, [
      { at: 1, name: 'Cloud.Example', type: 'AAAA', answer: cname },
      { at: 2, name: 'cloud.example', type: 'A', answer: answerA(30, 'cloud.example') },
      { at: 5, name: 'cLoUd.example', type: 'AAAA', answer: cname },
      { at: 6, name: 'missing.example', answer: nxdomain },
      { at: 7, name: 'missing.example', answer: nxdomain },
    ]);
    const others: EvidenceEvent[] = evidence.events.map((e) =>
      e.type === 'dns.query' || e.type === 'dns.response' ? { ...e, dut: 'another-dut' } : e,
    );
    const result = ttlCompliance(
      new Evidence([...evidence.events, ...others.map((e) => ({ ...e, seq: e.seq + 1000 }))]),
      FIXTURE_DUT,
      OPTIONS,
    );
    expect(result.rows.map((r) => [r.name, r.type, r.ttls, r.answers, r.requeries, r.premature])).to.deep.equal([
      ['cloud.example', 'A', [30], 1, 0, 0],
      ['cloud.example', 'AAAA', [10], 2, 1, 1],
    ]);
  });
});

describe('grantedTtl', () => {
  const base = run(10, [{ at: 1, answer: answerA(30) }]).responses(FIXTURE_DUT)[0]!;
  const withAnswers = (answers: ResponseEvent['answers'], rcode = 'NOERROR', tc = false): ResponseEvent => ({
    ...base,
    flags: { ...base.flags, rcode, tc },
    answers,
  });

  it('is the smallest TTL among records of the asked type and CNAMEs', () => {
    const records = [
      { name: 'a.example', type: 'CNAME', class: 'IN', ttl: 300, data: 'b.example' },
      { name: 'b.example', type: 'A', class: 'IN', ttl: 60, data: '192.0.2.1' },
      { name: 'b.example', type: 'TXT', class: 'IN', ttl: 5, data: 'x' },
    ];
    expect(grantedTtl(withAnswers(records), 'A')).to.equal(60);
  });

  it('is null for errors, empty answers and truncated responses', () => {
    const record = [{ name: 'a.example', type: 'A', class: 'IN', ttl: 60, data: '192.0.2.1' }];
    expect(grantedTtl(withAnswers(record, 'SERVFAIL'), 'A')).to.equal(null);
    expect(grantedTtl(withAnswers([]), 'A')).to.equal(null);
    expect(grantedTtl(withAnswers(record, 'NOERROR', true), 'A')).to.equal(null);
    expect(grantedTtl(withAnswers(record), 'AAAA')).to.equal(null);
  });
});
