/**
 * The supplier's ICS and IXIT as the report prints them: customer-supplied information
 * (ISO/IEC 17025 §7.8.2.2), given as the profile has it, with each ICS row's status read
 * from the EN 303 645 catalogue so a reader sees whether a provision is mandatory.
 */
import type { Catalogues } from '../catalogue/catalogue-types.ts';
import { icsStatusLabel } from '../catalogue/catalogue-types.ts';
import { IXIT_TABLES } from '../profile/profile-types.ts';
import type { DeclaredBehaviour, Profile } from '../profile/profile-types.ts';
import { citedProvision } from './clause-citations.ts';
import type { CustomerSupplied, ReportIcsRow, ReportIxit } from './report-types.ts';

function icsRows(profile: Profile, catalogues: Catalogues): ReportIcsRow[] | null {
  if (profile.ics === undefined) return null;
  return profile.ics.map(({ provision, support, detail }) => {
    const known = citedProvision(catalogues, provision, "the profile's ICS");
    const conditions = (known.conditions ?? []).map((id) => ({ id, text: catalogues.etsi.conditions[id] ?? '' }));
    return {
      provision,
      icsStatus: icsStatusLabel(known),
      conditions,
      support,
      ...(detail === undefined ? {} : { detail }),
    };
  });
}

function ixit(declared: DeclaredBehaviour | undefined): ReportIxit | null {
  if (declared === undefined) return null;
  const tables = (Object.keys(IXIT_TABLES) as (keyof typeof IXIT_TABLES)[]).flatMap((key) =>
    declared[key] === undefined
      ? []
      : [{ table: IXIT_TABLES[key], entries: declared[key].map((entry) => ({ ...entry })) }],
  );
  return { declared: declared.ttlCapSeconds === undefined ? {} : { ttlCapSeconds: declared.ttlCapSeconds }, tables };
}

/** The ICS rows and IXIT of the profile; each null when the profile has none. */
export function customerSupplied(profile: Profile, catalogues: Catalogues): CustomerSupplied {
  return { ics: icsRows(profile, catalogues), ixit: ixit(profile.ixit) };
}
