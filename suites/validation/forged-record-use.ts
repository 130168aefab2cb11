/**
 * Whether the DUT used records it should not have: it contacted a canary (only forged
 * answers ever point there), or it asked for a name that only a forged record named (an MX
 * or NS target it followed). Shared by the record-validation checks.
 */
import type { CheckContext, EvidenceRef } from '../../lib/checks/check-types.ts';
import type { Evidence } from '../../lib/evidence/evidence.ts';
import type { CanaryContactEvent, QueryEvent, RecordSummary, ResponseEvent } from '../../lib/evidence/events.ts';
import { eventsRef } from '../evidence-ref.ts';
import { normaliseName } from '../../lib/dns/names.ts';

/** What the evidence shows about forged records and their use. */
export interface ForgedRecordUse {
  /** Responses to the DUT that a scenario primitive changed. */
  manipulated: ResponseEvent[];
  /** Canary contacts from the DUT. */
  contacts: CanaryContactEvent[];
  /** Queries for names that only forged records named. */
  followed: QueryEvent[];
}

/** The name a record points to (MX exchange, NS or CNAME target), if it points anywhere. */
function targetOf(record: RecordSummary): string | null {
  if (record.type === 'NS' || record.type === 'CNAME') return normaliseName(record.data);
  if (record.type === 'MX') return normaliseName(record.data.split(/\s+/).at(-1) ?? '');
  return null;
}

/** Collects the forged records, canary contacts and followed forged targets of the DUT in `evidence`. */
export function forgedRecordUse(evidence: Evidence, context: CheckContext): ForgedRecordUse {
  const ownAddresses = new Set(context.profile.dut.addresses);
  const manipulated = evidence.responses(context.dutId).filter((r) => r.manipulations.length > 0);
  const zoneNames = new Set(context.profile.zone.map((rr) => normaliseName(rr.name)));
  const forgedTargets = new Set(
    manipulated
      .flatMap((r) => [...r.answers, ...r.additional])
      .map(targetOf)
      .filter((name): name is string => name !== null && !zoneNames.has(name)),
  );
  const contacts = evidence
    .ofType('canary.contact')
    .filter((e) => e.dut === context.dutId || ownAddresses.has(e.client.address));
  const followed = evidence
    .queries(context.dutId)
    .filter((q) => forgedTargets.has(normaliseName(q.questions[0]?.name ?? '')));
  return { manipulated, contacts, followed };
}

/** The references a verdict on forged-record use rests on. */
export function forgedRecordRefs(use: ForgedRecordUse, file: string): EvidenceRef[] {
  return [
    ...(use.contacts.length
      ? [
          eventsRef(
            file,
            use.contacts.map((e) => e.seq),
            'canary contacts from the DUT',
          ),
        ]
      : []),
    ...(use.followed.length
      ? [
          eventsRef(
            file,
            use.followed.map((e) => e.seq),
            'queries for names only forged records named',
          ),
        ]
      : []),
    eventsRef(
      file,
      use.manipulated.map((e) => e.seq),
      'responses the scenario forged or altered',
    ),
  ];
}

/** Contacts per canary address:port, for figures. */
export function contactsByCanary(contacts: readonly CanaryContactEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const contact of contacts) {
    const key = `${contact.canary.address}:${contact.canary.port}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
