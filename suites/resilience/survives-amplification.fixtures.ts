/**
 * The fixtures of resilience/survives-amplification: a TCP liveness probe each second; the bad device's service dies under ×100.
 */
import { defineFixtures } from '../fixture-events.ts';
import { MS, NAMES, phasedRun, query, a, ok, times } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const make = (id: string, probe: 'alive' | 'dies' | 'none') => {
    const run = phasedRun(id, [
      ['amplify-10', 10, 'amplify(10)'],
      ['flood-100', 10, 'flood(100)'],
    ]);
    run.phases.forEach((phase, p) => {
      for (const [i, t] of times(phase.start, 0.5, 1, 10).entries()) {
        if (probe !== 'none') run.liveness(t, probe === 'alive' || (p === 0 && i < 3));
        if (i % 3 === 0)
          run.exchange(
            query(t + 100 * MS, NAMES[0]!),
            ok(
              Array.from({ length: 10 }, () => a(NAMES[0]!, 30)),
              ['amplify'],
            ),
          );
      }
    });
    return run;
  };
  return {
    pass: make('survival-good', 'alive'),
    fail: make('survival-bad', 'dies'),
    inconclusive: make('survival-no-probe', 'none'),
  };
});
