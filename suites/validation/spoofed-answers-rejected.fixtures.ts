/**
 * The fixtures of validation/spoofed-answers-rejected: three spoofs raced ahead of each real answer.
 */
import type { FixtureAnswer } from '../fixture-events.ts';
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, CANARY, NAMES, phasedRun, query, a, ok } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const make = (id: string, names: string[], acceptWrongTxid: boolean) => {
    const run = phasedRun(id, [['spoof-race', 10, 'spoofRace(127.0.10.250)']]);
    for (const [i, name] of names.entries()) {
      const q = query(run.phases[0]!.start + (1 + i) * SECOND, name);
      const spoof = (latency: number, extra: Partial<FixtureAnswer>): FixtureAnswer => ({
        ...ok([a(name, 300, CANARY)], ['spoofRace']),
        latency,
        ...extra,
      });
      run.exchange(q, [
        spoof(200, { txid: (q.txid + 1) % 65_536 }),
        spoof(300, {}),
        spoof(400, {}),
        { ...ok([a(name, 30)]), latency: 1_500 },
      ]);
      if (acceptWrongTxid) run.canaryContact(q.t + 250, { address: CANARY, port: 8443 }, 42_000 + i);
    }
    return run;
  };
  return {
    pass: make('spoof-good', NAMES.slice(0, 3), false),
    fail: make('spoof-bad', NAMES.slice(0, 3), true),
    inconclusive: make('spoof-thin', [], false),
  };
});
