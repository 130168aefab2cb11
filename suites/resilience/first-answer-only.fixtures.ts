/**
 * The fixtures of resilience/first-answer-only: the genuine answer, then a fully matching late one pointing at the canary.
 */
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, CANARY, NAMES, phasedRun, query, a, ok } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const make = (id: string, names: string[], takesLast: boolean) => {
    const run = phasedRun(id, [['late-answers', 10, `lateAnswers(${CANARY}, 3)`]]);
    for (const [i, name] of names.entries()) {
      const q = query(run.phases[0]!.start + (1 + i * 0.5) * SECOND, name);
      run.exchange(q, [
        ok([a(name, 30)]),
        { ...ok([a(name, 300, CANARY)], [`lateAnswers(${CANARY}, 3)`]), latency: 900 },
      ]);
      if (takesLast) run.canaryContact(q.t + 60 * MS, { address: CANARY, port: 8443 }, 44_000 + i);
    }
    return run;
  };
  const eight = [...NAMES, ...NAMES.map((n) => n.replace('.fixture', '-2.fixture'))];
  return {
    pass: make('late-good', eight, false),
    fail: make('late-bad', eight, true),
    inconclusive: make('late-thin', NAMES.slice(0, 2), false),
  };
});
