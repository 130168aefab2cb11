/**
 * Re-judgement of the report fields read in the clause catalogues and the profile (not in
 * the evidence): they are made again from the signed results' citations, the stored
 * profile and the catalogues in force now, and compared with the signed ones. A difference
 * is explained by a catalogue whose digest is not the one the report names (the mapping was
 * updated since: the signed report stays as it was issued), by another harness, or else is
 * a harness fault, since the same inputs must give the same fields.
 */
import type { CatalogueSource, Catalogues } from '../catalogue/catalogue-types.ts';
import type { Profile } from '../profile/profile-types.ts';
import { CatalogueCitationError } from './clause-citations.ts';
import type { Report } from './report-types.ts';
import { traceabilityFields } from './traceability.ts';
import type { TraceabilityFields } from './traceability.ts';

/** One signed field the current catalogues and profile do not give again. */
export interface TraceabilityChange {
  /** JSON pointer into report.json (`/results/3/traceability`, `/citations/catalogues/draft`). */
  field: string;
  reason: string;
  /** Nothing explains it (same catalogues, same harness): the harness did not reproduce its own report. */
  fault: boolean;
}

const SOURCES: readonly CatalogueSource[] = ['paper', 'draft', 'etsi'];
const short = (sha256: string) => `${sha256.slice(0, 12)}…`;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The catalogue files whose digest differs from the one the report names, one change each. */
function catalogueChanges(signed: Report, catalogues: Catalogues): TraceabilityChange[] {
  return SOURCES.flatMap((source) => {
    const was = signed.citations.catalogues[source];
    const now = catalogues.sha256[source];
    return was.sha256 === now
      ? []
      : [
          {
            field: `/citations/catalogues/${source}`,
            fault: false,
            reason: `${was.file} is not the catalogue the report was built with: sha256 ${short(was.sha256)} signed, ${short(now)} in ${catalogues.files[source]} now`,
          },
        ];
  });
}

/** Signed fields that differ from `rebuilt`, by JSON pointer (results by index, named by check id). */
function differingFields(signed: Report, rebuilt: TraceabilityFields): { field: string; what: string }[] {
  const fields = [
    ...signed.results.map((result, i) => ({
      field: `/results/${i}/traceability`,
      what: `the citations of ${result.check}`,
      was: result.traceability,
      now: rebuilt.traceability[i],
    })),
    // The digests are compared file by file above; the rest of the citations here.
    {
      field: '/citations',
      what: 'the citations',
      was: { ...signed.citations, catalogues: null },
      now: { ...rebuilt.citations, catalogues: null },
    },
    {
      field: '/customerSupplied',
      what: 'the customer-supplied ICS and IXIT',
      was: signed.customerSupplied,
      now: rebuilt.customerSupplied,
    },
    { field: '/labAssessments', what: 'the lab assessments', was: signed.labAssessments, now: rebuilt.labAssessments },
    {
      field: '/notDeviceRequirements',
      what: 'the clauses that are not device requirements',
      was: signed.notDeviceRequirements,
      now: rebuilt.notDeviceRequirements,
    },
  ];
  return fields.filter((f) => !same(f.was, f.now)).map(({ field, what }) => ({ field, what }));
}

/**
 * How the signed report's catalogue-derived fields compare with those made now from its
 * results' citations, `profile` (the stored copy) and `catalogues`. `harnessReason` says how
 * the harness differs from the one that signed, or is null when it is the same.
 */
export function traceabilityChanges(
  signed: Report,
  profile: Profile,
  catalogues: Catalogues,
  harnessReason: string | null,
): TraceabilityChange[] {
  const changed = catalogueChanges(signed, catalogues);
  const why =
    changed.length > 0
      ? `the catalogues changed since the report (${changed.map((c) => c.field.slice(c.field.lastIndexOf('/') + 1)).join(', ')})`
      : (harnessReason ?? 'same catalogues, profile and harness: a harness fault (these fields must be reproducible)');
  const fault = changed.length === 0 && harnessReason === null;
  let rebuilt: TraceabilityFields;
  try {
    rebuilt = traceabilityFields(signed.results, profile, catalogues);
  } catch (error) {
    if (!(error instanceof CatalogueCitationError)) throw error;
    return [
      ...changed,
      { field: '', reason: `the citations cannot be read in the current catalogues: ${error.message}; ${why}`, fault },
    ];
  }
  return [
    ...changed,
    ...differingFields(signed, rebuilt).map(({ field, what }) => ({
      field,
      reason: `${what} differ now: ${why}`,
      fault,
    })),
  ];
}
