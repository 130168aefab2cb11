/**
 * The fixtures of caching/ttl-jump-not-pinned: names stable at TTL 30, then TTL 10⁹ and the canary (the fixture DUT declares a 60 s cap).
 * The `dnssec-refused`, `keys-pinned`, `without-do` and `key-*` variants add a name of the fixture profile's
 * signed zone, which the forgery strips of its signature: a validating DUT refuses those answers.
 * The `key-*` ones pin the boundaries of the rule's DNSKEY/DS path (keys judged by the DUT's validations).
 */
import type { FixturePhase, FixtureRecord, FixtureRun } from '../fixture-events.ts';
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
  const { run, jump } = dnssecRun(id, 200, dnssecOk);
  let askedForKeys = false;
  for (let hold = 8, t = jump.start + 3 * SECOND; t < jump.end - SECOND; t += hold * SECOND, hold *= 2) {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const at = t + attempt * 10 * MS;
      lookUpSigned(run, at, dnssecOk);
      if (!dnssecOk || (askedForKeys && !keysEachTime)) continue;
      askForKeys(run, at + 2 * MS, dnssecOk);
      askedForKeys = true;
    }
  }
  return run;
}

/**
 * Baseline and a ttl-jump phase of `seconds` in which the unsigned names are asked again every
 * 5 s (within the cap, so they alone make the PASS): what the DNSSEC fixtures add the signed name to.
 */
function dnssecRun(id: string, seconds: number, dnssecOk: boolean): { run: FixtureRun; jump: FixturePhase } {
  const run = phasedRun(id, [
    ['baseline', 40, 'pass-through'],
    ['ttl-jump', seconds, JUMP],
  ]);
  const [stable, jump] = run.phases;
  for (const [i, name] of NAMES.slice(0, 2).entries()) {
    for (const t of times(stable!.start, 1 + i, 30, 40)) run.exchange(query(t, name, { dnssecOk }), ok([a(name, 30)]));
    for (let t = jump!.start + (1 + i) * SECOND; t < jump!.end - 100 * MS; t += 5 * SECOND)
      run.exchange(query(t, name, { dnssecOk }), ok([a(name, 1e9, CANARY)], ['ttl(1000000000)', `forgeA(${CANARY})`]));
  }
  return { run, jump: jump! };
}

/** A lookup of the signed name at `t`, answered forged and unsigned: with DO, a validation that needs the zone's key. */
function lookUpSigned(run: FixtureRun, t: number, dnssecOk: boolean): void {
  run.exchange(
    query(t, SIGNED_APEX, { dnssecOk }),
    ok([a(SIGNED_APEX, 1e9, CANARY)], ['ttl(1000000000)', `forgeA(${CANARY})`]),
  );
}

/** A query for the zone's key at `t`, answered with the jumped TTL; returns when the answer came. */
function askForKeys(run: FixtureRun, t: number, dnssecOk: boolean): number {
  const answer = ok(keys(1e9), ['ttl(1000000000)']);
  run.exchange(query(t, SIGNED_APEX, { type: 'DNSKEY', dnssecOk }), answer);
  return t + answer.latency;
}

/**
 * A validating DUT under ttl-jump that looks the signed name up and fetches the zone's key at
 * once, then looks the name up again `lookUpsAfter` seconds after the key's answer (the fixture
 * DUT's cap + grace is 62 s) and asks for the key again only `keysAgainAfter` seconds after it
 * (null: never; after a lookup in the same µs), so the key is judged by its validations.
 */
function keyNeeds(id: string, lookUpsAfter: number[], keysAgainAfter: number | null): FixtureRun {
  const { run, jump } = dnssecRun(id, 120, true);
  lookUpSigned(run, jump.start + 3 * SECOND, true);
  const keyAnswer = askForKeys(run, jump.start + 3 * SECOND + 2 * MS, true);
  const at = (seconds: number) => keyAnswer + Math.round(seconds * SECOND);
  for (const after of lookUpsAfter) lookUpSigned(run, at(after), true);
  // Added last, so in the same µs as a lookup it follows that lookup in the log, as a validator asks.
  if (keysAgainAfter !== null) askForKeys(run, at(keysAgainAfter), true);
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
    // Boundary: its first validation after the key's cap + grace (62 s) comes exactly at 62 s,
    // which counts as after (C + grace has passed then), and no key query follows: pinned.
    'fail.key-needed-at-cap-grace': keyNeeds('ttl-jump-key-needed-at-cap-grace', [62], null),
    // Boundary: its first validation after the cap + grace is at 70 s; it asks for the key again only
    // with its next validation, at 90 s, in the same µs (more than grace after the first): capped, since
    // "its next validation" is the one after the 70 s one, not that one itself, and "by" it includes its µs.
    'pass.key-by-next-validation': keyNeeds('ttl-jump-key-by-next-validation', [70, 90], 90),
    // Boundary: a validation 1 µs before cap + grace ran out needs no key; the first after it is at
    // exactly 62 s, and the key query exactly grace (2 s) after that one is within it: capped.
    'pass.key-within-grace-of-need': keyNeeds('ttl-jump-key-within-grace-of-need', [62 - 1e-6, 62], 64),
    // Nobody asked again, but the phase ended before the cap could run out.
    inconclusive: make('ttl-jump-short', 30, null),
  };
});
