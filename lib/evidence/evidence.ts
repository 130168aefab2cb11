/**
 * The evidence of one run as checks read it: {@link Evidence}, a read-only view over the
 * run's events with the lookups checks need, and its in-memory implementation,
 * {@link InMemoryEvidence}, built from `events.ndjson` (see `load-evidence.ts`) or from a
 * fixture; it holds no live state.
 *
 * Checks read evidence through the lookups rather than scanning {@link Evidence.events}:
 * a large log is served by `StoredEvidence` (`stored-evidence.ts`) from a compact index,
 * where `events` has to build every event and the lookups do not. The lookups both
 * implementations derive alike from their own (phase windows, exchanges, the span) are
 * the functions at the end of this module.
 */
import type { DropEvent, EvidenceEvent, Microseconds, PhaseEvent, QueryEvent, ResponseEvent } from './events.ts';

/** A query with what the resolver did about it. */
export interface Exchange {
  query: QueryEvent;
  /** The response sent, if any. */
  response: ResponseEvent | undefined;
  /** The drop, when the scenario chose silence. */
  drop: DropEvent | undefined;
}

/** A phase's time window as the evidence marks it. */
export interface PhaseWindow {
  name: string;
  scenario: string;
  start: Microseconds;
  /** End of the phase, or of the evidence when the phase never ended (interrupted run). */
  end: Microseconds;
  endReason: string | null;
}

/**
 * Events by time, stably; the log's own order is kept where it already is one (nearly
 * always: only events read from the capture at the end of a run come late). Sorts in place.
 */
export function inTimeOrder<E extends EvidenceEvent>(events: E[]): E[] {
  return isTimeOrdered(events) ? events : events.sort((a, b) => a.t - b.t || a.seq - b.seq);
}

/** Whether no event comes before the one ahead of it. */
function isTimeOrdered(events: readonly EvidenceEvent[]): boolean {
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.t < events[i - 1]!.t) return false;
  }
  return true;
}

/** An event type's name. */
export type EventType = EvidenceEvent['type'];

/** The events whose `type` can be one of `K`. */
export type EventOfType<K extends EventType> = EvidenceEvent extends infer E
  ? E extends { type: infer T }
    ? [Extract<T, K>] extends [never]
      ? never
      : E
    : never
  : never;

/**
 * The read API checks use: the events of one run (or of some of its phases) and lookups
 * over them. Implemented in memory by {@link InMemoryEvidence} and over an event store by
 * `StoredEvidence`; both answer every lookup alike for the same log.
 */
export interface Evidence {
  /** Every event, in order (for a large stored log, prefer the lookups). */
  readonly events: readonly EvidenceEvent[];

  /** The events of the given types, in order. */
  ofType<K extends EventType>(...types: K[]): EventOfType<K>[];

  /**
   * DNS queries of a DUT (or of anyone, without `dut`), in time order: the order they were
   * logged, except that queries read from the capture at the end of a run take their place.
   */
  queries(dut?: string): QueryEvent[];

  /** Responses to a DUT (or to anyone), in time order. */
  responses(dut?: string): ResponseEvent[];

  /**
   * Visits the queries of a DUT (or of anyone) in time order, as {@link Evidence.queries}
   * lists them, without making the list: what a check over a large capture should use. A
   * visit returning false stops.
   */
  eachQuery(dut: string | undefined, visit: (query: QueryEvent) => boolean | void): void;

  /** Visits the responses to a DUT (or to anyone) in order, as {@link Evidence.eachQuery} does the queries. */
  eachResponse(dut: string | undefined, visit: (response: ResponseEvent) => boolean | void): void;

  /** Every query of a DUT paired with the response or drop it got. */
  exchanges(dut?: string): Exchange[];

  /** The response to a query, if one was sent (the last one logged for it). */
  responseTo(query: QueryEvent): ResponseEvent | undefined;

  /** The drop of a query, when the scenario chose silence. */
  dropOf(query: QueryEvent): DropEvent | undefined;

  /** The phases, in order, with their windows. */
  phases(): PhaseWindow[];

  /** The `seq`s of the events of one phase (by name), without making the events. */
  seqsInPhase(phase: string): Set<number>;

  /** The phases of the plan not run for the DUT (`phase.skip`), in order, each with its experiment and why. */
  phasesNotRun(): PhaseNotRun[];

