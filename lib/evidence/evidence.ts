/**
 * A read-only view over the events of one run, with the lookups checks need. Built from
 * `events.ndjson` (see `load-evidence.ts`) or from a fixture; holds no live state.
 */
import type {
  DropEvent,
  EvidenceEvent,
  Microseconds,
  PhaseEvent,
  QueryEvent,
  ResponseEvent,
  RunEvent,
} from './events.ts';

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
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.t < events[i - 1]!.t) return events.sort((a, b) => a.t - b.t || a.seq - b.seq);
  }
  return events;
}

export class Evidence {
  readonly events: readonly EvidenceEvent[];
  private readonly responsesByQuery = new Map<number, ResponseEvent>();
  private readonly dropsByQuery = new Map<number, DropEvent>();

  constructor(events: readonly EvidenceEvent[]) {
    this.events = events;
    for (const event of events) {
      if (event.type === 'dns.response') this.responsesByQuery.set(event.queryRef, event);
      else if (event.type === 'dns.drop') this.dropsByQuery.set(event.queryRef, event);
    }
  }

  /**
   * DNS queries of a DUT (or of anyone, without `dut`), in time order: the order they were
   * logged, except that queries read from the capture at the end of a run take their place.
   */
  queries(dut?: string): QueryEvent[] {
    return inTimeOrder(this.events.filter(
      (e): e is QueryEvent => e.type === 'dns.query' && (dut === undefined || e.dut === dut),
    ));
  }

  /** Responses to a DUT (or to anyone), in time order. */
  responses(dut?: string): ResponseEvent[] {
    return inTimeOrder(this.events.filter(
      (e): e is ResponseEvent => e.type === 'dns.response' && (dut === undefined || e.dut === dut),
    ));
  }

  /** Every query of a DUT paired with the response or drop it got. */
  exchanges(dut?: string): Exchange[] {
    return this.queries(dut).map((query) => ({
      query,
      response: this.responsesByQuery.get(query.seq),
      drop: this.dropsByQuery.get(query.seq),
    }));
  }

  /** The response to a query, if one was sent. */
  responseTo(query: QueryEvent): ResponseEvent | undefined {
    return this.responsesByQuery.get(query.seq);
  }

  /** The phases, in order, with their windows. */
  phases(): PhaseWindow[] {
    const windows: PhaseWindow[] = [];
    const open = new Map<string, PhaseEvent>();
    for (const event of this.events) {
      if (event.type === 'phase.start') open.set(event.name, event);
      else if (event.type === 'phase.end') {
        const start = open.get(event.name);
        if (!start) continue;
        open.delete(event.name);
        windows.push({ name: event.name, scenario: start.scenario, start: start.t, end: event.t, endReason: event.reason ?? null });
      }
    }
    const last = this.events.at(-1)?.t ?? 0;
    for (const start of open.values()) {
      windows.push({ name: start.name, scenario: start.scenario, start: start.t, end: last, endReason: null });
    }
    return windows.sort((a, b) => a.start - b.start);
  }

  /**
   * The same evidence narrowed to the phases of the given experiments (`'*'` keeps all),
   * keeping events outside any phase (run markers). A check judges only the conditions it
   * was written for: a re-query under `ttl(0)` says nothing about honouring a normal TTL.
   */
  forExperiments(experiments: readonly string[]): Evidence {
    if (experiments.includes('*')) return this;
    const wanted = new Set(experiments);
    const kept = new Set<string>();
    for (const event of this.events) {
      if (event.type === 'phase.start' && wanted.has(event.experiment ?? event.name)) kept.add(event.name);
    }
    return new Evidence(this.events.filter((e) => e.phase === null || kept.has(e.phase)));
  }

  /** When observation began and ended (run markers, else the first and last event). */
  span(): { start: Microseconds; end: Microseconds } {
    const runStart = this.events.find((e): e is RunEvent => e.type === 'run.start');
    const runEnd = this.events.find((e): e is RunEvent => e.type === 'run.end');
    return {
      start: runStart?.t ?? this.events[0]?.t ?? 0,
      end: runEnd?.t ?? this.events.at(-1)?.t ?? 0,
    };
  }
}
