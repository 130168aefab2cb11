/**
 * Every check against its own fixtures: the pass fixture must PASS, the fail fixture must
 * FAIL, the inconclusive fixture (too little evidence) INCONCLUSIVE, and the info and
 * not-assessed fixtures (where a check has them) INFO and INCONCLUSIVE saying "Not assessed". A check without pass,
 * fail and inconclusive fixtures fails here, so no check ships untested. The fixtures
 * themselves are held to the evidence contract: complete runs whose wire bytes decode to
 * the fields logged beside them.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import {
  FIXTURE_KINDS,
  FIXTURE_VERDICTS,
  fixtureFiles,
  fixtureOf,
  fixturesOf,
  requiredFixtureKinds,
} from '../lib/checks/check-fixtures.ts';
import { isNotAssessed } from '../lib/checks/check-types.ts';
import { discoverChecks, SUITES_DIR } from '../lib/checks/discover.ts';
import type { CheckContext, Verdict } from '../lib/checks/check-types.ts';
import { decodeMessage } from '../lib/dns/codec.ts';
import { summariseEdns, summariseFlags, summariseQuestions } from '../lib/dns/summarise.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import { parseProfile } from '../lib/profile/load-profile.ts';
import { SIGNED_APEX } from './device-fixtures.ts';
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT } from './fixture-events.ts';

/** The fixture DUT as a lab would declare it, validated by the profile schema like any profile. */
const FIXTURE_PROFILE = parseProfile(
  JSON.stringify({
    profileVersion: 1,
    description: 'The device the check fixtures were recorded from.',
    dut: {
      id: FIXTURE_DUT,
      vendor: 'dnsconform fixtures',
      model: 'Fixture stub',
      addresses: [FIXTURE_CLIENT_ADDRESS],
      state: 'initialised',
    },
    device: { kind: 'lab' },
    resolver: { listen: [{ transport: 'udp', address: '127.0.10.1', port: 53 }] },
    zone: [{ name: 'time.fixture.example', type: 'A', ttl: 30, data: '127.0.10.201' }],
    scenario: [],
    canaries: ['127.0.10.250'],
    // The fixture DUT declares a 60 s TTL cap (IXIT), so extreme-TTL fixtures need not span 7 days,
    // and DNSSEC validation, so using a bogus answer FAILs.
    ixit: { ttlCapSeconds: 60, dnssecValidation: true },
    // A signed zone of its own, so rules can tell an answer a validating DUT must refuse.
    signedZone: { apex: SIGNED_APEX },
    observe: { windowSeconds: 180 },
  }),
  'fixture-dut profile',
);

const CONTEXT: CheckContext = { dutId: FIXTURE_DUT, profile: FIXTURE_PROFILE, eventsFile: 'events.ndjson' };

const checks = await discoverChecks();

describe('check fixtures', () => {
  it('finds the checks under suites/', () => {
    expect(checks.map((c) => c.id)).to.include.members([
      'caching/ttl-honoured',
      'randomness/source-port-randomised',
      'randomness/transaction-id-randomised',
      'resolver-use/assigned-resolver-only',
      'encryption/encrypted-dns',
    ]);
  });

  for (const check of checks) {
    describe(check.id, () => {
      const required = requiredFixtureKinds(check.file);
      for (const kind of FIXTURE_KINDS) {
        const verdict = FIXTURE_VERDICTS[kind];
        const main = fixtureOf(check.file, kind);
        // The required fixture (missing ones fail here) and every variant of the kind beside it.
        const files = [...new Set([...(required.includes(kind) ? [main] : []), ...fixturesOf(check.file, kind)])];
        for (const file of files)
          it(`gives ${verdict} on ${basename(file)}`, () => {
            expect(existsSync(file), `missing fixture ${file}`).to.equal(true);
            // As the mocha binding does: the check sees only the phases of its experiments.
            const outcome = check.judge(loadEvidence(file).forExperiments(check.meta.experiments), CONTEXT);
            expect(outcome.verdict, `${outcome.expected}\n${outcome.observed}`).to.equal(verdict);
            // Not assessed and too little evidence are both INCONCLUSIVE; the words tell them apart.
            if (verdict === 'INCONCLUSIVE')
              expect(isNotAssessed(outcome), outcome.observed).to.equal(kind === 'not-assessed');
            expect(outcome.observed).to.match(/\d/);
            for (const ref of outcome.evidence) {
              if (ref.kind === 'events') expect(ref.seqs.length).to.be.at.most(Math.min(20, ref.count));
            }
          });
      }
    });
  }
});