  /**
   * The same evidence narrowed to the phases of the given experiments (`'*'` keeps all),
   * keeping events outside any phase (run markers), except what the DUT did between two
   * phases, which goes with the phase that ran last before it ({@link experimentScope}). A
   * check judges only the conditions it was written for: a re-query under `ttl(0)` says
   * nothing about honouring a normal TTL.
   */
  forExperiments(experiments: readonly string[]): Evidence;

  /** When observation began and ended (run markers, else the first and last event). */
  span(): { start: Microseconds; end: Microseconds };
}

/** A phase of the plan not run for the DUT, as its `phase.skip` event says. */
export interface PhaseNotRun {
  name: string;
  experiment: string;
  reason: string;
}

/** The time of the first and of the last event of some evidence (undefined without events). */
export interface EdgeTimes {
  first: Microseconds | undefined;
  last: Microseconds | undefined;
}

/** {@link Evidence} over events held in memory as objects: what fixtures, live runs and `loadEvidence` build. */
export class InMemoryEvidence implements Evidence {
  readonly #events: readonly EvidenceEvent[];
  readonly #responsesByQuery = new Map<number, ResponseEvent>();
  readonly #dropsByQuery = new Map<number, DropEvent>();

  constructor(events: readonly EvidenceEvent[]) {
    this.#events = events;
    for (const event of events) {
      if (event.type === 'dns.response') this.#responsesByQuery.set(event.queryRef, event);
      else if (event.type === 'dns.drop') this.#dropsByQuery.set(event.queryRef, event);
    }
  }

  get events(): readonly EvidenceEvent[] {
    return this.#events;
  }

  #timeOrdered: readonly EvidenceEvent[] | null = null;

