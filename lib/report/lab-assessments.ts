/**
 * The clauses no check tests, as the report lists them apart from the check results: every
 * clause the catalogues leave to the lab's assessment (management-zone clauses, document-only
 * EN 303 645 provisions) with the lab's conceptual verdict from the profile, or none; and the
 * clauses that bind the network operator, not the device. Neither counts towards the overall
 * verdict, which the check results alone decide.
 */
import { icsStatusLabel } from '../catalogue/catalogue-types.ts';
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import { draftReference } from '../checks/coverage.ts';
import type { Profile } from '../profile/profile-types.ts';
import type { NotDeviceRequirement, ReportLabAssessment } from './report-types.ts';

/** The profile's assessment of `clause` without the clause itself, or null. */
function assessmentOf(profile: Profile, clause: string): ReportLabAssessment['assessment'] {
  const found = profile.labAssessments?.find((a) => a.clause === clause);
  if (found === undefined) return null;
  const { clause: _clause, ...assessment } = found;
  return { ...assessment, ...(assessment.documents ? { documents: [...assessment.documents] } : {}) };
}

/** Every clause the catalogues leave to the lab, draft clauses first, in catalogue order. */
export function labAssessments(profile: Profile, catalogues: Catalogues): ReportLabAssessment[] {
  const { draft, etsi } = catalogues;
  return [
    ...draft.clauses
      .filter((c) => c.labAssessment === true)
      .map(
        (c): ReportLabAssessment => ({
          source: 'draft',
          clause: c.id,
          reference: draftReference(c, draft.document),
          requirement: c.requirement,
          reason: c.notTestedReason ?? null,
          assessment: assessmentOf(profile, c.id),
        }),
      ),
    ...etsi.provisions
      .filter((p) => p.labAssessment === true)
      .map(
        (p): ReportLabAssessment => ({
          source: 'etsi',
          clause: p.id,
          reference: `${etsi.standard} ${etsi.version} ${p.id} (ICS ${icsStatusLabel(p)})`,
          requirement: p.text,
          reason: p.notTestedReason ?? null,
          assessment: assessmentOf(profile, p.id),
        }),
      ),
  ];
}

/** The draft's clauses for network operators: listed so a reader sees they were not left out by mistake. */
export function notDeviceRequirements(catalogues: Catalogues): NotDeviceRequirement[] {
  const { draft } = catalogues;
  return draft.clauses
    .filter((c) => c.actor === 'operator')
    .map((c) => ({
      clause: c.id,
      actor: c.actor,
      reference: draftReference(c, draft.document),
      requirement: c.requirement,
      reason: c.notTestedReason ?? null,
    }));
}
