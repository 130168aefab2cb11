import { expect } from 'chai';
import type { CheckContext } from '../lib/checks/check-types.ts';
import { Evidence } from '../lib/evidence/evidence.ts';
import { parseProfile } from '../lib/profile/load-profile.ts';
import { a, ok, phasedRun, query, rrsig, SECOND, SIGNED_APEX, soa } from './device-fixtures.ts';
import type { FixtureAnswer, FixtureQuery } from './fixture-events.ts';
import { FIXTURE_CLIENT_ADDRESS, FIXTURE_DUT } from './fixture-events.ts';
import { queriesWithDo, refusedAsBogus } from './dnssec-refusal.ts';

/** The fixture DUT, validating or not, with the fixture profile's signed zone. */
function context(dnssecValidation: boolean): CheckContext {
  const profile = parseProfile(
    JSON.stringify({
      profileVersion: 1,
      dut: {
        id: FIXTURE_DUT,
        vendor: 'dnsconform fixtures',
        model: 'Fixture stub',
        addresses: [FIXTURE_CLIENT_ADDRESS],
      },
      device: { kind: 'lab' },
      resolver: { listen: [{ transport: 'udp', address: '127.0.10.1', port: 53 }] },
      zone: [],
      canaries: ['127.0.10.250'],
      ixit: { dnssecValidation },
      signedZone: { apex: SIGNED_APEX },
    }),
    'dnssec-refusal spec profile',
  );
  return { dutId: FIXTURE_DUT, profile, eventsFile: 'events.ndjson' };
}

const MISSING = `status.${SIGNED_APEX}`;
const nx = (authority: FixtureAnswer['authority']): FixtureAnswer => ({
  latency: 700,
  rcode: 'NXDOMAIN',
  records: [],
  authority,
});
const nsec = {
  name: SIGNED_APEX,
  type: 'NSEC' as const,
  ttl: 60,
  data: { nextDomain: `www.${SIGNED_APEX}`, rrtypes: ['SOA'] },
};
const apexSoa = { ...soa, name: SIGNED_APEX };

/** Whether the validating (or not) fixture DUT refuses the one answer to `asked`. */
function refused(asked: Partial<FixtureQuery> & { name: string }, answer: FixtureAnswer, validating = true): boolean {
  const run = phasedRun('dnssec-refusal-spec', [['baseline', 10, 'pass-through']]);
  run.exchange(query(run.phases[0]!.start + SECOND, asked.name, { dnssecOk: true, ...asked }), answer);
  const evidence = new Evidence(run.events());
  const [response] = evidence.responses(FIXTURE_DUT);
  return refusedAsBogus(context(validating), queriesWithDo(evidence, FIXTURE_DUT))(response!);
}

describe('suites/dnssec-refusal (answers a validating DUT refuses as bogus)', () => {
  it('refuses an address under the signed apex that no RRSIG covers, not one that is signed', () => {
    expect(refused({ name: SIGNED_APEX }, ok([a(SIGNED_APEX, 30)]))).to.equal(true);
    expect(refused({ name: SIGNED_APEX }, ok([a(SIGNED_APEX, 30), rrsig(SIGNED_APEX, 'A', 30)]))).to.equal(false);
  });

  it('refuses a negative answer without a denial proof, or with one no RRSIG covers; not a signed NSEC proof', () => {
    expect(refused({ name: MISSING }, nx([soa]))).to.equal(true);
    expect(refused({ name: MISSING }, nx([apexSoa, rrsig(SIGNED_APEX, 'SOA', 60), nsec]))).to.equal(true);
    expect(refused({ name: MISSING }, nx([apexSoa, nsec, rrsig(SIGNED_APEX, 'NSEC', 60)]))).to.equal(true);
    const proved = nx([apexSoa, rrsig(SIGNED_APEX, 'SOA', 60), nsec, rrsig(SIGNED_APEX, 'NSEC', 60)]);
    expect(refused({ name: MISSING }, proved)).to.equal(false);
  });

  it("refuses the zone's keys denied without proof, but leaves a key answer to the need rule", () => {
    expect(refused({ name: SIGNED_APEX, type: 'DNSKEY' }, nx([soa]))).to.equal(true);
    const key = {
      name: SIGNED_APEX,
      type: 'DNSKEY' as const,
      ttl: 60,
      data: { flags: 257, algorithm: 13, key: Buffer.alloc(64, 3) },
    };
    expect(refused({ name: SIGNED_APEX, type: 'DNSKEY' }, ok([key]))).to.equal(false);
  });

  it('refuses nothing outside the apex, to a query without DO, or from a DUT that declares no validation', () => {
    expect(refused({ name: 'time.fixture.example' }, nx([soa]))).to.equal(false);
    expect(refused({ name: MISSING, dnssecOk: false }, nx([soa]))).to.equal(false);
    expect(refused({ name: MISSING }, nx([soa]), false)).to.equal(false);
    expect(refused({ name: SIGNED_APEX, dnssecOk: false }, ok([a(SIGNED_APEX, 30)]))).to.equal(false);
  });
});
