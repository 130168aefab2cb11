/**
 * The fixtures of resilience/works-while-dns-down: a TCP probe of the device's service each second while the resolver is silent or failing.
 */
import type { FixtureAnswer } from '../fixture-events.ts';
import { defineFixtures, FIXTURE_DUT } from '../fixture-events.ts';
import { MS, NAMES, phasedRun, query, times } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const make = (id: string, service: 'alive' | 'down' | 'queries only') => {
    const run = phasedRun(id, [
      ['resolver-silent', 10, 'drop()'],
      ['servfail', 10, 'rcode(SERVFAIL)'],
    ]);
    const servfail: FixtureAnswer = { latency: 600, rcode: 'SERVFAIL', records: [], manipulations: ['rcode'] };
    run.phases.forEach((phase, p) => {
      for (const [i, t] of times(phase.start, 0.5, 1, 10).entries()) {
        // The queries probe (still asking DNS) is alive throughout; it says nothing of local functions.
        run.observe({
          type: 'liveness.probe',
          t: t + 50 * MS,
          dut: FIXTURE_DUT,
          phase: phase.name,
          probe: 'queries',
          target: FIXTURE_DUT,
          alive: true,
          latencyMs: 400,
          detail: null,
        });
        if (service !== 'queries only') run.liveness(t, service === 'alive' || (p === 0 && i < 2));
        if (i % 2 === 0) run.exchange(query(t + 100 * MS, NAMES[0]!), p === 0 ? null : servfail);
      }
    });
    return run;
  };
  return {
    pass: make('dns-down-good', 'alive'),
    fail: make('dns-down-bad', 'down'),
    inconclusive: make('dns-down-no-probe', 'queries only'),
  };
});
