/**
 * A validating stub's DNSSEC judgement (draft IOTDNS-D-VAL-2: "set DO and validate"; RFC
 * 4035 §5) for the simulated device's `dnssec: validate` knob. The device is configured with
 * the lab's trust anchor, a DS for one apex, as a lab configures a real device. For a name
 * at or below that apex an answer is secure only when every RRset of it there carries an
 * RRSIG that verifies with the apex's DNSKEY, and that DNSKEY RRset verifies with the key the
 * DS designates; a negative answer needs a signed NSEC that proves it. Anything else there is
 * bogus. Names outside the apex are insecure: no anchor covers them, so they are used as
 * they come. The AD bit is never looked at: the device validates itself, so an AD bit set
 * over plain DNS (dnssec-downgrade) proves nothing to it.
 *
 * Left out, as a small IoT validator might: wildcard-expansion proofs and NSEC3 (the lab's
 * zone has neither), and capping TTLs at the RRSIG's original TTL (RFC 4035 §5.3.3).
 */
import type { Answer, NsecData } from 'dns-packet';
import type { DecodedMessage } from '../dns/codec.ts';
import { canonicalCompare, dsMatches, isAtOrBelow, verifyRrsig } from '../dns/dnssec.ts';
import type { DnskeyRecord, RrsigRecord } from '../dns/dnssec.ts';
import { normaliseName } from '../dns/names.ts';
import type { TrustAnchor } from '../resolver/signed-zone.ts';

/** What the device makes of an answer. */
export type Security = { status: 'secure' } | { status: 'insecure' } | { status: 'bogus'; reason: string };

/** Asks the resolver for the apex's DNSKEY RRset (with DO); null when no answer came. */
export type KeyFetch = (apex: string) => Promise<DecodedMessage | null>;

/** The trust anchor's fields a device is configured with. */
export type DeviceTrustAnchor = Pick<TrustAnchor, 'apex' | 'keyTag' | 'algorithm' | 'digestType' | 'digest'>;

/** How long validated keys are kept at most, whatever their TTL (a device re-checks its keys now and then). */
const MAX_KEY_SECONDS = 300;
/** How long keys that could not be validated stay bad before they are asked for again (RFC 4035 §4.7: a validator may cache bad data). */
const KEY_FAILURE_SECONDS = 5;

/** Groups records other than RRSIG into RRsets by owner and type, each with the RRSIGs over it. */
function rrsets(records: readonly Answer[]): { owner: string; type: string; records: Answer[]; sigs: RrsigRecord[] }[] {
  const sets = new Map<string, { owner: string; type: string; records: Answer[]; sigs: RrsigRecord[] }>();
  for (const rr of records) {
    if (rr.type === 'RRSIG' || rr.type === 'OPT') continue;
    const owner = normaliseName(rr.name);
    const key = `${owner}|${rr.type}`;
    const set = sets.get(key) ?? { owner, type: rr.type, records: [], sigs: [] };
    set.records.push(rr);
    sets.set(key, set);
  }
  for (const rr of records) {
    if (rr.type !== 'RRSIG') continue;
    sets.get(`${normaliseName(rr.name)}|${rr.data.typeCovered}`)?.sigs.push(rr as RrsigRecord);
  }
  return [...sets.values()];
}

/** Validates answers for names under one trust anchor. */
export class DnssecValidator {
  private readonly apex: string;
  private keys: { records: DnskeyRecord[]; until: number } | null = null;
  private keyFailure: { reason: string; until: number } | null = null;
  private fetching: Promise<{ records: DnskeyRecord[] } | { reason: string }> | null = null;

  /**
   * `keyLifetime`: how many seconds the device keeps a record with a given TTL (its TTL handling,
   * the same as for its answers: a device that caps TTLs caps its keys' too, or it pins an extreme
   * DNSKEY TTL the harness sends); 0 keeps the keys for this validation only.
   */
  constructor(
    private readonly anchor: DeviceTrustAnchor,
    private readonly fetchKeys: KeyFetch,
    private readonly nowSeconds: () => number = () => Date.now() / 1000,
    private readonly keyLifetime: (ttlSeconds: number) => number = (ttl) => ttl,
  ) {
    this.apex = normaliseName(anchor.apex);
  }

  /** Whether an answer about `name` needs validating. */
  covers(name: string): boolean {
    return isAtOrBelow(name, this.apex);
  }

