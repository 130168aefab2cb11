/**
 * Writes the evidence fixtures of the checks the adversarial experiments feed (caching under
 * TTL 0, extreme TTLs and a TTL jump, negative caching, back-off, recovery after an outage,
 * record validation, spoofing, late answers, TCP and EDNS fallback, survival, local function
 * while DNS is down) and of the passive EDNS size check, deterministically (fixed clock, no
 * randomness), so re-running it reproduces the committed files byte for byte.
 *
 * For each check a well-behaved stub gives the pass fixture, a badly-behaved one the fail
 * fixture, and a run too short or too thin to decide the inconclusive one; the observation
 * check `validation/resolver-forgery-observed` has an info fixture instead (and `validation/dnssec-validation`
 * one besides: a DUT that never sets DO).
 *
 * Usage: npx tsx scripts/make-device-check-fixtures.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUITES_DIR } from '../lib/checks/discover.ts';
import { FIXTURE_DUT, FixtureRun } from '../suites/fixture-events.ts';
import type { FixtureAnswer, FixtureQuery, FixtureRecord } from '../suites/fixture-events.ts';

/** 2026-01-01T00:00:00Z in µs: a fixed clock so the files never change. */
const T0 = 1_767_225_600_000_000;
const SECOND = 1_000_000;
const MS = 1_000;
/** The canary the fixture profile declares (check-fixtures.spec.ts). */
const CANARY = '127.0.10.250';
const NAMES = ['time.fixture.example', 'api.fixture.example', 'mqtt.fixture.example', 'ntp.fixture.example'];

/** Queries in order get ports and IDs from simple, distinct sequences (these checks do not judge randomness). */
let sequence = 0;

/** A run through consecutive phases of the given experiments and lengths (seconds). */
function phasedRun(id: string, phases: [experiment: string, seconds: number, scenario: string][]): FixtureRun {
  sequence = 0; // each file stands alone: changing one fixture leaves the others as they are
  let t = T0 + SECOND;
  const windows = phases.map(([experiment, seconds, scenario]) => {
    const window = { name: experiment, experiment, start: t, end: t + seconds * SECOND, scenario };
    t = window.end + MS;
    return window;
  });
  return new FixtureRun(id, T0, t + SECOND, windows);
}

function query(t: number, name: string, extra: Partial<FixtureQuery> = {}): FixtureQuery {
  sequence += 1;
  return {
    t,
    name,
    type: 'A',
    sourcePort: 40_000 + ((sequence * 7919) % 20_000),
    txid: (sequence * 40_503) % 65_536,
    ednsUdpSize: 1232,
    ...extra,
  };
}

const a = (name: string, ttl: number, data = '127.0.10.201'): FixtureRecord => ({ name, type: 'A', ttl, data });
const ok = (records: FixtureRecord[], manipulations: string[] = []): FixtureAnswer => ({
  latency: 800,
  rcode: 'NOERROR',
  records,
  manipulations,
});
const soa: FixtureRecord = {
  name: 'fixture.example',
  type: 'SOA',
  ttl: 3600,
  data: {
    mname: 'ns.fixture.example',
    rname: 'hostmaster.fixture.example',
    serial: 1,
    refresh: 3600,
    retry: 600,
    expire: 86400,
    minimum: 60,
  },
};

/** `every` seconds from `from` until `until` (seconds into the phase). */
function times(start: number, from: number, every: number, until: number): number[] {
  const out: number[] = [];
  for (let s = from; s < until; s += every) out.push(start + Math.round(s * SECOND));
  return out;
}

const fixtures: Record<string, Record<string, FixtureRun>> = {};

// caching/ttl-zero-no-storm: a minimum cache time of 1 s vs re-asking every 100 ms.
{
  const make = (id: string, names: string[], every: number, seconds: number, limit = Infinity) => {
    const run = phasedRun(id, [['ttl-zero', seconds, 'ttl(0)']]);
    let count = 0;
    for (const name of names) {
      for (const t of times(run.phases[0]!.start, 0.3, every, seconds - 0.1)) {
        if (count++ >= limit) break;
        run.exchange(query(t, name), ok([a(name, 0)], ['ttl']));
      }
    }
    return run;
  };
  fixtures['caching/ttl-zero-no-storm'] = {
    pass: make('ttl-zero-good', NAMES.slice(0, 3), 1.2, 20),
    // A storm of 40 queries in 4 s, then the window runs on: still 4 per second over the span.
    fail: make('ttl-zero-bad', NAMES.slice(0, 1), 0.1, 10, 40),
    inconclusive: make('ttl-zero-thin', NAMES.slice(0, 1), 1.2, 20, 2),
  };
}

