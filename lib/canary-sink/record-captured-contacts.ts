/**
 * After a run's capture has stopped: the DUT's contacts with canary addresses on ports the
 * canary sink did not listen on, read from `capture.pcapng` into the DUT's evidence. The
 * sink records contacts on its own ports itself (with what the client sent), so those are
 * not repeated; a device that took a forged record and connects to some unusual port still
 * shows up. The events come after the fact: each is stamped with the phase in force at its
 * time, not at the time it is appended.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readPackets } from '../capture/packets.ts';
import { canonicalAddress } from '../resolver/access-list.ts';
import type { EvidenceEvent } from '../evidence/events.ts';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { phaseAt } from '../evidence/phase-at.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';
import type { RunDirectory } from '../evidence/run-directory.ts';
import type { Profile } from '../profile/profile-types.ts';
import { captureCanaryContacts } from './capture-contacts.ts';

/** What was added, or why nothing could be. */
export interface CapturedContactsOutcome {
  recorded: number;
  /** Contacts on ports the sink listened on, left to the sink's own events. */
  leftToSink: number;
  /** Why the capture could not be read (fully); null when it was. */
  problem: string | null;
}

/** `transport|address|port` of every canary listener the sink had up in this run. */
function sinkListeners(events: readonly EvidenceEvent[]): Set<string> {
  return new Set(
    events.flatMap((e) =>
      e.type === 'canary.listen' ? [`${e.transport}|${canonicalAddress(e.address)}|${e.port}`] : [],
    ),
  );
}

/** Reads the run's capture and appends the DUT's canary contacts the sink could not see. */
export async function recordCapturedContacts(run: RunDirectory, profile: Profile): Promise<CapturedContactsOutcome> {
  const outcome: CapturedContactsOutcome = { recorded: 0, leftToSink: 0, problem: null };
  const capture = join(run.path, RUN_FILES.capture);
  if (profile.canaries.length === 0 || !existsSync(capture) || statSync(capture).size === 0) return outcome;
  // Phase markers are written in time order, before the end of the run; take them from the file.
  const markers = loadEvidence(join(run.path, RUN_FILES.events)).events.filter(
    (e) => e.type === 'phase.start' || e.type === 'phase.skip' || e.type === 'phase.end' || e.type === 'canary.listen',
  );
  const listening = sinkListeners(markers);
  const own = new Set(profile.dut.addresses.map(canonicalAddress));
  const ownerOf = (address: string) => (own.has(canonicalAddress(address)) ? profile.dut.id : null);
  try {
    for await (const contact of captureCanaryContacts(readPackets(capture), { canaries: profile.canaries, ownerOf })) {
      if (contact.dut !== profile.dut.id) continue;
      if (
        contact.transport !== 'icmp' &&
        listening.has(`${contact.transport}|${contact.canary.address}|${contact.canary.port}`)
      ) {
        outcome.leftToSink += 1;
        continue;
      }
      run.log.recordInPhase(contact, phaseAt(markers, contact.t));
      outcome.recorded += 1;
    }
  } catch (error) {
    outcome.problem = `canary contacts from ${RUN_FILES.capture}: ${(error as Error).message}`;
  }
  return outcome;
}
