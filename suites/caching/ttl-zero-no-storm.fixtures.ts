/**
 * The fixtures of caching/ttl-zero-no-storm: a minimum cache time of 1 s vs re-asking every 100 ms.
 */
import { defineFixtures } from '../fixture-events.ts';
import { NAMES, phasedRun, query, a, ok, times } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const make = (id: string, names: string[], every: number, seconds: number, limit = Infinity) => {
    const run = phasedRun(id, [['ttl-zero', seconds, 'ttl(0)']]);
    let count = 0;
    for (const name of names) {
      for (const t of times(run.phases[0]!.start, 0.3, every, seconds - 0.1)) {
        if (count++ >= limit) break;
        run.exchange(query(t, name), ok([a(name, 0)], ['ttl']));
      }
    }
    return run;
  };
  return {
    pass: make('ttl-zero-good', NAMES.slice(0, 3), 1.2, 20),
    // A storm of 40 queries in 4 s, then the window runs on: still 4 per second over the span.
    fail: make('ttl-zero-bad', NAMES.slice(0, 1), 0.1, 10, 40),
    inconclusive: make('ttl-zero-thin', NAMES.slice(0, 1), 1.2, 20, 2),
  };
});