// caching/extreme-ttl-capped: the fixture DUT declares a 60 s cap.
{
  const make = (id: string, seconds: number, requeryAfter: { huge: number | null; topBit: number | null }) => {
    const run = phasedRun(id, [
      ['ttl-huge', seconds, 'ttl(1000000000)'],
      ['ttl-top-bit', seconds, 'ttl(2147483648)'],
    ]);
    const [huge, topBit] = run.phases;
    for (const [phase, ttl, after] of [
      [huge!, 1e9, requeryAfter.huge],
      [topBit!, 2 ** 31, requeryAfter.topBit],
    ] as const) {
      for (const [i, name] of NAMES.slice(0, 2).entries()) {
        // A capping device asks again each time its capped lifetime runs out; a pinning one asks once.
        for (let t = phase.start + (1 + i) * SECOND; t < phase.end - 100 * MS; t += (after ?? Infinity) * SECOND) {
          run.exchange(query(t, name), ok([a(name, ttl)], ['ttl']));
        }
      }
    }
    return run;
  };
  fixtures['caching/extreme-ttl-capped'] = {
    // Capped at 60 s for 10⁹; the top bit taken as 0 (RFC 2181 §8) and the device's own 6 s minimum.
    pass: make('extreme-ttl-good', 90, { huge: 60.5, topBit: 6 }),
    fail: make('extreme-ttl-bad', 90, { huge: null, topBit: null }),
    // Nobody asked again, but the phases ended before the cap could run out.
    inconclusive: make('extreme-ttl-short', 30, { huge: null, topBit: null }),
  };
}

// caching/ttl-jump-not-pinned: names stable at TTL 30, then TTL 10⁹ and the canary (the fixture DUT declares a 60 s cap).
{
  const make = (id: string, seconds: number, requeryAfter: number | null) => {
    const run = phasedRun(id, [
      ['baseline', 40, 'pass-through'],
      ['ttl-jump', seconds, `ttl(1000000000)|forgeA(${CANARY})`],
    ]);
    const [stable, jump] = run.phases;
    for (const [i, name] of NAMES.slice(0, 2).entries()) {
      for (const t of times(stable!.start, 1 + i, 30, 40)) run.exchange(query(t, name), ok([a(name, 30)]));
      // A device that re-validates asks again at its next need; a pinning one asks once.
      for (let t = jump!.start + (1 + i) * SECOND; t < jump!.end - 100 * MS; t += (requeryAfter ?? Infinity) * SECOND) {
        run.exchange(query(t, name), ok([a(name, 1e9, CANARY)], ['ttl', 'forgeA']));
      }
    }
    return run;
  };
  fixtures['caching/ttl-jump-not-pinned'] = {
    pass: make('ttl-jump-good', 90, 5),
    fail: make('ttl-jump-bad', 90, null),
    // Nobody asked again, but the phase ended before the cap could run out.
    inconclusive: make('ttl-jump-short', 30, null),
  };
}

// caching/negative-answers-cached: NXDOMAIN with an SOA whose MINIMUM is 60 s.
{
  const nx: FixtureAnswer = {
    latency: 700,
    rcode: 'NXDOMAIN',
    records: [],
    authority: [soa],
    manipulations: ['rcode'],
  };
  const make = (id: string, names: string[], every: number | null) => {
    const run = phasedRun(id, [['nxdomain', 30, 'rcode(NXDOMAIN)']]);
    for (const [i, name] of names.entries()) {
      const asks =
        every === null
          ? [run.phases[0]!.start + (1 + i) * SECOND]
          : times(run.phases[0]!.start, 1 + i * 0.1, every, 10);
      for (const t of asks) run.exchange(query(t, name), nx);
    }
    return run;
  };
  fixtures['caching/negative-answers-cached'] = {
    pass: make('nxdomain-good', NAMES, null),
    fail: make('nxdomain-bad', NAMES.slice(0, 2), 0.5),
    inconclusive: make('nxdomain-thin', NAMES.slice(0, 2), null),
  };
}

