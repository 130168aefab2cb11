/**
 * Puts a capture's encrypted DNS contacts (DoT, DoQ, DoH seen by the extractor) into the
 * imported evidence as `dns.encrypted-contact` events, so the checks judge them from
 * evidence like everything else. The events go in time order inside the capture phase
 * and the log is renumbered, responses keeping their link to their query.
 */
import type { CaptureRef } from '../capture/capture-evidence.ts';
import { CAPTURE_PHASE } from '../capture/capture-evidence.ts';
import type { SecureDnsContact } from '../capture/dns-extract.ts';
import type { EncryptedDnsContactEvent, EvidenceEvent } from '../evidence/events.ts';

/** A contact event with the capture frame of its first packet. */
export type CapturedEncryptedDnsContactEvent = EncryptedDnsContactEvent & { capture: CaptureRef };

/** Whether an event closes the evidence: contacts go before these even at the same instant. */
function closes(event: EvidenceEvent): boolean {
  return event.type === 'phase.end' || event.type === 'run.end';
}

/** The events with one contact event per server added, renumbered from 1. */
export function withEncryptedContacts(events: readonly EvidenceEvent[], contacts: readonly SecureDnsContact[], dut: string): EvidenceEvent[] {
  const merged: EvidenceEvent[] = [...events];
  for (const contact of [...contacts].sort((a, b) => a.firstSeen - b.firstSeen)) {
    const event: CapturedEncryptedDnsContactEvent = {
      type: 'dns.encrypted-contact', seq: 0, t: contact.firstSeen, dut, phase: CAPTURE_PHASE,
      protocol: contact.kind, server: { ...contact.server }, sni: contact.serverName, alpn: [...contact.alpn],
      contacts: contact.contacts, source: 'capture', capture: { file: contact.file, frame: contact.frame },
    };
    const at = merged.findIndex((e) => e.t > contact.firstSeen || closes(e));
    merged.splice(at === -1 ? merged.length : at, 0, event);
  }
  const seqOf = new Map<number, number>();
  merged.forEach((event, index) => { if (event.seq !== 0) seqOf.set(event.seq, index + 1); });
  return merged.map((event, index) => {
    const renumbered = { ...event, seq: index + 1 };
    if (renumbered.type === 'dns.response' || renumbered.type === 'dns.drop') renumbered.queryRef = seqOf.get(renumbered.queryRef) ?? -1;
    return renumbered;
  });
}
