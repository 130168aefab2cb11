/**
 * The fixtures of resilience/failure-backoff: hold-downs of 1, 2, 4, 8 s vs a fixed 200 ms retry.
 */
import type { FixtureAnswer } from '../fixture-events.ts';
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, NAMES, phasedRun, query } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const servfail: FixtureAnswer = { latency: 600, rcode: 'SERVFAIL', records: [], manipulations: ['rcode'] };
  const make = (id: string, offsets: number[], names = NAMES.slice(0, 2)) => {
    const run = phasedRun(id, [
      ['servfail', 30, 'rcode(SERVFAIL)'],
      ['resolver-silent', 30, 'drop()'],
    ]);
    const [failing, silent] = run.phases;
    for (const name of names) {
      for (const s of offsets) run.exchange(query(failing!.start + s * SECOND, name), servfail);
      for (const s of offsets) run.exchange(query(silent!.start + s * SECOND, name), null);
    }
    return run;
  };
  return {
    pass: make('backoff-good', [0.5, 1.5, 3.5, 7.5, 15.5]),
    fail: make(
      'backoff-bad',
      Array.from({ length: 40 }, (_, i) => 0.5 + i * 0.2),
    ),
    // One query in each phase: too few to show the device was running at all.
    inconclusive: make('backoff-thin', [0.5], NAMES.slice(0, 1)),
  };
});