// resilience/failure-backoff: hold-downs of 1, 2, 4, 8 s vs a fixed 200 ms retry.
{
  const servfail: FixtureAnswer = { latency: 600, rcode: 'SERVFAIL', records: [], manipulations: ['rcode'] };
  const make = (id: string, offsets: number[], names = NAMES.slice(0, 2)) => {
    const run = phasedRun(id, [
      ['servfail', 30, 'rcode(SERVFAIL)'],
      ['resolver-silent', 30, 'drop()'],
    ]);
    const [failing, silent] = run.phases;
    for (const name of names) {
      for (const s of offsets) run.exchange(query(failing!.start + s * SECOND, name), servfail);
      for (const s of offsets) run.exchange(query(silent!.start + s * SECOND, name), null);
    }
    return run;
  };
  fixtures['resilience/failure-backoff'] = {
    pass: make('backoff-good', [0.5, 1.5, 3.5, 7.5, 15.5]),
    fail: make(
      'backoff-bad',
      Array.from({ length: 40 }, (_, i) => 0.5 + i * 0.2),
    ),
    // One query in each phase: too few to show the device was running at all.
    inconclusive: make('backoff-thin', [0.5], NAMES.slice(0, 1)),
  };
}

// resilience/no-storm-after-recovery: four names every 2 s; after REFUSED, the same pace again or a burst of kept lookups.
{
  const refused: FixtureAnswer = { latency: 600, rcode: 'REFUSED', records: [], manipulations: ['rcode'] };
  const make = (id: string, phases: [string, number, string][], burst: number) => {
    const run = phasedRun(id, phases);
    for (const phase of run.phases) {
      const outage = phase.name === 'refused';
      for (const [i, name] of NAMES.entries()) {
        // A careful device backs off under REFUSED: each name asked at 1, 3 and 7 s.
        const asks = outage
          ? [1, 3, 7].map((s) => phase.start + (s + i * 0.1) * SECOND)
          : times(phase.start, 0.3 + i * 0.5, 2, (phase.end - phase.start) / SECOND - 0.1);
        for (const t of asks) run.exchange(query(t, name), outage ? refused : ok([a(name, 2)]));
        if (phase.name === 'recovery') {
          for (let k = 0; k < burst; k += 1)
            run.exchange(query(phase.start + (100 + i * 20 + k) * MS, name), ok([a(name, 2)]));
        }
      }
    }
    return run;
  };
  const outageThenRecovery: [string, number, string][] = [
    ['baseline', 30, 'pass-through'],
    ['refused', 15, 'rcode(REFUSED)'],
    ['recovery', 20, 'pass-through'],
  ];
  fixtures['resilience/no-storm-after-recovery'] = {
    pass: make('recovery-good', outageThenRecovery, 0),
    // Ten kept lookups of each name fired in the first 200 ms.
    fail: make('recovery-bad', outageThenRecovery, 10),
    // The recovery phase does not follow an outage: nothing to recover from.
    inconclusive: make(
      'recovery-no-outage',
      [
        ['baseline', 30, 'pass-through'],
        ['recovery', 20, 'pass-through'],
      ],
      0,
    ),
    'not-assessed': make(
      'recovery-none',
      [
        ['baseline', 30, 'pass-through'],
        ['refused', 15, 'rcode(REFUSED)'],
      ],
      0,
    ),
  };
}

// validation/invalid-records-not-used: MX to an A query, and an A record for another name in the additional section.
{
  const mx = (name: string): FixtureAnswer =>
    ok([{ name, type: 'MX', ttl: 300, data: { preference: 10, exchange: 'mx.dnsconform.invalid' } }], ['wrongType']);
  const extra = (name: string): FixtureAnswer => ({
    ...ok([a(name, 30)], ['unsolicitedAdditional']),
    additional: [a('evil.fixture.example', 300, CANARY)],
  });
  const make = (id: string, names: string[], bad: boolean) => {
    const run = phasedRun(id, [
      ['wrong-type-mx', 10, 'wrongType(MX)'],
      ['unsolicited-additional', 10, 'unsolicitedAdditional(evil.fixture.example,127.0.10.250)'],
    ]);
    const [wrongType, unsolicited] = run.phases;
    for (const [i, name] of names.entries()) {
      const t = wrongType!.start + (1 + i) * SECOND;
      run.exchange(query(t, name), mx(name));
      if (bad)
        run.exchange(query(t + 5 * MS, 'mx.dnsconform.invalid'), {
          latency: 500,
          rcode: 'NXDOMAIN',
          records: [],
          authority: [soa],
        });
      const u = unsolicited!.start + (1 + i) * SECOND;
      run.exchange(query(u, name), extra(name));
      if (bad) run.canaryContact(u + 3 * MS, { address: CANARY, port: 8443 }, 41_000 + i);
    }
    return run;
  };
  fixtures['validation/invalid-records-not-used'] = {
    pass: make('invalid-records-good', NAMES.slice(0, 3), false),
    fail: make('invalid-records-bad', NAMES.slice(0, 3), true),
    inconclusive: make('invalid-records-thin', NAMES.slice(0, 1), false),
  };
}

