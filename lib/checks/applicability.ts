/**
 * Which checks apply to a DUT and which a certification plan must keep, from the supplier's
 * ICS (EN 303 645 annex pro forma). NOT_APPLICABLE is the ICS's word, never the harness's:
 * a check is NOT_APPLICABLE only when every provision it cites is declared N/A, and the
 * profile loader already allows N/A only for conditional provisions (TS 103 701 test case
 * 4-1-1 checks the rationale). A check the evidence cannot judge is "not assessed":
 * INCONCLUSIVE with the reason.
 */
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import type { IcsEntry, Profile } from '../profile/profile-types.ts';
import type { CheckMeta, LoadedCheck } from './check-types.ts';

/** The ICS row declaring a provision N/A, if the profile has one. */
function notApplicableRow(profile: Profile | undefined, provision: string): IcsEntry | undefined {
  return profile?.ics?.find((row) => row.provision === provision && row.support === 'N/A');
}

/** The ICS rows that make a check NOT_APPLICABLE, or null when it applies. */
export function icsExemption(meta: CheckMeta, profile: Profile): { provision: string; detail: string }[] | null {
  const cited = meta.covers.etsi;
  if (cited.length === 0) return null;
  const rows = cited.map((provision) => notApplicableRow(profile, provision));
  if (rows.some((row) => row === undefined)) return null;
  return rows.map((row) => ({ provision: row!.provision, detail: row!.detail ?? '' }));
}

/**
 * The mandatory EN 303 645 provisions a check gives evidence for: status M, and for a
 * conditional one not declared N/A in the ICS. A check with any is mandatory in a
 * certification plan.
 */
export function mandatoryProvisions(meta: CheckMeta, profile: Profile | undefined, catalogues: Catalogues): string[] {
  return meta.covers.etsi.filter((id) => {
    const provision = catalogues.etsi.provisions.find((p) => p.id === id);
    if (provision?.status !== 'M') return false;
    return !(provision.conditions !== undefined && notApplicableRow(profile, id) !== undefined);
  });
}

/** Mandatory checks (for any of the profiles) missing from a selection, each with the provisions that make it mandatory. */
export function deselectedMandatoryChecks(
  all: readonly LoadedCheck[],
  selected: readonly LoadedCheck[],
  profiles: readonly (Profile | undefined)[],
  catalogues: Catalogues,
): { check: string; provisions: string[] }[] {
  const kept = new Set(selected.map((c) => c.id));
  return all
    .filter((c) => !kept.has(c.id))
    .flatMap((check) => {
      const provisions = [
        ...new Set(profiles.flatMap((profile) => mandatoryProvisions(check.meta, profile, catalogues))),
      ];
      return provisions.length > 0 ? [{ check: check.id, provisions }] : [];
    });
}
