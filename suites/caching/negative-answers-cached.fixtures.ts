/**
 * The fixtures of caching/negative-answers-cached: NXDOMAIN with an SOA whose MINIMUM is 60 s.
 * The `dnssec-refused`, `without-do` and `signed-denial` variants add a name of the fixture
 * profile's signed zone, asked again at a failure back-off (RFC 9520 §3) by the validating DUT.
 */
import type { FixtureAnswer, FixtureRun } from '../fixture-events.ts';
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, NAMES, SIGNED_APEX, phasedRun, powerCycle, query, rrsig, soa, times } from '../device-fixtures.ts';

/** A name of the signed zone the zone does not hold. */
const MISSING = `status.${SIGNED_APEX}`;

const nx: FixtureAnswer = {
  latency: 700,
  rcode: 'NXDOMAIN',
  records: [],
  authority: [soa],
  manipulations: ['rcode'],
};

/**
 * The signed zone's own denial of MISSING (RFC 4035 §3.1.3): its apex SOA and the NSEC from the
 * apex to the next name, which covers MISSING and the wildcard, each with its RRSIG.
 */
const signedDenial: FixtureAnswer = {
  ...nx,
  manipulations: [],
  authority: [
    { ...soa, name: SIGNED_APEX },
    rrsig(SIGNED_APEX, 'SOA', 60),
    {
      name: SIGNED_APEX,
      type: 'NSEC',
      ttl: 60,
      data: { nextDomain: `www.${SIGNED_APEX}`, rrtypes: ['SOA', 'NS', 'DNSKEY'] },
    },
    rrsig(SIGNED_APEX, 'NSEC', 60),
  ],
};

/**
 * A validating DUT under nxdomain: every unsigned name asked once (it caches the NXDOMAIN for
 * 60 s); MISSING asked at a failure back-off doubling from 1 s, since the harness's NXDOMAIN for
 * it proves nothing (no NSEC, no RRSIG), with the zone's keys asked for at each validation (also
 * denied, unsigned). `dnssecOk`: its DO bit; `denial`: what the harness answers MISSING with.
 */
function validating(id: string, dnssecOk: boolean, denial: FixtureAnswer): FixtureRun {
  const run = phasedRun(id, [['nxdomain', 30, 'rcode(NXDOMAIN)']]);
  const phase = run.phases[0]!;
  for (const [i, name] of NAMES.entries()) run.exchange(query(phase.start + (1 + i) * SECOND, name, { dnssecOk }), nx);
  for (let wait = 1, t = phase.start + 5 * SECOND; t < phase.end - SECOND; t += wait * SECOND, wait *= 2) {
    run.exchange(query(t, MISSING, { dnssecOk }), denial);
    if (dnssecOk && denial === nx) run.exchange(query(t + 2 * MS, SIGNED_APEX, { type: 'DNSKEY', dnssecOk }), nx);
  }
  return run;
}

/**
 * A device power-cycled 4.5 s into nxdomain (a lab device cycled by the operator in the phase):
 * every name asked once before, each NXDOMAIN lost with its cache (the last two less than the
 * 1.5 s followSeconds before the restart: too soon to judge), and every name asked again as it
 * boots, from 6 s on. Held across the restart, those re-queries look premature (60 s).
 */
function restarted(): FixtureRun {
  const run = phasedRun('nxdomain-restarted', [['nxdomain', 30, 'rcode(NXDOMAIN)']]);
  const phase = run.phases[0]!;
  for (const [i, name] of NAMES.entries()) run.exchange(query(phase.start + (1 + i) * SECOND, name), nx);
  powerCycle(run, phase.start + 4.5 * SECOND, phase.name);
  for (const [i, name] of NAMES.entries()) run.exchange(query(phase.start + (6 + i) * SECOND, name), nx);
  return run;
}

export default defineFixtures(() => {
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
  return {
    pass: make('nxdomain-good', NAMES, null),
    // What a device asks after its restart is not held against what it was told before.
    'pass.restart': restarted(),
    // The signed zone's unproven NXDOMAINs are bogus to it: not cached, asked again at its back-off.
    'pass.dnssec-refused': validating('nxdomain-dnssec-refused', true, nx),
    fail: make('nxdomain-bad', NAMES.slice(0, 2), 0.5),
    // Without DO it cannot have validated them: its early re-queries ignore the negative TTL.
    'fail.without-do': validating('nxdomain-without-do', false, nx),
    // A denial the zone signed and proved is a negative answer to cache: asking again at the back-off is premature.
    'fail.signed-denial': validating('nxdomain-signed-denial', true, signedDenial),
    inconclusive: make('nxdomain-thin', NAMES.slice(0, 2), null),
  };
});