// validation/spoofed-answers-rejected: three spoofs raced ahead of each real answer.
{
  const make = (id: string, names: string[], acceptWrongTxid: boolean) => {
    const run = phasedRun(id, [['spoof-race', 10, 'spoofRace(127.0.10.250)']]);
    for (const [i, name] of names.entries()) {
      const q = query(run.phases[0]!.start + (1 + i) * SECOND, name);
      const spoof = (latency: number, extra: Partial<FixtureAnswer>): FixtureAnswer => ({
        ...ok([a(name, 300, CANARY)], ['spoofRace']),
        latency,
        ...extra,
      });
      run.exchange(q, [
        spoof(200, { txid: (q.txid + 1) % 65_536 }),
        spoof(300, {}),
        spoof(400, {}),
        { ...ok([a(name, 30)]), latency: 1_500 },
      ]);
      if (acceptWrongTxid) run.canaryContact(q.t + 250, { address: CANARY, port: 8443 }, 42_000 + i);
    }
    return run;
  };
  fixtures['validation/spoofed-answers-rejected'] = {
    pass: make('spoof-good', NAMES.slice(0, 3), false),
    fail: make('spoof-bad', NAMES.slice(0, 3), true),
    inconclusive: make('spoof-thin', [], false),
  };
}

// resilience/first-answer-only: the genuine answer, then a fully matching late one pointing at the canary.
{
  const make = (id: string, names: string[], takesLast: boolean) => {
    const run = phasedRun(id, [['late-answers', 10, `lateAnswers(${CANARY}, 3)`]]);
    for (const [i, name] of names.entries()) {
      const q = query(run.phases[0]!.start + (1 + i * 0.5) * SECOND, name);
      run.exchange(q, [
        ok([a(name, 30)]),
        { ...ok([a(name, 300, CANARY)], [`lateAnswers(${CANARY}, 3)`]), latency: 900 },
      ]);
      if (takesLast) run.canaryContact(q.t + 60 * MS, { address: CANARY, port: 8443 }, 44_000 + i);
    }
    return run;
  };
  const eight = [...NAMES, ...NAMES.map((n) => n.replace('.fixture', '-2.fixture'))];
  fixtures['resilience/first-answer-only'] = {
    pass: make('late-good', eight, false),
    fail: make('late-bad', eight, true),
    inconclusive: make('late-thin', NAMES.slice(0, 2), false),
  };
}

// validation/resolver-forgery-observed: the resolver's own forged A answer, used (as the paper found most devices do).
{
  const run = phasedRun('resolver-forgery', [['forged-a', 10, 'forgeA(127.0.10.250)']]);
  for (const [i, name] of NAMES.slice(0, 3).entries()) {
    const t = run.phases[0]!.start + (1 + i) * SECOND;
    run.exchange(query(t, name), ok([a(name, 300, CANARY)], ['forgeA']));
    run.canaryContact(t + 2 * MS, { address: CANARY, port: 8443 }, 43_000 + i);
  }
  const none = phasedRun('resolver-forgery-none', [['forged-a', 10, 'forgeA(127.0.10.250)']]);
  fixtures['validation/resolver-forgery-observed'] = { info: run, inconclusive: none };
}

