/** The fixtures of encryption-upgrade/uses-offered-encryption: runs of one ddr-upgrade phase (suites/ddr-upgrade-fixtures.ts). */
import { ddrUpgradeRun, DOT } from '../ddr-upgrade-fixtures.ts';
import { defineFixtures } from '../fixture-events.ts';

export default defineFixtures(() => ({
  pass: ddrUpgradeRun('pass', 50, DOT),
  fail: ddrUpgradeRun('fail', 50, undefined),
  inconclusive: ddrUpgradeRun('inconclusive', 3, DOT),
}));
