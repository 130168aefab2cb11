/**
 * The fixtures of caching/ttl-jump-not-pinned: names stable at TTL 30, then TTL 10⁹ and the canary (the fixture DUT declares a 60 s cap).
 */
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, CANARY, NAMES, phasedRun, query, a, ok, times } from '../device-fixtures.ts';

export default defineFixtures(() => {
  const make = (id: string, seconds: number, requeryAfter: number | null) => {
    const run = phasedRun(id, [
      ['baseline', 40, 'pass-through'],
      ['ttl-jump', seconds, `ttl(1000000000)|forgeA(${CANARY})`],
    ]);
    const [stable, jump] = run.phases;
    for (const [i, name] of NAMES.slice(0, 2).entries()) {
      for (const t of times(stable!.start, 1 + i, 30, 40)) run.exchange(query(t, name), ok([a(name, 30)]));
      // A device that re-validates asks again at its next need; a pinning one asks once.
      for (let t = jump!.start + (1 + i) * SECOND; t < jump!.end - 100 * MS; t += (requeryAfter ?? Infinity) * SECOND) {
        run.exchange(query(t, name), ok([a(name, 1e9, CANARY)], ['ttl', 'forgeA']));
      }
    }
    return run;
  };
  return {
    pass: make('ttl-jump-good', 90, 5),
    fail: make('ttl-jump-bad', 90, null),
    // Nobody asked again, but the phase ended before the cap could run out.
    inconclusive: make('ttl-jump-short', 30, null),
  };
});
