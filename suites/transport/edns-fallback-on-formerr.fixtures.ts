/**
 * The fixtures of transport/edns-fallback-on-formerr: FORMERR (without OPT) to an EDNS query, then the question without EDNS.
 */
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, NAMES, phasedRun, query, a, ok } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const make = (id: string, names: string[], fallback: boolean) => {
    const run = phasedRun(id, [['formerr-on-edns', 15, 'formerrOnEdns()']]);
    for (const [i, name] of names.entries()) {
      const t = run.phases[0]!.start + (1 + i) * SECOND;
      run.exchange(query(t, name, { ednsUdpSize: fallback ? 1232 : 4096 }), {
        latency: 600,
        rcode: 'FORMERR',
        records: [],
        manipulations: ['formerrOnEdns'],
        withoutEdns: true,
      });
      if (fallback) run.exchange(query(t + 20 * MS, name, { ednsUdpSize: null }), ok([a(name, 30)]));
    }
    return run;
  };
  return {
    pass: make('formerr-good', NAMES, true),
    fail: make('formerr-bad', NAMES, false),
    inconclusive: make('formerr-thin', NAMES.slice(0, 1), true),
  };
});
