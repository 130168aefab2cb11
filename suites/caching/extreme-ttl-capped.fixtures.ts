/**
 * The fixtures of caching/extreme-ttl-capped: the fixture DUT declares a 60 s cap.
 */
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, NAMES, phasedRun, powerCycle, query, a, ok } from '../device-fixtures.ts';

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
  /**
   * A capping device power-cycled 40 s into ttl-huge (a lab device cycled by the operator in the
   * phase): its answers of 1 s and 2 s were lost with its cache; it asks again only once it has
   * booted, at 100 s, then every 30 s. Held across the restart, those first answers look pinned (99 s).
   */
  const restarted = () => {
    const run = make('extreme-ttl-restarted', 150, { huge: null, topBit: 6 });
    const huge = run.phases[0]!;
    powerCycle(run, huge.start + 40 * SECOND, huge.name);
    for (const [i, name] of NAMES.slice(0, 2).entries())
      for (let t = huge.start + (100 + i) * SECOND; t < huge.end - 100 * MS; t += 30 * SECOND)
        run.exchange(query(t, name), ok([a(name, 1e9)], ['ttl']));
    return run;
  };
  return {
    // Capped at 60 s for 10⁹; the top bit taken as 0 (RFC 2181 §8) and the device's own 6 s minimum.
    pass: make('extreme-ttl-good', 90, { huge: 60.5, topBit: 6 }),
    'pass.restart': restarted(),
    fail: make('extreme-ttl-bad', 90, { huge: null, topBit: null }),
    // Nobody asked again, but the phases ended before the cap could run out.
    inconclusive: make('extreme-ttl-short', 30, { huge: null, topBit: null }),
  };
});
