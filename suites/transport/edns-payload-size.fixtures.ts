/**
 * The fixtures of transport/edns-payload-size: EDNS 1232 (one retry without EDNS after FORMERR) vs the old 4096 default.
 */
import { defineFixtures } from '../fixture-events.ts';
import { NAMES, phasedRun, query, a, ok, times } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const make = (id: string, count: number, size: number | null) => {
    const run = phasedRun(id, [['baseline', 30, 'pass-through']]);
    for (const [i, t] of times(run.phases[0]!.start, 0.5, 1.5, 30).slice(0, count).entries()) {
      const name = NAMES[i % NAMES.length]!;
      run.exchange(query(t, name, { ednsUdpSize: i === 3 ? null : size }), ok([a(name, 30)]));
    }
    return run;
  };
  return {
    pass: make('edns-size-good', 16, 1232),
    fail: make('edns-size-bad', 16, 4096),
    inconclusive: make('edns-size-thin', 5, 1232),
  };
});
