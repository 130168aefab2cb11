/**
 * The fixtures of randomness/transaction-id-randomised: a good stub (random ports and IDs, a cache) passes, a bad
 * one (fixed port, counter IDs, no cache) fails, a 25 s run is too short
 * (suites/stub-fixtures.ts); and real clients' recorded traffic (real-traffic.ts).
 */
import { defineFixtures } from '../fixture-events.ts';
import { stubFixtures } from '../stub-fixtures.ts';
import { realTrafficFixtures } from './real-traffic.ts';

export default defineFixtures(async () => ({
  ...stubFixtures(),
  ...(await realTrafficFixtures('transaction-id-randomised')),
}));
