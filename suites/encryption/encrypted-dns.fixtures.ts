/** The fixtures of encryption/encrypted-dns: traffic as if imported from a capture (suites/passive-fixtures.ts). */
import { defineFixtures, FIXTURE_SERVER } from '../fixture-events.ts';
import { passiveRun, SECOND, T0, plainOnly } from '../passive-fixtures.ts';

export default defineFixtures(() => ({
  pass: passiveRun('encryption-pass', {
    ...plainOnly,
    seed: 0x5eed1003,
    everySeconds: 30,
    contacts: [
      {
        t: T0 + 10 * SECOND,
        protocol: 'dot',
        server: { address: FIXTURE_SERVER.address, port: 853 },
        sni: 'dns.fixture.example',
      },
    ],
  }),
  fail: passiveRun('encryption-fail', { ...plainOnly, seed: 0x5eed1004, ddrAt: T0 + 1.5 * SECOND }),
  info: passiveRun('encryption-info', { ...plainOnly, seed: 0x5eed1005 }),
  inconclusive: passiveRun('encryption-inconclusive', { ...plainOnly, everySeconds: 0 }),
}));
