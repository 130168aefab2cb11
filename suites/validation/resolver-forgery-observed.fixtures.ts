/**
 * The fixtures of validation/resolver-forgery-observed: the resolver's own forged A answer, used (as the paper found most devices do).
 */
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, CANARY, NAMES, phasedRun, query, a, ok } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const run = phasedRun('resolver-forgery', [['forged-a', 10, 'forgeA(127.0.10.250)']]);
  for (const [i, name] of NAMES.slice(0, 3).entries()) {
    const t = run.phases[0]!.start + (1 + i) * SECOND;
    run.exchange(query(t, name), ok([a(name, 300, CANARY)], ['forgeA']));
    run.canaryContact(t + 2 * MS, { address: CANARY, port: 8443 }, 43_000 + i);
  }
  const none = phasedRun('resolver-forgery-none', [['forged-a', 10, 'forgeA(127.0.10.250)']]);
  return { info: run, inconclusive: none };
});
