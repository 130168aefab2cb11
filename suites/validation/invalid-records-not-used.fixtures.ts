/**
 * The fixtures of validation/invalid-records-not-used: MX to an A query, and an A record for another name in the additional section.
 */
import type { FixtureAnswer } from '../fixture-events.ts';
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, CANARY, NAMES, phasedRun, query, a, ok, soa } from '../device-fixtures.ts';

export default defineFixtures(() => {
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
  return {
    pass: make('invalid-records-good', NAMES.slice(0, 3), false),
    fail: make('invalid-records-bad', NAMES.slice(0, 3), true),
    inconclusive: make('invalid-records-thin', NAMES.slice(0, 1), false),
  };
});
