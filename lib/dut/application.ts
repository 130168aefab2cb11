/**
 * The simulated device's application: it needs each configured name at its own rhythm
 * (every `everyMs` plus up to `jitterMs`) and asks the stub, which answers from its cache
 * or from the network. One lookup per name is in flight at a time; a need that arrives
 * meanwhile is coalesced into it rather than starting another.
 *
 * What it does with the outcome is where careful and careless devices differ: it may
 * connect to the addresses it got (so a forged record it accepted reaches the canary),
 * hold a failing name down with growing back-off (RFC 9520), re-ask in a bounded storm, or
 * keep the needs a failing name could not meet and fire them all at once when it resolves.
 */
import { randomInt } from 'node:crypto';
import type { LookupSpec, SimulatedBehaviour } from '../profile/profile-types.ts';
import { AnswerCache, extremeTtlHandling, questionKey } from './answer-cache.ts';
import { connectBriefly } from './connect-briefly.ts';
import type { DeviceLog } from './device-log.ts';
import type { Question, Resolution, StubResolver } from './stub-resolver.ts';

/** A name whose resolution keeps failing: how often in a row, and until when it is held down. */
interface FailureState {
  consecutive: number;
  holdUntil: number;
}

/** Drives the needs of every configured lookup through the cache and the stub. */
export class Application {
  private readonly lookups: readonly LookupSpec[];
  private readonly cache: AnswerCache;
  private readonly inFlight = new Set<string>();
  private readonly failures = new Map<string, FailureState>();
  /** Names whose last resolution failed, and the needs kept for them (retryBacklog). */
  private readonly failing = new Set<string>();
  private readonly backlog = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  /** Told after each resolution whether it worked (an answer, or a cacheable negative one) or failed. */
  onResolution: ((worked: boolean) => void) | null = null;

  constructor(
    private readonly behaviour: SimulatedBehaviour,
    private readonly stub: StubResolver,
    private readonly log: DeviceLog,
    private readonly sourceAddress?: string,
  ) {
    this.lookups = behaviour.lookups;
    this.cache = new AnswerCache(behaviour.ttl, Date.now, extremeTtlHandling(behaviour));
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
      this.log('cache-hit', {
        name,
        type,
        negative: cached.negative,
        addresses: cached.addresses,
        expiresAt: cached.expiresAt,
      });
      return;
    }
    const key = questionKey(name, type);
    if (this.inFlight.has(key)) {
      if (this.keep(key, question)) return;
      this.log('coalesced', { name, type });
      return;
    }
    const failing = this.failures.get(key);
    if (failing && failing.holdUntil > Date.now()) {
      this.log('failure-cached', { name, type, consecutive: failing.consecutive, holdUntil: failing.holdUntil });
      return;
    }
    this.inFlight.add(key);
    try {
      let usable = await this.settle(question, await this.stub.resolve(question));
      const storm = this.behaviour.requeryStorm;
      // A careless device re-asks at a fixed rate, never backing off; bounded so the harness is never loaded.
      for (let sent = 0; storm && !usable.ok && sent < storm.maxQueries && !this.stopped; sent += 1) {
        await delay(storm.intervalMs);
        if (this.stopped) break;
        this.log('storm-requery', { name, type, n: sent + 1, afterMs: storm.intervalMs, why: usable.why });
        usable = await this.settle(question, await this.stub.resolve(question));
      }
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Takes a resolution into the cache (or failure state) and uses it; says whether the device got what it needed. */
  private async settle(question: Question, resolution: Resolution): Promise<{ ok: boolean; why: string }> {
    const { name, type } = question;
    const key = questionKey(name, type);
    if (this.stopped) return { ok: true, why: 'stopped' };
    this.onResolution?.(
      resolution.outcome === 'answer' || (resolution.outcome === 'negative' && resolution.ttl !== null),
    );
    if (resolution.outcome === 'answer') {
      this.failures.delete(key);
      this.failing.delete(key);
      this.replayBacklog(key, question);
      const kept = this.cache.store(name, type, { addresses: resolution.addresses, negative: false }, resolution.ttl);
      this.log('resolved', { name, type, addresses: resolution.addresses, ttl: resolution.ttl, cachedSeconds: kept });
      if (this.behaviour.connect) await this.connectTo(resolution.addresses, this.behaviour.connect);
      return resolution.ttl === 0 ? { ok: false, why: 'TTL 0' } : { ok: true, why: 'answer' };
    }
    if (resolution.outcome === 'negative' && resolution.ttl !== null) {
      this.failures.delete(key);
      const kept = this.cache.store(name, type, { addresses: [], negative: true }, resolution.ttl);
      this.log('negative', { name, type, rcode: resolution.rcode, ttl: resolution.ttl, cachedSeconds: kept });
      return { ok: kept > 0, why: `${resolution.rcode} kept ${kept} s` };
    }
    const why = resolution.outcome === 'negative' ? `${resolution.rcode} without SOA` : resolution.reason;
    this.log('failed', { name, type, reason: why });
    if (resolution.outcome === 'failure') this.failing.add(key);
    this.holdDown(key, question);
    return { ok: false, why };
  }

  /** retryBacklog: keeps a need that came while its name is failing; says whether it did. */
  private keep(key: string, question: Question): boolean {
    const backlog = this.behaviour.retryBacklog;
    if (!backlog || !this.failing.has(key)) return false;
    const kept = this.backlog.get(key) ?? 0;
    if (kept < backlog.maxNeeds) this.backlog.set(key, kept + 1);
    this.log('kept-need', { ...question, kept: Math.min(kept + 1, backlog.maxNeeds) });
    return true;
  }

  /** The name resolves again: every kept need is looked up at once, all together. */
  private replayBacklog(key: string, question: Question): void {
    const kept = this.backlog.get(key) ?? 0;
    if (kept === 0) return;
    this.backlog.delete(key);
    this.log('backlog-replay', { ...question, needs: kept });
    for (let i = 0; i < kept; i += 1) {
      void this.stub.resolve(question).then((resolution) => this.settle(question, resolution));
    }
  }

  /** RFC 9520 §3.2: cache the failure, for longer after each further failure in a row. */
  private holdDown(key: string, question: Question): void {
    const cache = this.behaviour.failureCache;
    if (!cache) return;
    const consecutive = (this.failures.get(key)?.consecutive ?? 0) + 1;
    const seconds = Math.min(cache.minSeconds * cache.backoff ** (consecutive - 1), cache.maxSeconds);
    const holdUntil = Date.now() + seconds * 1000;
    this.failures.set(key, { consecutive, holdUntil });
    this.log('hold-down', { ...question, consecutive, seconds, holdUntil });
  }

  /** Uses the addresses: a short TCP connection to each, closed at once. */
  private async connectTo(addresses: readonly string[], connect: { port: number; timeoutMs: number }): Promise<void> {
    await Promise.all(
      addresses.map(async (address) => {
        const outcome = await connectBriefly(address, connect.port, connect.timeoutMs, this.sourceAddress);
        this.log('connect', { address, port: connect.port, ...outcome });
      }),
    );
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