describe('checks judge by the parameters their metadata prints', () => {
  /** Parameters changed on the loaded metadata, and the verdict the pass fixture must then get. */
  const cases: { id: string; overrides: Record<string, number>; verdict: Verdict }[] = [
    { id: 'randomness/source-port-randomised', overrides: { minSamples: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'randomness/source-port-randomised', overrides: { minStdev: 20000 }, verdict: 'FAIL' },
    { id: 'randomness/transaction-id-randomised', overrides: { maxTopShare: 0.001 }, verdict: 'FAIL' },
    { id: 'caching/ttl-honoured', overrides: { minJudgedAnswers: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'resolver-use/assigned-resolver-only', overrides: { minQueries: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'encryption-upgrade/uses-offered-encryption', overrides: { minQueries: 1000 }, verdict: 'INCONCLUSIVE' },
    // Judging only from 100 s after the DDR answer leaves no query in the 90 s window.
    { id: 'encryption-upgrade/uses-offered-encryption', overrides: { graceSeconds: 100 }, verdict: 'INCONCLUSIVE' },
    { id: 'encryption/encrypted-queries-padded', overrides: { paddingBlock: 96 }, verdict: 'FAIL' },
    { id: 'encryption/encrypted-queries-padded', overrides: { minQueries: 1000 }, verdict: 'INCONCLUSIVE' },
    {
      id: 'encryption-upgrade/no-cleartext-downgrade',
      overrides: { minEncryptedQueries: 1000 },
      verdict: 'INCONCLUSIVE',
    },
    { id: 'caching/ttl-honoured', overrides: { minTtlSeconds: 1000 }, verdict: 'INCONCLUSIVE' },
    // A negative grace asks the stub to wait far beyond the TTL, which the good stub does not.
    { id: 'caching/ttl-honoured', overrides: { graceSeconds: -100, graceFraction: -10 }, verdict: 'FAIL' },
    { id: 'caching/ttl-zero-no-storm', overrides: { maxQueriesPerSecond: 0.1 }, verdict: 'FAIL' },
    { id: 'caching/extreme-ttl-capped', overrides: { minJudgedAnswers: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'caching/ttl-jump-not-pinned', overrides: { minJudgedAnswers: 1000 }, verdict: 'INCONCLUSIVE' },
    // A grace below minus the cap: even the next need's query comes too late.
    { id: 'caching/ttl-jump-not-pinned', overrides: { graceSeconds: -58 }, verdict: 'FAIL' },
    { id: 'caching/negative-answers-cached', overrides: { followSeconds: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'caching/negative-answers-cached', overrides: { minJudgedAnswers: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'resilience/failure-backoff', overrides: { maxQueriesPerSecond: 0.1, minGrowth: 100 }, verdict: 'FAIL' },
    { id: 'resilience/failure-backoff', overrides: { minTotalQueries: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'resilience/survives-amplification', overrides: { minSamples: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'resilience/works-while-dns-down', overrides: { minSamples: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'resilience/no-storm-after-recovery', overrides: { maxRateFactor: 0.1 }, verdict: 'FAIL' },
    { id: 'resilience/no-storm-after-recovery', overrides: { minWindowSeconds: 100 }, verdict: 'INCONCLUSIVE' },
    { id: 'transport/tcp-fallback-on-truncation', overrides: { retrySeconds: 0.001 }, verdict: 'FAIL' },
    { id: 'transport/edns-fallback-on-formerr', overrides: { minJudged: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'transport/edns-payload-size', overrides: { maxAdvertisedSize: 1000 }, verdict: 'FAIL' },
    { id: 'transport/edns-payload-size', overrides: { minQueries: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'validation/invalid-records-not-used', overrides: { minForgedResponses: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'validation/spoofed-answers-rejected', overrides: { minSpoofedResponses: 1000 }, verdict: 'INCONCLUSIVE' },
    { id: 'resilience/first-answer-only', overrides: { minRaces: 1000 }, verdict: 'INCONCLUSIVE' },
  ];
  for (const { id, overrides, verdict } of cases) {
    it(`${id}: ${JSON.stringify(overrides)} turns the pass fixture ${verdict}`, () => {
      const check = checks.find((c) => c.id === id);
      if (!check) throw new Error(`no check ${id}`);
      const parameters = check.meta.decisionRule.parameters;
      const original = { ...parameters };
      for (const name of Object.keys(overrides)) expect(parameters[name], name).to.be.a('number');
      Object.assign(parameters, overrides);
      try {
        expect(check.judge(loadEvidence(fixtureOf(check.file, 'pass')), CONTEXT).verdict).to.equal(verdict);
      } finally {
        Object.assign(parameters, original);
      }
    });
  }
});

describe('fixture evidence files', () => {
  const files = fixtureFiles(SUITES_DIR);

  for (const file of files) {
    it(`${file.slice(SUITES_DIR.length + 1)} is a complete run whose events lie in its phases and whose wire bytes match its fields`, () => {
      const evidence = loadEvidence(file);
      const types = evidence.events.map((e) => e.type);
      expect(types[0]).to.equal('run.start');
      expect(types.at(-1)).to.equal('run.end');
      const phases = evidence.phases();
      expect(phases.length).to.be.at.least(1);
      for (const event of evidence.events) {
        // Run-level events (start, end, the resolver's listeners) belong to no phase.
        if (event.phase === null) continue;
        const phase = phases.find((p) => p.name === event.phase);
        expect(phase, `seq ${event.seq} is in no phase`).to.not.equal(undefined);
        expect(event.t, `seq ${event.seq} lies outside phase ${event.phase}`).to.be.within(phase!.start, phase!.end);
      }
      evidence.events.forEach((event, i) => expect(event.seq).to.equal(i + 1));
      for (const event of evidence.events) {
        if (event.type !== 'dns.query' && event.type !== 'dns.response') continue;
        expect(event.dut).to.equal(FIXTURE_DUT);
        const wire = Buffer.from(event.wire, 'base64');
        const decoded = decodeMessage(wire);
        if (!decoded.ok) throw new Error(`seq ${event.seq}: ${decoded.error}`);
        expect(wire.length, `seq ${event.seq}`).to.equal(event.size);
        expect(decoded.message.id, `seq ${event.seq}`).to.equal(event.txid);
        expect(summariseFlags(decoded.message), `seq ${event.seq}`).to.deep.equal(event.flags);
        expect(summariseQuestions(decoded.message), `seq ${event.seq}`).to.deep.equal(event.questions);
        expect(summariseEdns(decoded.message), `seq ${event.seq}`).to.deep.equal(event.edns);
        if (event.type === 'dns.response') {
          const query = evidence.events[event.queryRef - 1];
          expect(query?.type, `seq ${event.seq} answers ${event.queryRef}`).to.equal('dns.query');
          expect(event.t).to.be.greaterThan(query!.t);
        }
      }
    });
  }
});
