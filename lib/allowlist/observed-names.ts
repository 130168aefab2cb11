/**
 * The names a device resolved, from the evidence of one or more runs: each name it asked
 * that got a NOERROR answer the harness did not change (a forged, emptied or withheld answer
 * says nothing about what the device needs), with the CNAME targets and addresses of those
 * answers. Names asked and never answered unchanged are kept apart: they are not allowed.
 */
import type { Evidence } from '../evidence/evidence.ts';
import type { RecordSummary, ResponseEvent } from '../evidence/events.ts';
import { normaliseName } from '../dns/names.ts';

/** One name the device resolved. */
export interface ObservedName {
  /** Lower case, without the trailing dot. */
  name: string;
  /** Query types asked for it (A, AAAA, ...), sorted. */
  types: string[];
  /** Names its answers' CNAME chains led to, in chain order, without repeats. */
  cnameTargets: string[];
  /** IPv4 addresses answered (for the name or its CNAME targets), sorted. */
  ipv4: string[];
  /** IPv6 addresses answered, sorted. */
  ipv6: string[];
  /** Queries for it with an unchanged NOERROR answer. */
  queries: number;
}

/** What the runs show. */
export interface ObservedNames {
  /** Names resolved, by name. */
  resolved: ObservedName[];
  /** Names asked but never answered unchanged with NOERROR (not allowed), with the rcodes or drops seen. */
  unresolved: { name: string; outcome: string[] }[];
}

interface Tally {
  types: Set<string>;
  targets: string[];
  ipv4: Set<string>;
  ipv6: Set<string>;
  queries: number;
}

/** Follows the answer section from `name` through CNAMEs, collecting targets and the addresses at the chain's end. */
function follow(name: string, answers: readonly RecordSummary[], tally: Tally): void {
  let current = name;
  const seen = new Set<string>([current]);
  for (let step = 0; step < answers.length; step++) {
    const cname = answers.find((r) => r.type === 'CNAME' && normaliseName(r.name) === current);
    if (!cname) break;
    const target = normaliseName(cname.data);
    if (seen.has(target)) break;
    seen.add(target);
    if (!tally.targets.includes(target)) tally.targets.push(target);
    current = target;
  }
  for (const record of answers) {
    if (!seen.has(normaliseName(record.name))) continue;
    if (record.type === 'A') tally.ipv4.add(record.data);
    if (record.type === 'AAAA') tally.ipv6.add(record.data);
  }
}

/** Whether a response is the answer as the zone gave it: the harness changed nothing in it. */
function unchanged(response: ResponseEvent): boolean {
  return response.manipulations.length === 0 && response.reason === null;
}

/** The names the DUT resolved across the runs' evidence. */
export function observedNames(runs: readonly { evidence: Evidence; dutId: string }[]): ObservedNames {
  const tallies = new Map<string, Tally>();
  const outcomes = new Map<string, Set<string>>();
  for (const { evidence, dutId } of runs) {
    for (const query of evidence.queries(dutId)) {
      const question = query.questions[0];
      if (!question) continue;
      const name = normaliseName(question.name);
      const response = evidence.responseTo(query);
      const outcome =
        response === undefined
          ? 'no answer'
          : !unchanged(response)
            ? `answer changed by the harness (${response.manipulations.join(', ') || response.reason})`
            : response.flags.rcode;
      if (!outcomes.has(name)) outcomes.set(name, new Set());
      outcomes.get(name)!.add(outcome);
      if (response === undefined || !unchanged(response) || response.flags.rcode !== 'NOERROR') continue;
      let tally = tallies.get(name);
      if (!tally) {
        tally = { types: new Set(), targets: [], ipv4: new Set(), ipv6: new Set(), queries: 0 };
        tallies.set(name, tally);
      }
      tally.types.add(question.type);
      tally.queries++;
      follow(name, response.answers, tally);
    }
  }
  const sorted = <T>(values: Iterable<T>) => [...values].sort();
  const resolved = sorted(tallies.keys()).map((name) => {
    const t = tallies.get(name)!;
    return {
      name,
      types: sorted(t.types),
      cnameTargets: t.targets,
      ipv4: sorted(t.ipv4),
      ipv6: sorted(t.ipv6),
      queries: t.queries,
    };
  });
  const unresolved = sorted(outcomes.keys())
    .filter((name) => !tallies.has(name))
    .map((name) => ({ name, outcome: sorted(outcomes.get(name)!) }));
  return { resolved, unresolved };
}

/** Every name a resolver must let through for the device: the names resolved and their CNAME targets, sorted, once each. */
export function allowedNames(observed: ObservedNames): string[] {
  return [...new Set(observed.resolved.flatMap((n) => [n.name, ...n.cnameTargets]))].sort();
}
