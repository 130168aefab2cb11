/**
 * The simulated device's application: it needs each configured name at its own rhythm
 * (every `everyMs` plus up to `jitterMs`) and asks the stub, which answers from its cache
 * or from the network. One lookup per name is in flight at a time; a need that arrives
 * meanwhile is coalesced into it rather than starting another.
 */
import { randomInt } from 'node:crypto';
import type { LookupSpec, SimulatedBehaviour } from '../profile/profile-types.ts';
import { AnswerCache, questionKey } from './answer-cache.ts';
import type { DeviceLog } from './device-log.ts';
import type { Question, StubResolver } from './stub-resolver.ts';

/** Drives the needs of every configured lookup through the cache and the stub. */
export class Application {
  private readonly lookups: readonly LookupSpec[];
  private readonly cache: AnswerCache;
  private readonly inFlight = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(behaviour: SimulatedBehaviour, private readonly stub: StubResolver, private readonly log: DeviceLog) {
    this.lookups = behaviour.lookups;
    this.cache = new AnswerCache(behaviour.ttl);
  }

  /** Starts every lookup's rhythm; the first need of each comes at once. */
  start(): void {
    for (const lookup of this.lookups) this.schedule(lookup, 0);
  }

  /** No further needs; a lookup in flight ends without touching the cache. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(lookup: LookupSpec, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.need({ name: lookup.name, type: lookup.type });
      const jitter = lookup.jitterMs ? randomInt(0, lookup.jitterMs + 1) : 0;
      this.schedule(lookup, lookup.everyMs + jitter);
    }, delayMs);
    this.timers.add(timer);
  }

  private async need(question: Question): Promise<void> {
    const { name, type } = question;
    this.log('need', { name, type });
    const cached = this.cache.lookup(name, type);
    if (cached) {
      this.log('cache-hit', { name, type, negative: cached.negative, addresses: cached.addresses, expiresAt: cached.expiresAt });
      return;
    }
    const key = questionKey(name, type);
    if (this.inFlight.has(key)) {
      this.log('coalesced', { name, type });
      return;
    }
    this.inFlight.add(key);
    try {
      const resolution = await this.stub.resolve(question);
      if (this.stopped) return;
      if (resolution.outcome === 'answer') {
        const kept = this.cache.store(name, type, { addresses: resolution.addresses, negative: false }, resolution.ttl);
        this.log('resolved', { name, type, addresses: resolution.addresses, ttl: resolution.ttl, cachedSeconds: kept });
      } else if (resolution.outcome === 'negative') {
        const kept = resolution.ttl === null ? 0 : this.cache.store(name, type, { addresses: [], negative: true }, resolution.ttl);
        this.log('negative', { name, type, rcode: resolution.rcode, ttl: resolution.ttl, cachedSeconds: kept });
      } else {
        this.log('failed', { name, type, reason: resolution.reason });
      }
    } finally {
      this.inFlight.delete(key);
    }
  }
}