// validation/dnssec-validation: bogus answers for the signed zone, three variants in turn, then AD on forged data.
// The fixture profile declares DNSSEC validation (IXIT), so a DUT that uses a bogus answer FAILs.
{
  const BOGUS = ['127.0.10.250', '127.0.10.251', '127.0.10.252'];
  const DOWNGRADE = '127.0.10.253';
  const bogusStep = `dnssecBogus(${BOGUS.join(', ')})`;
  const downgradeStep = `dnssecDowngrade(${DOWNGRADE})`;
  const rrsig = (name: string, expiration: number): FixtureRecord => ({
    name,
    type: 'RRSIG',
    ttl: 30,
    data: {
      typeCovered: 'A',
      algorithm: 13,
      labels: 3,
      originalTTL: 30,
      expiration,
      inception: expiration - 30 * 86_400,
      keyTag: 4242,
      signersName: 'fixture.example',
      signature: Buffer.alloc(64, 7),
    },
  });
  const VALID = T0 / SECOND + 30 * 86_400;
  const EXPIRED = T0 / SECOND - 7 * 86_400;
  /** `variants`: how many bogus answers in turn; `dnssecOk`: the DUT's DO bit; `uses`: it contacts the canary it is given. */
  const make = (id: string, variants: number, dnssecOk: boolean, uses: boolean) => {
    const run = phasedRun(id, [
      ['dnssec-bogus', 10, bogusStep],
      ['dnssec-downgrade', 5, downgradeStep],
    ]);
    const [bogusPhase, downgradePhase] = run.phases;
    for (let i = 0; i < variants; i += 1) {
      const name = NAMES[i % NAMES.length]!;
      const t = bogusPhase!.start + (1 + i) * SECOND;
      const canary = BOGUS[i % 3]!;
      const signatures = !dnssecOk || i % 3 === 1 ? [] : [rrsig(name, i % 3 === 2 ? EXPIRED : VALID)];
      run.exchange(query(t, name, { dnssecOk }), ok([a(name, 30, canary), ...signatures], [bogusStep]));
      if (uses) run.canaryContact(t + 2 * MS, { address: canary, port: 8443 }, 43_000 + i);
      // A validator asks for the key it checks the signature with.
      if (dnssecOk && i === 0)
        run.exchange(query(t + MS, 'fixture.example', { type: 'DNSKEY', dnssecOk, checkingDisabled: true }), ok([]));
    }
    const t = downgradePhase!.start + SECOND;
    run.exchange(query(t, NAMES[0]!, { dnssecOk }), {
      ...ok([a(NAMES[0]!, 30, DOWNGRADE)], [downgradeStep]),
      ad: true,
    });
    if (uses) run.canaryContact(t + 2 * MS, { address: DOWNGRADE, port: 8443 }, 44_000);
    return run;
  };
  fixtures['validation/dnssec-validation'] = {
    pass: make('dnssec-validating', 6, true, false),
    fail: make('dnssec-not-validating', 6, false, true),
    inconclusive: make('dnssec-thin', 2, true, false),
    info: make('dnssec-no-do', 6, false, false),
  };
}

// transport/tcp-fallback-on-truncation: TC=1 over UDP, then the same question over TCP.
{
  const make = (id: string, names: string[], tcp: boolean) => {
    const run = phasedRun(id, [['truncation', 15, 'truncate()']]);
    for (const [i, name] of names.entries()) {
      const t = run.phases[0]!.start + (1 + i) * SECOND;
      run.exchange(query(t, name), { ...ok([], ['truncate']), tc: true });
      if (tcp) run.exchange(query(t + 40 * MS, name, { transport: 'tcp' }), ok([a(name, 30)]));
    }
    return run;
  };
  fixtures['transport/tcp-fallback-on-truncation'] = {
    pass: make('truncation-good', NAMES, true),
    fail: make('truncation-bad', NAMES, false),
    inconclusive: make('truncation-thin', NAMES.slice(0, 2), true),
  };
}

// transport/edns-fallback-on-formerr: FORMERR (without OPT) to an EDNS query, then the question without EDNS.
{
  const make = (id: string, names: string[], fallback: boolean) => {
    const run = phasedRun(id, [['formerr-on-edns', 15, 'formerrOnEdns()']]);
    for (const [i, name] of names.entries()) {
      const t = run.phases[0]!.start + (1 + i) * SECOND;
      run.exchange(query(t, name, { ednsUdpSize: fallback ? 1232 : 4096 }), {
        latency: 600,
        rcode: 'FORMERR',
        records: [],
        manipulations: ['formerrOnEdns'],
        withoutEdns: true,
      });
      if (fallback) run.exchange(query(t + 20 * MS, name, { ednsUdpSize: null }), ok([a(name, 30)]));
    }
    return run;
  };
  fixtures['transport/edns-fallback-on-formerr'] = {
    pass: make('formerr-good', NAMES, true),
    fail: make('formerr-bad', NAMES, false),
    inconclusive: make('formerr-thin', NAMES.slice(0, 1), true),
  };
}

