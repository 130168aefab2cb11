/** The fixtures of encryption/encrypted-queries-padded: runs of one ddr-upgrade phase (suites/ddr-upgrade-fixtures.ts). */
import { ddrUpgradeRun, DOT_UNPADDED, DOT } from '../ddr-upgrade-fixtures.ts';
import { defineFixtures } from '../fixture-events.ts';

export default defineFixtures(() => ({
  pass: ddrUpgradeRun('padded-pass', 20, DOT),
  fail: ddrUpgradeRun('padded-fail', 20, DOT_UNPADDED),
  inconclusive: ddrUpgradeRun('padded-inconclusive', 20, undefined),
}));