  /** Secure, insecure (outside the anchor, or a failure rcode there is nothing to trust in), or bogus with the reason. */
  async judge(question: { name: string; type: string }, message: DecodedMessage): Promise<Security> {
    if (!this.covers(question.name) || (message.rcode !== 'NOERROR' && message.rcode !== 'NXDOMAIN'))
      return { status: 'insecure' };
    const keys = await this.validatedKeys();
    if ('reason' in keys) return { status: 'bogus', reason: keys.reason };
    const now = this.nowSeconds();
    const answers = (message.answers ?? []) as Answer[];
    const authorities = (message.authorities ?? []) as Answer[];
    // Every RRset under the anchor must be signed, in the answer and the authority section alike.
    for (const set of rrsets([...answers, ...authorities])) {
      if (!this.covers(set.owner)) continue;
      if (set.sigs.length === 0) return { status: 'bogus', reason: `${set.owner} ${set.type}: no RRSIG` };
      const checks = set.sigs.map((sig) => verifyRrsig(set.records, sig, keys.records, now));
      const failed = checks.find((c): c is { ok: false; reason: string } => !c.ok);
      if (!checks.some((c) => c.ok))
        return { status: 'bogus', reason: `${set.owner} ${set.type}: ${failed?.reason ?? 'no valid RRSIG'}` };
    }
    const name = normaliseName(question.name);
    const positive = answers.some((rr) => rr.type === question.type || rr.type === 'CNAME');
    if (message.rcode === 'NOERROR' && positive) return { status: 'secure' };
    const nsecs = authorities
      .filter((rr) => rr.type === 'NSEC')
      .map((rr) => ({ owner: normaliseName(rr.name), data: rr.data as NsecData }));
    if (message.rcode === 'NOERROR') {
      const own = nsecs.find((n) => n.owner === name);
      if (own && !own.data.rrtypes.includes(question.type) && !own.data.rrtypes.includes('CNAME'))
        return { status: 'secure' };
      return { status: 'bogus', reason: `${name} ${question.type}: no NSEC proves there is no such record` };
    }
    // NXDOMAIN: an NSEC whose owner sorts before the name and whose next name after it (the last one wraps to the apex).
    const covered = nsecs.some(
      (n) =>
        canonicalCompare(n.owner, name) < 0 &&
        (canonicalCompare(name, n.data.nextDomain) < 0 || normaliseName(n.data.nextDomain) === this.apex),
    );
    return covered
      ? { status: 'secure' }
      : { status: 'bogus', reason: `${name}: no NSEC proves the name does not exist` };
  }

  /** The apex's DNSKEY RRset, asked of the resolver and accepted only when the anchor's key signed it. */
  private validatedKeys(): Promise<{ records: DnskeyRecord[] } | { reason: string }> {
    const now = this.nowSeconds();
    if (this.keys && this.keys.until > now) return Promise.resolve(this.keys);
    if (this.keyFailure && this.keyFailure.until > now) return Promise.resolve({ reason: this.keyFailure.reason });
    // Lookups that need the keys meanwhile wait for the one DNSKEY question in flight.
    this.fetching ??= this.fetchAndValidateKeys()
      .then((keys) => {
        if ('reason' in keys) this.keyFailure = { reason: keys.reason, until: this.nowSeconds() + KEY_FAILURE_SECONDS };
        return keys;
      })
      .finally(() => {
        this.fetching = null;
      });
    return this.fetching;
  }

  private async fetchAndValidateKeys(): Promise<{ records: DnskeyRecord[] } | { reason: string }> {
    const reply = await this.fetchKeys(this.apex);
    const now = this.nowSeconds();
    if (!reply) return { reason: `${this.apex} DNSKEY: no answer` };
    const records = ((reply.answers ?? []) as Answer[]).filter(
      (rr): rr is DnskeyRecord => rr.type === 'DNSKEY' && normaliseName(rr.name) === this.apex,
    );
    const ds = {
      keyTag: this.anchor.keyTag,
      algorithm: this.anchor.algorithm,
      digestType: this.anchor.digestType,
      digest: Buffer.from(this.anchor.digest, 'hex'),
    };
    const anchored = records.filter((key) => dsMatches(this.apex, key.data, ds));
    if (anchored.length === 0)
      return { reason: `${this.apex} DNSKEY: no key matches the trust anchor (tag ${this.anchor.keyTag})` };
    const sigs = ((reply.answers ?? []) as Answer[]).filter(
      (rr): rr is RrsigRecord => rr.type === 'RRSIG' && rr.data.typeCovered === 'DNSKEY',
    );
    const checks = sigs.map((sig) => verifyRrsig(records, sig, anchored, now));
    if (!checks.some((c) => c.ok))
      return {
        reason: `${this.apex} DNSKEY: ${checks.find((c): c is { ok: false; reason: string } => !c.ok)?.reason ?? 'no RRSIG'}`,
      };
    const ttl = Math.min(...records.map((rr) => ('ttl' in rr && typeof rr.ttl === 'number' ? rr.ttl : 0)));
    const kept = Math.min(this.keyLifetime(ttl), MAX_KEY_SECONDS);
    const keys = { records, until: now + kept };
    this.keys = kept > 0 ? keys : null;
    return keys;
  }
}