  /** The events in time order: the log itself unless some came late (a copy of references, made once). */
  #inTimeOrder(): readonly EvidenceEvent[] {
    this.#timeOrdered ??= isTimeOrdered(this.#events) ? this.#events : inTimeOrder([...this.#events]);
    return this.#timeOrdered;
  }

  ofType<K extends EventType>(...types: K[]): EventOfType<K>[] {
    const wanted = new Set<string>(types);
    return this.#events.filter((e): e is EventOfType<K> => wanted.has(e.type));
  }

  queries(dut?: string): QueryEvent[] {
    return inTimeOrder(
      this.#events.filter((e): e is QueryEvent => e.type === 'dns.query' && (dut === undefined || e.dut === dut)),
    );
  }

  responses(dut?: string): ResponseEvent[] {
    return inTimeOrder(
      this.#events.filter((e): e is ResponseEvent => e.type === 'dns.response' && (dut === undefined || e.dut === dut)),
    );
  }

  eachQuery(dut: string | undefined, visit: (query: QueryEvent) => boolean | void): void {
    for (const e of this.#inTimeOrder()) {
      if (e.type === 'dns.query' && (dut === undefined || e.dut === dut) && visit(e) === false) return;
    }
  }

  eachResponse(dut: string | undefined, visit: (response: ResponseEvent) => boolean | void): void {
    for (const e of this.#inTimeOrder()) {
      if (e.type === 'dns.response' && (dut === undefined || e.dut === dut) && visit(e) === false) return;
    }
  }

  exchanges(dut?: string): Exchange[] {
    return exchangesOf(this, dut);
  }

  responseTo(query: QueryEvent): ResponseEvent | undefined {
    return this.#responsesByQuery.get(query.seq);
  }

  dropOf(query: QueryEvent): DropEvent | undefined {
    return this.#dropsByQuery.get(query.seq);
  }

  seqsInPhase(phase: string): Set<number> {
    const seqs = new Set<number>();
    for (const event of this.#events) if (event.phase === phase) seqs.add(event.seq);
    return seqs;
  }

  phases(): PhaseWindow[] {
    return phaseWindowsOf(this, this.#edgeTimes().last);
  }

  phasesNotRun(): PhaseNotRun[] {
    return phasesNotRunOf(this);
  }

  forExperiments(experiments: readonly string[]): Evidence {
    if (experiments.includes('*')) return this;
    const inScope = experimentScope(phasesOfExperiments(this, experiments));
    return new InMemoryEvidence(this.#events.filter((e) => inScope(e.type, e.phase)));
  }

  #edgeTimes(): EdgeTimes {
    return { first: this.#events[0]?.t, last: this.#events.at(-1)?.t };
  }

  span(): { start: Microseconds; end: Microseconds } {
    return spanOf(this, () => this.#edgeTimes());
  }
}

/**
 * Makes in-memory evidence: `new Evidence(events)` is `new InMemoryEvidence(events)`, the
 * spelling the fixtures, loaders and live runs that build evidence from events use.
 */
export const Evidence: new (events: readonly EvidenceEvent[]) => Evidence = InMemoryEvidence;

/** {@link Evidence.exchanges} from the evidence's own lookups. */
export function exchangesOf(evidence: Evidence, dut: string | undefined): Exchange[] {
  return evidence
    .queries(dut)
    .map((query) => ({ query, response: evidence.responseTo(query), drop: evidence.dropOf(query) }));
}

/**
 * {@link Evidence.phases} from the evidence's phase markers: a phase that never ended (an
 * interrupted run) ends at `last`, the time of the evidence's last event (0 without one).
 */
export function phaseWindowsOf(evidence: Evidence, last: Microseconds | undefined): PhaseWindow[] {
  const windows: PhaseWindow[] = [];
  const open = new Map<string, PhaseEvent>();
  for (const event of evidence.ofType('phase.start', 'phase.end')) {
    if (event.type === 'phase.start') open.set(event.name, event);
    else {
      const start = open.get(event.name);
      if (!start) continue;
      open.delete(event.name);
      windows.push({
        name: event.name,
        scenario: start.scenario,
        start: start.t,
        end: event.t,
        endReason: event.reason ?? null,
      });
    }
  }
  const end = last ?? 0;
  for (const start of open.values()) {
    windows.push({ name: start.name, scenario: start.scenario, start: start.t, end, endReason: null });
  }
  return windows.sort((a, b) => a.start - b.start);
}

/** {@link Evidence.phasesNotRun} from the evidence's `phase.skip` events. */
export function phasesNotRunOf(evidence: Evidence): PhaseNotRun[] {
  return evidence.ofType('phase.skip').map(({ name, experiment, reason }) => ({ name, experiment, reason }));
}

/**
 * What a DUT does, and what answers it, recorded between two phases (the phase had ended, the
 * next not begun: a device stopping for a power-cycle, a connection it made late): it acts on
 * what it was given in the phase that ran last, so that phase's checks judge it. Kept in every
 * scope, a canary contact made after a forged-CNAME phase (whose forged answers the DUT may
 * use) failed the record-validation check of the phases after it (a fleet run at load 7).
 */
const DUT_ACTIVITY: ReadonlySet<string> = new Set([
  'dns.query',
  'dns.response',
  'upstream.answer',
  'dns.drop',
  'dns.malformed',
  'dns.suppressed',
  'dns.encrypted-contact',
  'canary.contact',
  'liveness.probe',
]);

/**
 * The scope of {@link Evidence.forExperiments}, asked of each event in log order: events of the
 * `kept` phases; events outside any phase (run markers, the DUT's starts and exits, triggers)
 * except the DUT's activity between phases, kept only when the phase that started last before
 * it is kept (or none has started yet).
 */
export function experimentScope(kept: ReadonlySet<string>): (type: string, phase: string | null) => boolean {
  let lastStarted: string | null = null;
  return (type, phase) => {
    if (phase !== null) {
      if (type === 'phase.start') lastStarted = phase;
      return kept.has(phase);
    }
    return !DUT_ACTIVITY.has(type) || lastStarted === null || kept.has(lastStarted);
  };
}

/** The names of the phases that ran one of the given experiments (`'*'` is not special here). */
export function phasesOfExperiments(evidence: Evidence, experiments: readonly string[]): Set<string> {
  const wanted = new Set(experiments);
  const kept = new Set<string>();
  for (const event of evidence.ofType('phase.start')) {
    if (wanted.has(event.experiment ?? event.name)) kept.add(event.name);
  }
  return kept;
}

/**
 * {@link Evidence.span} from the evidence's run markers, else from `edgeTimes` (asked only
 * when a marker is missing).
 */
export function spanOf(evidence: Evidence, edgeTimes: () => EdgeTimes): { start: Microseconds; end: Microseconds } {
  const runStart = evidence.ofType('run.start')[0];
  const runEnd = evidence.ofType('run.end')[0];
  const edges = runStart !== undefined && runEnd !== undefined ? { first: undefined, last: undefined } : edgeTimes();
  return {
    start: runStart?.t ?? edges.first ?? 0,
    end: runEnd?.t ?? edges.last ?? 0,
  };
}
