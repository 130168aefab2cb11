/**
 * The fixtures of caching/negative-answers-cached: NXDOMAIN with an SOA whose MINIMUM is 60 s.
 */
import type { FixtureAnswer } from '../fixture-events.ts';
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, NAMES, phasedRun, query, soa, times } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const nx: FixtureAnswer = {
    latency: 700,
    rcode: 'NXDOMAIN',
    records: [],
    authority: [soa],
    manipulations: ['rcode'],
  };
  const make = (id: string, names: string[], every: number | null) => {
    const run = phasedRun(id, [['nxdomain', 30, 'rcode(NXDOMAIN)']]);
    for (const [i, name] of names.entries()) {
      const asks =
        every === null
          ? [run.phases[0]!.start + (1 + i) * SECOND]
          : times(run.phases[0]!.start, 1 + i * 0.1, every, 10);
      for (const t of asks) run.exchange(query(t, name), nx);
    }
    return run;
  };
  return {
    pass: make('nxdomain-good', NAMES, null),
    fail: make('nxdomain-bad', NAMES.slice(0, 2), 0.5),
    inconclusive: make('nxdomain-thin', NAMES.slice(0, 2), null),
  };
});
