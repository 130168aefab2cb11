/**
 * The fixtures of caching/extreme-ttl-capped: the fixture DUT declares a 60 s cap.
 */
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, NAMES, phasedRun, query, a, ok } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const make = (id: string, seconds: number, requeryAfter: { huge: number | null; topBit: number | null }) => {
    const run = phasedRun(id, [
      ['ttl-huge', seconds, 'ttl(1000000000)'],
      ['ttl-top-bit', seconds, 'ttl(2147483648)'],
    ]);
    const [huge, topBit] = run.phases;
    for (const [phase, ttl, after] of [
      [huge!, 1e9, requeryAfter.huge],
      [topBit!, 2 ** 31, requeryAfter.topBit],
    ] as const) {
      for (const [i, name] of NAMES.slice(0, 2).entries()) {
        // A capping device asks again each time its capped lifetime runs out; a pinning one asks once.
        for (let t = phase.start + (1 + i) * SECOND; t < phase.end - 100 * MS; t += (after ?? Infinity) * SECOND) {
          run.exchange(query(t, name), ok([a(name, ttl)], ['ttl']));
        }
      }
    }
    return run;
  };
  return {
    // Capped at 60 s for 10⁹; the top bit taken as 0 (RFC 2181 §8) and the device's own 6 s minimum.
    pass: make('extreme-ttl-good', 90, { huge: 60.5, topBit: 6 }),
    fail: make('extreme-ttl-bad', 90, { huge: null, topBit: null }),
    // Nobody asked again, but the phases ended before the cap could run out.
    inconclusive: make('extreme-ttl-short', 30, { huge: null, topBit: null }),
  };
});
