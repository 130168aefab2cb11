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
import { firstAbove } from './binary-search.ts';

/** A contact event with the capture frame of its first packet. */
export type CapturedEncryptedDnsContactEvent = EncryptedDnsContactEvent & { capture: CaptureRef };

/** Whether an event closes the evidence: contacts go before these even at the same instant. */
function closes(event: EvidenceEvent): boolean {
  return event.type === 'phase.end' || event.type === 'run.end';
}

/** A contact's event, numbered `seq`. */
function contactEvent(contact: SecureDnsContact, dut: string, seq: number): CapturedEncryptedDnsContactEvent {
  return {
    type: 'dns.encrypted-contact',
    seq,
    t: contact.firstSeen,
    dut,
    phase: CAPTURE_PHASE,
    protocol: contact.kind,
    server: { ...contact.server },
    sni: contact.serverName,
    alpn: [...contact.alpn],
    contacts: contact.contacts,
    source: 'capture',
    capture: { file: contact.file, frame: contact.frame },
  };
}

const byFirstSeen = (contacts: readonly SecureDnsContact[]) => [...contacts].sort((a, b) => a.firstSeen - b.firstSeen);

/** The events with one contact event per server added, renumbered from 1. */
export function withEncryptedContacts(
  events: readonly EvidenceEvent[],
  contacts: readonly SecureDnsContact[],
  dut: string,
): EvidenceEvent[] {
  const merged: EvidenceEvent[] = [...events];
  for (const contact of byFirstSeen(contacts)) {
    const at = merged.findIndex((e) => e.t > contact.firstSeen || closes(e));
    merged.splice(at === -1 ? merged.length : at, 0, contactEvent(contact, dut, 0));
  }
  const seqOf = new Map<number, number>();
  merged.forEach((event, index) => {
    if (event.seq !== 0) seqOf.set(event.seq, index + 1);
  });
  return merged.map((event, index) => {
    const renumbered = { ...event, seq: index + 1 };
    if (renumbered.type === 'dns.response' || renumbered.type === 'dns.drop')
      renumbered.queryRef = seqOf.get(renumbered.queryRef) ?? -1;
    return renumbered;
  });
}

/**
 * {@link withEncryptedContacts} for events handed over one at a time (as `readCaptures`
 * builds them), in time order and numbered 1, 2, 3... with every query before the
 * responses that refer to it: the same events out, holding only the contacts. The events
 * are renumbered in place (they are the caller's to give away), so none is copied.
 */
export function* interleaveEncryptedContacts(
  events: Iterable<EvidenceEvent>,
  contacts: readonly SecureDnsContact[],
  dut: string,
): Generator<EvidenceEvent> {
  const pending = byFirstSeen(contacts);
  let next = 0;
  let seq = 0;
  let previous = 0;
  /** The old seq of the event each contact went before, ascending. */
  const before: number[] = [];
  // Moved on by one for every contact put before it or before an earlier event.
  const renumber = (old: number): number =>
    !Number.isInteger(old) || old < 1 || old > previous ? -1 : old + firstAbove(before, old);
  for (const event of events) {
    if (event.seq !== previous + 1)
      throw new Error(`events to interleave must be numbered 1, 2, 3...: ${event.seq} after ${previous}`);
    previous = event.seq;
    while (next < pending.length && (pending[next]!.firstSeen < event.t || closes(event))) {
      seq += 1;
      yield contactEvent(pending[next]!, dut, seq);
      next += 1;
      before.push(event.seq);
    }
    seq += 1;
    event.seq = seq;
    if (event.type === 'dns.response' || event.type === 'dns.drop') event.queryRef = renumber(event.queryRef);
    yield event;
  }
  for (; next < pending.length; next += 1) {
    seq += 1;
    yield contactEvent(pending[next]!, dut, seq);
  }
}
