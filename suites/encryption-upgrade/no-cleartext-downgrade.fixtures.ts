/** The fixtures of encryption-upgrade/no-cleartext-downgrade: runs of one ddr-upgrade phase (suites/ddr-upgrade-fixtures.ts). */
import { ddrUpgradeRun, DOT } from '../ddr-upgrade-fixtures.ts';
import { defineFixtures } from '../fixture-events.ts';

export default defineFixtures(() => ({
  pass: ddrUpgradeRun('downgrade-pass', 40, DOT),
  // Upgraded, then every fourth lookup falls back to port 53 (an encrypted exchange that failed).
  fail: ddrUpgradeRun('downgrade-fail', 40, undefined, (i) => (i >= 20 && i % 4 === 0 ? undefined : DOT)),
  inconclusive: ddrUpgradeRun('downgrade-inconclusive', 40, undefined),
}));
