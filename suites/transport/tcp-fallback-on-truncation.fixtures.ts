/**
 * The fixtures of transport/tcp-fallback-on-truncation: TC=1 over UDP, then the same question over TCP.
 */
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, NAMES, phasedRun, query, a, ok } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const make = (id: string, names: string[], tcp: boolean) => {
    const run = phasedRun(id, [['truncation', 15, 'truncate()']]);
    for (const [i, name] of names.entries()) {
      const t = run.phases[0]!.start + (1 + i) * SECOND;
      run.exchange(query(t, name), { ...ok([], ['truncate']), tc: true });
      if (tcp) run.exchange(query(t + 40 * MS, name, { transport: 'tcp' }), ok([a(name, 30)]));
    }
    return run;
  };
  return {
    pass: make('truncation-good', NAMES, true),
    fail: make('truncation-bad', NAMES, false),
    inconclusive: make('truncation-thin', NAMES.slice(0, 2), true),
  };
});
