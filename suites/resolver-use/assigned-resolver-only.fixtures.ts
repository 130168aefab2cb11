/** The fixtures of resolver-use/assigned-resolver-only: traffic as if imported from a capture (suites/passive-fixtures.ts). */
import { defineFixtures } from '../fixture-events.ts';
import { passiveRun, SECOND, T0, plainOnly } from '../passive-fixtures.ts';

export default defineFixtures(() => ({
  pass: passiveRun('resolver-use-pass', plainOnly),
  fail: passiveRun('resolver-use-fail', {
    ...plainOnly,
    seed: 0x5eed1002,
    hardcodedShare: 0.4,
    contacts: [
      { t: T0 + 30 * SECOND, protocol: 'dot', server: { address: '1.1.1.1', port: 853 }, sni: 'one.one.one.one' },
    ],
  }),
  // Too few queries seen to show which resolvers the DUT uses.
  inconclusive: passiveRun('resolver-use-inconclusive', { ...plainOnly, everySeconds: 40 }),
  // The same traffic as the pass fixture, but only the harness resolver's log: DNS sent elsewhere could not show.
  'not-assessed': passiveRun('resolver-use-not-applicable', { ...plainOnly, captured: false }),
}));