// resilience/survives-amplification: a TCP liveness probe each second; the bad device's service dies under ×100.
{
  const make = (id: string, probe: 'alive' | 'dies' | 'none') => {
    const run = phasedRun(id, [
      ['amplify-10', 10, 'amplify(10)'],
      ['flood-100', 10, 'flood(100)'],
    ]);
    run.phases.forEach((phase, p) => {
      for (const [i, t] of times(phase.start, 0.5, 1, 10).entries()) {
        if (probe !== 'none') run.liveness(t, probe === 'alive' || (p === 0 && i < 3));
        if (i % 3 === 0)
          run.exchange(
            query(t + 100 * MS, NAMES[0]!),
            ok(
              Array.from({ length: 10 }, () => a(NAMES[0]!, 30)),
              ['amplify'],
            ),
          );
      }
    });
    return run;
  };
  fixtures['resilience/survives-amplification'] = {
    pass: make('survival-good', 'alive'),
    fail: make('survival-bad', 'dies'),
    inconclusive: make('survival-no-probe', 'none'),
  };
}

// resilience/works-while-dns-down: a TCP probe of the device's service each second while the resolver is silent or failing.
{
  const make = (id: string, service: 'alive' | 'down' | 'queries only') => {
    const run = phasedRun(id, [
      ['resolver-silent', 10, 'drop()'],
      ['servfail', 10, 'rcode(SERVFAIL)'],
    ]);
    const servfail: FixtureAnswer = { latency: 600, rcode: 'SERVFAIL', records: [], manipulations: ['rcode'] };
    run.phases.forEach((phase, p) => {
      for (const [i, t] of times(phase.start, 0.5, 1, 10).entries()) {
        // The queries probe (still asking DNS) is alive throughout; it says nothing of local functions.
        run.observe({
          type: 'liveness.probe',
          t: t + 50 * MS,
          dut: FIXTURE_DUT,
          phase: phase.name,
          probe: 'queries',
          target: FIXTURE_DUT,
          alive: true,
          latencyMs: 400,
          detail: null,
        });
        if (service !== 'queries only') run.liveness(t, service === 'alive' || (p === 0 && i < 2));
        if (i % 2 === 0) run.exchange(query(t + 100 * MS, NAMES[0]!), p === 0 ? null : servfail);
      }
    });
    return run;
  };
  fixtures['resilience/works-while-dns-down'] = {
    pass: make('dns-down-good', 'alive'),
    fail: make('dns-down-bad', 'down'),
    inconclusive: make('dns-down-no-probe', 'queries only'),
  };
}

// transport/edns-payload-size: EDNS 1232 (one retry without EDNS after FORMERR) vs the old 4096 default.
{
  const make = (id: string, count: number, size: number | null) => {
    const run = phasedRun(id, [['baseline', 30, 'pass-through']]);
    for (const [i, t] of times(run.phases[0]!.start, 0.5, 1.5, 30).slice(0, count).entries()) {
      const name = NAMES[i % NAMES.length]!;
      run.exchange(query(t, name, { ednsUdpSize: i === 3 ? null : size }), ok([a(name, 30)]));
    }
    return run;
  };
  fixtures['transport/edns-payload-size'] = {
    pass: make('edns-size-good', 16, 1232),
    fail: make('edns-size-bad', 16, 4096),
    inconclusive: make('edns-size-thin', 5, 1232),
  };
}

for (const [check, kinds] of Object.entries(fixtures)) {
  const slash = check.lastIndexOf('/');
  for (const [kind, run] of Object.entries(kinds)) {
    const file = join(SUITES_DIR, check.slice(0, slash), 'fixtures', `${check.slice(slash + 1)}.${kind}.ndjson`);
    const text = run.ndjson();
    writeFileSync(file, text);
    console.log(`${file}: ${text.split('\n').length - 1} events, ${Buffer.byteLength(text)} bytes`);
  }
}
