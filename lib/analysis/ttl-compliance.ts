/**
 * Whether a DUT's re-queries respect the TTLs it was given (paper Recommendation #5,
 * draft IOTDNS-D-CACHE-1). For each (name, type) the DUT asked, every positive answer it
 * received is held against the next query for the same name and type: a stub that caches
 * asks again only once the TTL has (nearly) run out.
 */
import { inTimeOrder } from '../evidence/evidence.ts';
import type { Evidence } from '../evidence/evidence.ts';
import type { QueryEvent, ResponseEvent } from '../evidence/events.ts';
import { normaliseName } from '../dns/names.ts';
import { harnessLateness } from './harness-lateness.ts';
import { isRestart } from './device-restarts.ts';

/** The thresholds that turn intervals into judgements. */
export interface TtlComplianceOptions {
  /** Slack, in seconds, for timer granularity and rounding: a re-query this close to expiry is on time. */
  graceSeconds: number;
  /** Slack as a share of the TTL, for long TTLs; the larger of the two slacks applies. */
  graceFraction: number;
  /** Answers with a shorter TTL (seconds) are not judged: the slack would swallow them. */
  minTtlSeconds: number;
  /**
   * An answer with no re-query after it is judged once this many seconds of observation
   * (or its whole TTL, when shorter) followed it without one.
   */
  followSeconds: number;
}

/** The slack and windows the ttl-honoured rule uses (its decision rule's parameters), for figures and metrics judged alike. */
export const DEFAULT_TTL_COMPLIANCE: TtlComplianceOptions = {
  graceSeconds: 1,
  graceFraction: 0.1,
  minTtlSeconds: 2,
  followSeconds: 60,
};

/** The figures for one (name, type) the DUT asked. A type alias so it can be a report figure. */
export type TtlNameRow = {
  /** Lower-cased query name, without a trailing dot. */
  name: string;
  type: string;
  /** The distinct TTLs given in answers, ascending (seconds). */
  ttls: number[];
  /** Positive answers given. */
  answers: number;
  /** Answers that could be judged (long enough TTL, and a re-query or enough observation after). */
  judged: number;
  /** Re-queries that followed a judged answer. */
  requeries: number;
  /** Of those, how many came before the TTL minus the grace. */
  premature: number;
  /** Shortest interval answer → re-query among them (seconds), null without re-queries. */
  shortestRequerySeconds: number | null;
};

/** The sums over every row. */
export type TtlTotals = {
  names: number;
  answers: number;
  judged: number;
  requeries: number;
  premature: number;
  /**
   * Queries after an answer that the harness read so late (its `harness.lateness`) that they
   * may have left the DUT before the answer did: a retry of an unanswered query, not a re-query
   * of the answer, so not held against it.
   */
  setAside: number;
};

/**
 * What followed one judgeable answer (TTL of at least `minTtlSeconds`): the re-query held
 * against it, or the silence until the evidence ended. One point of the re-query figure.
 */
export type AnswerFollowUp = {
  name: string;
  type: string;
  /** `seq` of the response that granted the TTL. */
  answerSeq: number;
  ttlSeconds: number;
  /** `seq` of the re-query held against the answer, or null when none came before the evidence ended. */
  requerySeq: number | null;
  /** Seconds from the answer to the re-query, or (no re-query) to the end of the evidence. */
  seconds: number;
  /** Whether the re-query came before the TTL less the grace (never for an answer not re-queried). */
  premature: boolean;
  /** Whether the answer counts in `judged` (a re-query, or enough observation after it). */
  judged: boolean;
};

/** The TTL compliance of one DUT. */
export interface TtlCompliance {
  /** One row per (name, type), ordered by name then type. */
  rows: TtlNameRow[];
  totals: TtlTotals;
  /** `seq`s of premature re-queries, in order. */
  prematureSeqs: number[];
  /** `seq`s of the responses whose answers were judged, in order. */
  judgedAnswerSeqs: number[];
  /** Every judgeable answer with what followed it, in answer order (answers forgotten at a restart left out). */
  followUps: AnswerFollowUp[];
}

/** One answer the DUT received, waiting for the next query of its name and type. */
interface PendingAnswer {
  response: ResponseEvent;
  ttlSeconds: number;
  /** Whether its TTL is long enough to be judged at all. */
  judgeable: boolean;
}

/** Running figures of one (name, type). */
interface NameTally {
  row: TtlNameRow;
  ttls: Set<number>;
  pending: PendingAnswer | null;
}

const MICROS_PER_SECOND = 1_000_000;

/**
 * The TTL an answer grants for the question asked: the smallest TTL among the answer
 * records of the asked type or CNAMEs. Null when the response is not a usable positive
 * answer (an error, NODATA, or truncated so the DUT could not use it).
 */
export function grantedTtl(response: ResponseEvent, askedType: string): number | null {
  if (response.flags.rcode !== 'NOERROR' || response.flags.tc) return null;
  const relevant = response.answers.filter((rr) => rr.type === askedType || rr.type === 'CNAME');
  if (relevant.length === 0) return null;
  return Math.min(...relevant.map((rr) => rr.ttl));
}

/** Holds a re-query against the answer it follows; returns whether it was premature. */
function judgeRequery(
  tally: NameTally,
  answer: PendingAnswer,
  query: QueryEvent,
  options: TtlComplianceOptions,
): boolean {
  const intervalSeconds = (query.t - answer.response.t) / MICROS_PER_SECOND;
  const grace = Math.max(options.graceSeconds, options.graceFraction * answer.ttlSeconds);
  const premature = intervalSeconds < answer.ttlSeconds - grace;
  const { row } = tally;
  row.judged += 1;
  row.requeries += 1;
  if (premature) row.premature += 1;
  row.shortestRequerySeconds =
    row.shortestRequerySeconds === null ? intervalSeconds : Math.min(row.shortestRequerySeconds, intervalSeconds);
  return premature;
}

