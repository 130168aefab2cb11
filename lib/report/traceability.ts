/**
 * The report fields read in the clause catalogues and the profile rather than judged from
 * the evidence: what each result's citations mean, the citations in force, the customer's
 * ICS and IXIT, the lab's assessments and the operators' clauses. One function makes them,
 * so the report and its re-judgement (`verify --rejudge`) make them the same way.
 */
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import type { CheckResult } from '../checks/check-types.ts';
import type { Profile } from '../profile/profile-types.ts';
import { reportCitations, resultTraceability } from './clause-citations.ts';
import { customerSupplied } from './customer-supplied.ts';
import { labAssessments, notDeviceRequirements } from './lab-assessments.ts';
import type { Report, ResultTraceability } from './report-types.ts';

/** The catalogue-derived fields of a report; `traceability[i]` belongs to `results[i]`. */
export interface TraceabilityFields
  extends Pick<Report, 'citations' | 'customerSupplied' | 'labAssessments' | 'notDeviceRequirements'> {
  traceability: ResultTraceability[];
}

/** Throws CatalogueCitationError when a result or the profile's ICS cites a clause the catalogues lack. */
export function traceabilityFields(
  results: readonly Pick<CheckResult, 'check' | 'covers'>[],
  profile: Profile,
  catalogues: Catalogues,
): TraceabilityFields {
  const traceability = results.map((result) => resultTraceability(result, catalogues));
  return {
    traceability,
    citations: reportCitations(traceability, catalogues),
    customerSupplied: customerSupplied(profile, catalogues),
    labAssessments: labAssessments(profile, catalogues),
    notDeviceRequirements: notDeviceRequirements(catalogues),
  };
}
