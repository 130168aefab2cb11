/**
 * When a check's verdict is settled before its phase's window ends (issue 19 item 1): the
 * sequential decision the checks share. A plan with `earlyStop` ends a phase once every
 * check that needs it says `settled`; these helpers say it for a PASS as well as a FAIL.
 *
 * Everything is judged on the phase in progress (the phase without an end), since that is
 * the phase early stop would cut short: evidence of earlier phases of the same check was
 * already settled when they ended. On a finished run (a fixture, a re-judged run) the last
 * phase stands for it.
 *
 * Two kinds of settlement:
 * * **Statistical** rules (a share of events over a threshold) use Wald's sequential
 *   probability ratio test (SPRT) on the phase's events: H0 "bad share ≤ p0" against H1
 *   "bad share ≥ p1", where p1 is the rule's own threshold. With error rates α (stop on
 *   FAIL although H0 holds) and β (stop on PASS although H1 holds) the test stops at the
 *   first n where the log-likelihood ratio leaves (log β/(1−α), log (1−β)/α). Only a PASS is
 *   settled this way, when the test accepts H0 and the rule's verdict so far is PASS: a FAIL
 *   on a share settles nothing (as before), since events on a loaded machine come in
 *   clusters, not independently, and the whole window's share decides a FAIL.
 * * **Deterministic** rules settle when the DUT has shown the behaviour the rule waits for:
 *   a TTL rule once every question was asked again after its answer ran out; a forgery
 *   rule once every forged question was looked up again with no canary contact.
 */
import type { Evidence, PhaseWindow } from '../lib/evidence/evidence.ts';
import type { CanaryContactEvent, ResponseEvent } from '../lib/evidence/events.ts';
import { questionKeyOf } from './question-series.ts';

/** The error rates and null share of the sequential test, as every statistical rule states them. */
export interface SequentialParameters {
  [name: string]: number;
  settleAlpha: number;
  settleBeta: number;
  settleP0: number;
}

/** α = β = 1 %: one early stop in a hundred may be wrong, the rule's verdict still has the last word. */
export const SEQUENTIAL: SequentialParameters = { settleAlpha: 0.01, settleBeta: 0.01, settleP0: 0.01 };

/** The early-stop sentence of a statistical rule: what is counted and which threshold is H1. */
export function sequentialRuleText(bad: string, p1: string, s: SequentialParameters = SEQUENTIAL): string {
  return (
    ` Early stop (Wald's SPRT over the phase in progress, ${bad}): H0 share ≤ ${s.settleP0} (settleP0) against H1 share ≥ ${p1}, ` +
    `error rates α = ${s.settleAlpha} (settleAlpha) and β = ${s.settleBeta} (settleBeta, a device at H1 passed early); the phase may end once the test accepts H0 and the verdict so far is PASS.`
  );
}

/** The SPRT's decision on `bad` bad events out of `n`: H0, H1 or not yet. */
export function sprt(bad: number, n: number, p1: number, s: SequentialParameters): 'H0' | 'H1' | null {
  const p0 = s.settleP0;
  if (!(p1 > p0) || n === 0) return null;
  const llr = bad * Math.log(p1 / p0) + (n - bad) * Math.log((1 - p1) / (1 - p0));
  if (llr <= Math.log(s.settleBeta / (1 - s.settleAlpha))) return 'H0';
  if (llr >= Math.log((1 - s.settleBeta) / s.settleAlpha)) return 'H1';
  return null;
}

/** Whether `verdict` is settled by the SPRT on `bad` of `n`: PASS on H0, FAIL on H1. */
export function sprtSettles(
  verdict: 'PASS' | 'FAIL',
  bad: number,
  n: number,
  p1: number,
  s: SequentialParameters,
): boolean {
  return sprt(bad, n, p1, s) === (verdict === 'PASS' ? 'H0' : 'H1');
}

/** The phase in progress: the one without an end, else the last one (a finished run). */
export function openPhase(evidence: Evidence): PhaseWindow | undefined {
  const phases = evidence.phases();
  return phases.find((phase) => phase.endReason === null) ?? phases.at(-1);
}

/** Whether an event belongs to the phase in progress. */
export function inOpenPhase(evidence: Evidence): (event: { phase: string | null }) => boolean {
  const name = openPhase(evidence)?.name;
  return (event) => name !== undefined && event.phase === name;
}

/**
 * A forgery rule's PASS is settled when, in the phase in progress, the DUT got forged
 * answers, made no canary contact, and asked every forged question again after a forged
 * answer: it asks again only once it no longer holds the answer (its TTL, as the DUT
 * applied it, ran out), so any use of it would already have shown.
 */
export function forgeryLookedUpAgain(
  evidence: Evidence,
  dutId: string,
  manipulated: readonly ResponseEvent[],
  contacts: readonly CanaryContactEvent[],
): boolean {
  const open = inOpenPhase(evidence);
  if (contacts.some(open)) return false;
  const forged = manipulated.filter(open);
  if (forged.length === 0) return false;
  // Per question the DUT asked (a spoof may carry another question than the query it races),
  // the first forged answer: a later query of it in the phase is the look-up again.
  const queries = evidence.queries(dutId).filter(open);
  const keyOfQuery = new Map(queries.map((query) => [query.seq, questionKeyOf(query)]));
  const firstForged = new Map<string, number>();
  for (const r of forged) {
    const key = keyOfQuery.get(r.queryRef) ?? questionKeyOf(r);
    firstForged.set(key, Math.min(firstForged.get(key) ?? Infinity, r.t));
  }
  const askedAgain = new Set<string>();
  for (const query of queries) {
    const key = questionKeyOf(query);
    if (query.t > (firstForged.get(key) ?? Infinity)) askedAgain.add(key);
  }
  return [...firstForged.keys()].every((key) => askedAgain.has(key));
}

/** The early-stop sentence of a forgery rule. */
export const FORGERY_SETTLED_TEXT =
  ' Early stop: a canary contact settles the verdict at once; otherwise it is settled once the DUT, in the phase in progress, ' +
  'asked every forged question again after a forged answer with no canary contact (it asks again only once it no longer holds the answer).';

/** The sequence numbers of the events of the phase in progress. */
export function openPhaseSeqs(evidence: Evidence): Set<number> {
  // Read from the phase of each event, not from the events: over a large stored evidence
  // (imported captures, one phase) that would make a view of every event.
  const name = openPhase(evidence)?.name;
  if (name === undefined) return new Set();
  return evidence.seqsInPhase(name);
}

/** How many of `seqs` belong to the phase in progress. */
export function countIn(seqs: readonly number[], phaseSeqs: ReadonlySet<number>): number {
  return seqs.filter((seq) => phaseSeqs.has(seq)).length;
}

/** A rule that fails on any bad event states the bad share its early stop guards against (H1). */
export const SEQUENTIAL_P1: SequentialParameters & { settleP1: number } = { ...SEQUENTIAL, settleP1: 0.1 };
