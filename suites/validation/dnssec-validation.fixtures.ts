/**
 * The fixtures of validation/dnssec-validation: bogus answers for the signed zone, three variants in turn, then AD on forged data.
 * The fixture profile declares DNSSEC validation (IXIT), so a DUT that uses a bogus answer FAILs.
 */
import type { FixtureRecord } from '../fixture-events.ts';
import { defineFixtures } from '../fixture-events.ts';
import { T0, SECOND, MS, NAMES, phasedRun, query, a, ok } from '../device-fixtures.ts';

export default defineFixtures(() => {
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
  return {
    pass: make('dnssec-validating', 6, true, false),
    fail: make('dnssec-not-validating', 6, false, true),
    inconclusive: make('dnssec-thin', 2, true, false),
    info: make('dnssec-no-do', 6, false, false),
  };
});