/**
 * Results already worked out, by evidence (which never changes) and then by DUT and options:
 * the ttl-honoured check, the re-query figure and `analyze`'s output ask the same of one
 * evidence, and over a large capture each answer took a walk through every event.
 */
const worked = new WeakMap<Evidence, Map<string, TtlCompliance>>();

/**
 * Per-name TTL compliance of one DUT's queries over the whole evidence. Asked again of the
 * same evidence, DUT and options, it returns the same result (frozen, so no caller changes
 * it under another).
 */
export function ttlCompliance(evidence: Evidence, dutId: string, options: TtlComplianceOptions): TtlCompliance {
  const key = JSON.stringify([
    dutId,
    options.graceSeconds,
    options.graceFraction,
    options.minTtlSeconds,
    options.followSeconds,
  ]);
  let results = worked.get(evidence);
  if (results === undefined) {
    results = new Map();
    worked.set(evidence, results);
  }
  let result = results.get(key);
  if (result === undefined) {
    result = workOut(evidence, dutId, options);
    for (const part of [result.rows, result.totals, result.prematureSeqs, result.judgedAnswerSeqs, result.followUps])
      Object.freeze(part);
    results.set(key, Object.freeze(result));
  }
  return result;
}

function workOut(evidence: Evidence, dutId: string, options: TtlComplianceOptions): TtlCompliance {
  const tallies = new Map<string, NameTally>();
  const tallyOf = (name: string, type: string): NameTally => {
    const key = `${name}\u0000${type}`;
    let tally = tallies.get(key);
    if (!tally) {
      tally = {
        row: { name, type, ttls: [], answers: 0, judged: 0, requeries: 0, premature: 0, shortestRequerySeconds: null },
        ttls: new Set(),
        pending: null,
      };
      tallies.set(key, tally);
    }
    return tally;
  };
  const prematureSeqs: number[] = [];
  const judgedAnswerSeqs: number[] = [];
  const followUps: AnswerFollowUp[] = [];
  const lateness = harnessLateness(evidence);
  let setAside = 0;

  // Time order: a query the capture showed going elsewhere is appended when the run ends.
  for (const event of inTimeOrder([...evidence.events])) {
    if (event.dut !== dutId) continue;
    if (isRestart(event)) {
      // A restarted device starts with an empty cache: earlier answers no longer bind it.
      for (const tally of tallies.values()) tally.pending = null;
    } else if (event.type === 'dns.query') {
      const question = event.questions[0];
      if (!question) continue;
      const tally = tallyOf(normaliseName(question.name), question.type);
      const answer = tally.pending;
      if (answer && event.t - lateness.waitAt(event.t) <= answer.response.t) {
        // Read so late it may have been sent before the answer: the DUT's retry, answered in its turn.
        setAside += 1;
        continue;
      }
      // Only the first query after an answer is held against it.
      tally.pending = null;
      if (!answer?.judgeable) continue;
      judgedAnswerSeqs.push(answer.response.seq);
      const premature = judgeRequery(tally, answer, event, options);
      if (premature) prematureSeqs.push(event.seq);
      followUps.push({
        name: tally.row.name,
        type: tally.row.type,
        answerSeq: answer.response.seq,
        ttlSeconds: answer.ttlSeconds,
        requerySeq: event.seq,
        seconds: (event.t - answer.response.t) / MICROS_PER_SECOND,
        premature,
        judged: true,
      });
    } else if (event.type === 'dns.response') {
      const question = event.questions[0];
      if (!question) continue;
      const ttl = grantedTtl(event, question.type);
      if (ttl === null) continue;
      const tally = tallyOf(normaliseName(question.name), question.type);
      tally.row.answers += 1;
      tally.ttls.add(ttl);
      tally.pending = { response: event, ttlSeconds: ttl, judgeable: ttl >= options.minTtlSeconds };
    }
  }

  // Answers never re-queried are judged (as on time) when enough observation followed them.
  const { end } = evidence.span();
  for (const tally of tallies.values()) {
    const answer = tally.pending;
    if (!answer?.judgeable) continue;
    const neededSeconds = Math.min(answer.ttlSeconds, options.followSeconds);
    const silentSeconds = (end - answer.response.t) / MICROS_PER_SECOND;
    const judged = silentSeconds >= neededSeconds;
    if (judged) {
      tally.row.judged += 1;
      judgedAnswerSeqs.push(answer.response.seq);
    }
    followUps.push({
      name: tally.row.name,
      type: tally.row.type,
      answerSeq: answer.response.seq,
      ttlSeconds: answer.ttlSeconds,
      requerySeq: null,
      seconds: silentSeconds,
      premature: false,
      judged,
    });
  }

  const rows = [...tallies.values()]
    .filter((tally) => tally.row.answers > 0)
    .map((tally) => ({ ...tally.row, ttls: [...tally.ttls].sort((a, b) => a - b) }))
    .sort((a, b) => (a.name === b.name ? (a.type < b.type ? -1 : a.type > b.type ? 1 : 0) : a.name < b.name ? -1 : 1));
  const totals: TtlTotals = { names: rows.length, answers: 0, judged: 0, requeries: 0, premature: 0, setAside };
  for (const row of rows) {
    totals.answers += row.answers;
    totals.judged += row.judged;
    totals.requeries += row.requeries;
    totals.premature += row.premature;
  }
  return {
    rows,
    totals,
    prematureSeqs,
    judgedAnswerSeqs: judgedAnswerSeqs.sort((a, b) => a - b),
    followUps: followUps.sort((a, b) => a.answerSeq - b.answerSeq),
  };
}
