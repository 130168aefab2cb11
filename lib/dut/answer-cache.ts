/**
 * The stub's cache, keyed by lower-cased name and type. How long an answer is kept follows
 * the device's TTL handling: the TTL as given (honour), clamped to a range (clamp), or not
 * at all (ignore: every need becomes a query, the paper's "ignored TTLs").
 */
import type { SimulatedBehaviour, TtlHandling } from '../profile/profile-types.ts';

/** What the device does with extreme TTLs, besides its handling of ordinary ones. */
export interface ExtremeTtlHandling {
  /** RFC 2181 §8: a TTL with the top bit set counts as 0. */
  topBitAsZero?: boolean;
  /** TTLs at or above this are kept as given, whatever the handling (a device that pins them). */
  pinAboveSeconds?: number;
  /**
   * TTLs at or above `aboveSeconds` are suspect (Recommendation #8: far beyond a normal range,
   * an abrupt jump) and kept only `keepSeconds` (0: not at all), so the next need asks again
   * and re-validates the answer instead of pinning it.
   */
  suspect?: { aboveSeconds: number; keepSeconds: number };
}

/** 2^31: RFC 2181 §8 says a TTL with this bit set is to be treated as zero. */
const TOP_BIT = 2 ** 31;

/** How many seconds a device with this TTL handling keeps a record whose TTL is `received`; 0: not kept. */
export function keptSeconds(handling: TtlHandling, extremes: ExtremeTtlHandling, received: number): number {
  const { topBitAsZero, pinAboveSeconds, suspect } = extremes;
  const ttlSeconds = topBitAsZero && received >= TOP_BIT ? 0 : received;
  if (pinAboveSeconds !== undefined && ttlSeconds >= pinAboveSeconds) return ttlSeconds;
  if (suspect !== undefined && ttlSeconds >= suspect.aboveSeconds) return suspect.keepSeconds;
  switch (handling.mode) {
    case 'honour':
      return ttlSeconds;
    case 'clamp':
      return Math.min(Math.max(ttlSeconds, handling.min), handling.max);
    case 'ignore':
      return 0;
  }
}

/** The extreme-TTL knobs of a simulated device's behaviour. */
export function extremeTtlHandling(behaviour: SimulatedBehaviour): ExtremeTtlHandling {
  return {
    topBitAsZero: behaviour.ttlTopBitAsZero,
    pinAboveSeconds: behaviour.ttlPinAboveSeconds,
    suspect: behaviour.ttlSuspect,
  };
}

/** How long a simulated device keeps any record with this TTL (its answers', and its validator's keys). */
export function deviceTtlLifetime(behaviour: SimulatedBehaviour, received: number): number {
  return keptSeconds(behaviour.ttl, extremeTtlHandling(behaviour), received);
}

/** A cached answer: its addresses, or a negative one. */
export interface CachedAnswer {
  addresses: string[];
  /** True for a cached NXDOMAIN/NODATA (RFC 2308). */
  negative: boolean;
  expiresAt: number;
}

/** One key per name (case-insensitive, as DNS names compare) and type. */
export function questionKey(name: string, type: string): string {
  return `${name.toLowerCase()}|${type}`;
}

/** What the stub remembers for a name and type until `expiresAt` (ms since the epoch). */
export class AnswerCache {
  private readonly entries = new Map<string, CachedAnswer>();

  constructor(
    private readonly handling: TtlHandling,
    private readonly now: () => number = Date.now,
    private readonly extremes: ExtremeTtlHandling = {},
  ) {}

  /** How many seconds an answer with this TTL is kept; 0 means not cached. */
  lifetime(received: number): number {
    return keptSeconds(this.handling, this.extremes, received);
  }

  /** Stores an answer for `ttlSeconds` as the handling allows; returns the seconds kept. */
  store(name: string, type: string, answer: { addresses: string[]; negative: boolean }, ttlSeconds: number): number {
    const seconds = this.lifetime(ttlSeconds);
    if (seconds > 0) this.entries.set(questionKey(name, type), { ...answer, expiresAt: this.now() + seconds * 1000 });
    return seconds;
  }

  /** A still-valid entry, or undefined (expired entries are dropped). */
  lookup(name: string, type: string): CachedAnswer | undefined {
    const key = questionKey(name, type);
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) return entry;
    this.entries.delete(key);
    return undefined;
  }
}
