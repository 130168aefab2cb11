/**
 * The DUT's queries under an experiment, grouped the way the caching, back-off and fallback
 * checks judge them: per phase and per question (name case-insensitively, type).
 */
import type { Evidence, PhaseWindow } from '../lib/evidence/evidence.ts';
import type { Microseconds, QueryEvent, ResponseEvent } from '../lib/evidence/events.ts';
import { normaliseName } from '../lib/dns/names.ts';

/** Every query of one question in one phase, in arrival order. */
export interface QuestionSeries {
  phase: PhaseWindow;
  name: string;
  type: string;
  queries: QueryEvent[];
}

/** One key per question: DNS names compare case-insensitively (0x20 randomisation included). */
export function questionKeyOf(event: QueryEvent | ResponseEvent): string {
  const question = event.questions[0];
  return question ? `${normaliseName(question.name)}|${question.type}` : '|';
}

/** Seconds between two event times. */
export function secondsBetween(from: Microseconds, to: Microseconds): number {
  return (to - from) / 1e6;
}

/** A figure for the report, to two decimals. */
export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The phase an event belongs to, by name. */
export function phaseOf(evidence: Evidence, event: { phase: string | null }): PhaseWindow | undefined {
  return evidence.phases().find((phase) => phase.name === event.phase);
}

/** The DUT's queries per phase and question (only phases present in `evidence`). */
export function questionSeries(evidence: Evidence, dutId: string): QuestionSeries[] {
  const phases = new Map(evidence.phases().map((phase) => [phase.name, phase]));
  const series = new Map<string, QuestionSeries>();
  for (const query of evidence.queries(dutId)) {
    const phase = query.phase === null ? undefined : phases.get(query.phase);
    const question = query.questions[0];
    if (!phase || !question) continue;
    const key = `${phase.name}|${questionKeyOf(query)}`;
    let entry = series.get(key);
    if (!entry)
      series.set(key, (entry = { phase, name: question.name.toLowerCase(), type: question.type, queries: [] }));
    entry.queries.push(query);
  }
  return [...series.values()];
}

/** The first query of the same question in the same phase after `t`, or undefined. */
export function nextQuery(
  evidence: Evidence,
  dutId: string,
  after: ResponseEvent,
  filter: (query: QueryEvent) => boolean = () => true,
): QueryEvent | undefined {
  const key = questionKeyOf(after);
  return evidence
    .queries(dutId)
    .find((query) => query.t > after.t && query.phase === after.phase && questionKeyOf(query) === key && filter(query));
}

/** How each trigger response was followed up. */
export interface FollowUps {
  /** Triggers followed by a fitting query in time, with that query. */
  followed: { trigger: ResponseEvent; query: QueryEvent }[];
  /** Triggers with no fitting query although the phase went on long enough. */
  missed: ResponseEvent[];
  /** Triggers too near the end of their phase to tell. */
  unjudged: ResponseEvent[];
}

/**
 * For each trigger response, whether the DUT sent a query for the same question that fits
 * `fits` (over TCP, without EDNS, ...) within `withinSeconds`, in the same phase.
 */
export function followUps(
  evidence: Evidence,
  dutId: string,
  triggers: readonly ResponseEvent[],
  fits: (query: QueryEvent) => boolean,
  withinSeconds: number,
): FollowUps {
  const phaseEnd = new Map(evidence.phases().map((phase) => [phase.name, phase.end]));
  const result: FollowUps = { followed: [], missed: [], unjudged: [] };
  for (const trigger of triggers) {
    const query = nextQuery(evidence, dutId, trigger, fits);
    if (query && secondsBetween(trigger.t, query.t) <= withinSeconds) result.followed.push({ trigger, query });
    else if (secondsBetween(trigger.t, phaseEnd.get(trigger.phase ?? '') ?? trigger.t) >= withinSeconds)
      result.missed.push(trigger);
    else result.unjudged.push(trigger);
  }
  return result;
}
