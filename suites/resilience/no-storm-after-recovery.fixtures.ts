/**
 * The fixtures of resilience/no-storm-after-recovery: four names every 2 s; after REFUSED, the same pace again or a burst of kept lookups.
 */
import type { FixtureAnswer } from '../fixture-events.ts';
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, NAMES, phasedRun, query, a, ok, times } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const refused: FixtureAnswer = { latency: 600, rcode: 'REFUSED', records: [], manipulations: ['rcode'] };
  const make = (id: string, phases: [string, number, string][], burst: number) => {
    const run = phasedRun(id, phases);
    for (const phase of run.phases) {
      const outage = phase.name === 'refused';
      for (const [i, name] of NAMES.entries()) {
        // A careful device backs off under REFUSED: each name asked at 1, 3 and 7 s.
        const asks = outage
          ? [1, 3, 7].map((s) => phase.start + (s + i * 0.1) * SECOND)
          : times(phase.start, 0.3 + i * 0.5, 2, (phase.end - phase.start) / SECOND - 0.1);
        for (const t of asks) run.exchange(query(t, name), outage ? refused : ok([a(name, 2)]));
        if (phase.name === 'recovery') {
          for (let k = 0; k < burst; k += 1)
            run.exchange(query(phase.start + (100 + i * 20 + k) * MS, name), ok([a(name, 2)]));
        }
      }
    }
    return run;
  };
  const outageThenRecovery: [string, number, string][] = [
    ['baseline', 30, 'pass-through'],
    ['refused', 15, 'rcode(REFUSED)'],
    ['recovery', 20, 'pass-through'],
  ];
  return {
    pass: make('recovery-good', outageThenRecovery, 0),
    // Ten kept lookups of each name fired in the first 200 ms.
    fail: make('recovery-bad', outageThenRecovery, 10),
    // The recovery phase does not follow an outage: nothing to recover from.
    inconclusive: make(
      'recovery-no-outage',
      [
        ['baseline', 30, 'pass-through'],
        ['recovery', 20, 'pass-through'],
      ],
      0,
    ),
    'not-assessed': make(
      'recovery-none',
      [
        ['baseline', 30, 'pass-through'],
        ['refused', 15, 'rcode(REFUSED)'],
      ],
      0,
    ),
  };
});
