/**
 * Traceability: for every clause of every catalogue, the checks whose `covers` cite it, or
 * why none does. `dnsconform list --coverage` prints it; `dnsconform lint` fails on a
 * clause neither covered nor explained.
 */
import type { LoadedCheck } from './check-types.ts';
import { testCaseIds } from '../catalogue/catalogue-types.ts';
import type { CatalogueSource, Catalogues, DraftClause, EtsiProvision } from '../catalogue/catalogue-types.ts';

/**
 * `covered`: at least one check cites it. `lab-assessment`: no check; the lab judges it from
 * the supplier's documents (the profile's labAssessments). `not-tested`: no check, for the
 * reason given. `uncovered`: no check and no reason, a catalogue defect.
 */
export type CoverageStatus = 'covered' | 'lab-assessment' | 'not-tested' | 'uncovered';

/** One clause's coverage, as `list --coverage --json` prints it. */
export interface CoverageRow {
  source: CatalogueSource;
  /** `1`–`9` for the recommendations, the `IOTDNS-*` id, the provision number. */
  clause: string;
  /** Ids of the checks citing it, sorted. */
  checks: string[];
  status: CoverageStatus;
  /** Why it is not covered, or what a covered clause still leaves to the lab; null when nothing. */
  reason: string | null;
}

/** The draft's own reference to a clause: `draft-…-04 §4.2`, or the revision alone while unverified. */
export function draftReference(clause: Pick<DraftClause, 'section' | 'revision'>, document: string): string {
  return `${document}-${clause.revision}${clause.section === null ? ' (section not confirmed)' : ` §${clause.section}`}`;
}

function citing(checks: LoadedCheck[], source: CatalogueSource, clause: string): string[] {
  return checks
    .filter((c) => c.meta.covers[source].includes(clause))
    .map((c) => c.id)
    .sort();
}

function uncoveredRow(
  source: CatalogueSource,
  clause: string,
  item: { notTestedReason?: string; labAssessment?: boolean },
): CoverageRow {
  if (item.notTestedReason === undefined) {
    return {
      source,
      clause,
      checks: [],
      status: 'uncovered',
      reason: 'no check cites it and the catalogue gives no reason',
    };
  }
  return {
    source,
    clause,
    checks: [],
    status: item.labAssessment === true ? 'lab-assessment' : 'not-tested',
    reason: item.notTestedReason,
  };
}

function draftRow(clause: DraftClause, document: string, checks: LoadedCheck[]): CoverageRow {
  const ids = citing(checks, 'draft', clause.id);
  if (ids.length === 0) return uncoveredRow('draft', clause.id, clause);
  const provisional = clause.verified
    ? null
    : `provisional: not checked against the text of ${document}-${clause.revision}`;
  return { source: 'draft', clause: clause.id, checks: ids, status: 'covered', reason: provisional };
}

function etsiRow(provision: EtsiProvision, checks: LoadedCheck[]): CoverageRow {
  const ids = citing(checks, 'etsi', provision.id);
  if (ids.length === 0) return uncoveredRow('etsi', provision.id, provision);
  // The harness gives functional evidence; conceptual test cases judge the supplier's documents.
  const conceptual = testCaseIds(provision, 'conceptual');
  const functional = testCaseIds(provision, 'functional');
  const parts = [
    functional.length > 0
      ? `functional evidence for TS 103 701 test case ${functional.join(', ')}`
      : "no functional test case in TS 103 701: evidence supports the lab's conceptual judgement",
    conceptual.length > 0
      ? `conceptual ${conceptual.join(', ')} is the lab's (IXIT ${provision.ixit.join(', ')})`
      : null,
  ].filter((p) => p !== null);
  return { source: 'etsi', clause: provision.id, checks: ids, status: 'covered', reason: parts.join('; ') };
}

/** Every clause of the three catalogues, in catalogue order, with the checks covering it. */
export function coverage(catalogues: Catalogues, checks: LoadedCheck[]): CoverageRow[] {
  return [
    ...catalogues.paper.recommendations.map((r): CoverageRow => {
      const ids = citing(checks, 'paper', r.id);
      return ids.length > 0
        ? { source: 'paper', clause: r.id, checks: ids, status: 'covered', reason: null }
        : { source: 'paper', clause: r.id, checks: [], status: 'uncovered', reason: 'no check cites it' };
    }),
    ...catalogues.draft.clauses.map((c) => draftRow(c, catalogues.draft.document, checks)),
    ...catalogues.etsi.provisions.map((p) => etsiRow(p, checks)),
  ];
}
