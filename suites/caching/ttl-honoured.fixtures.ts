/**
 * The fixtures of caching/ttl-honoured: a good stub (random ports and IDs, a cache) passes, a bad one
 * (fixed port, counter IDs, no cache) fails, a 25 s run is too short (suites/stub-fixtures.ts).
 */
import { defineFixtures } from '../fixture-events.ts';
import { stubFixtures } from '../stub-fixtures.ts';

export default defineFixtures(stubFixtures);
