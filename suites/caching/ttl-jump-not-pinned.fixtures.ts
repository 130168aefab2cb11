/**
 * The fixtures of caching/ttl-jump-not-pinned: names stable at TTL 30, then TTL 10⁹ and the canary (the fixture DUT declares a 60 s cap).
 * The `dnssec-refused`, `keys-pinned` and `without-do` variants add a name of the fixture profile's
 * signed zone, which the forgery strips of its signature: a validating DUT refuses those answers.
 */
import type { FixtureRecord, FixtureRun } from '../fixture-events.ts';
import { defineFixtures } from '../fixture-events.ts';
import { SECOND, MS, CANARY, NAMES, SIGNED_APEX, phasedRun, query, a, ok, rrsig, times } from '../device-fixtures.ts';

const JUMP = `ttl(1000000000)|forgeA(${CANARY})`;

/** The signed zone's key and the signature over it, as the ttl primitive leaves them: the TTLs jumped, the signature intact. */
function keys(ttl: number): FixtureRecord[] {
  return [
    { name: SIGNED_APEX, type: 'DNSKEY', ttl, data: { flags: 257, algorithm: 13, key: Buffer.alloc(64, 3) } },
    rrsig(SIGNED_APEX, 'DNSKEY', ttl, 30),
  ];
}

/**
 * A validating DUT under ttl-jump: the unsigned names asked again every 5 s (within the cap);
 * the signed name's forged answers refused (no RRSIG), each asked again at once, then held
 * down after `attempts` tries by a failure back-off doubling from 8 s (RFC 9520), so the
 * 64 s hold outlasts the cap + grace (62 s). `keysEachTime`: it asks for the zone's key each
 * time it validates (false: it keeps the key of its first lookup past the cap); `dnssecOk`: its DO bit.
 */
function validating(id: string, keysEachTime: boolean, dnssecOk: boolean): FixtureRun {
  const run = phasedRun(id, [
    ['baseline', 40, 'pass-through'],
    ['ttl-jump', 200, JUMP],
  ]);
  const [stable, jump] = run.phases;
  for (const [i, name] of NAMES.slice(0, 2).entries()) {
    for (const t of times(stable!.start, 1 + i, 30, 40)) run.exchange(query(t, name, { dnssecOk }), ok([a(name, 30)]));
    for (let t = jump!.start + (1 + i) * SECOND; t < jump!.end - 100 * MS; t += 5 * SECOND)
      run.exchange(query(t, name, { dnssecOk }), ok([a(name, 1e9, CANARY)], ['ttl(1000000000)', `forgeA(${CANARY})`]));
  }
  let askedForKeys = false;
  for (let hold = 8, t = jump!.start + 3 * SECOND; t < jump!.end - SECOND; t += hold * SECOND, hold *= 2) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const at = t + attempt * 10 * MS;
      run.exchange(
        query(at, SIGNED_APEX, { dnssecOk }),
        ok([a(SIGNED_APEX, 1e9, CANARY)], ['ttl(1000000000)', `forgeA(${CANARY})`]),
      );
      if (!dnssecOk || (askedForKeys && !keysEachTime)) continue;
      run.exchange(query(at + 2 * MS, SIGNED_APEX, { type: 'DNSKEY', dnssecOk }), ok(keys(1e9), ['ttl(1000000000)']));
      askedForKeys = true;
    }
  }
  return run;
}

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
    // The signed name's refused answers and its back-off are not pinning; the key is asked for at each validation.
    'pass.dnssec-refused': validating('ttl-jump-dnssec-refused', true, true),
    fail: make('ttl-jump-bad', 90, null),
    // It validates the signed name's later lookups with the key of its first one, held past the cap.
    'fail.keys-pinned': validating('ttl-jump-keys-pinned', false, true),
    // Without DO it cannot have validated the signed name's answer: its 64 s silence is pinning.
    'fail.without-do': validating('ttl-jump-without-do', true, false),
    // Nobody asked again, but the phase ended before the cap could run out.
    inconclusive: make('ttl-jump-short', 30, null),
  };
});
