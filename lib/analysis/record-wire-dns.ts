/**
 * After a run's capture has stopped: the DNS the DUT sent to resolvers other than the
 * harness (port 53 queries, and DoT/DoQ/DoH contacts), read from `capture.pcapng` into
 * its evidence. The harness resolver logs only what reaches it; a device with a hard-coded
 * resolver (Recommendation #2) shows only on the wire. Queries to the harness are not
 * repeated: its own log already holds them, with more detail.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CapturedEncryptedDnsContactEvent } from './encrypted-contact-events.ts';
import type { QueryEvent } from '../evidence/events.ts';
import { publicResolverList } from './resolver-use.ts';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { phaseAt } from '../evidence/phase-at.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';
import type { RunDirectory } from '../evidence/run-directory.ts';
import type { Profile } from '../profile/profile-types.ts';
import { canonicalAddress } from '../resolver/access-list.ts';
import { evidenceFromCaptures } from '../capture/capture-evidence.ts';

/** What was added, or why not all of it could be. */
export interface WireDnsOutcome {
  /** Queries to other resolvers. */
  queries: number;
  /** Encrypted DNS contacts with other servers. */
  contacts: number;
  /** Why the capture could not be read (fully); null when it was. */
  problem: string | null;
}

/** Reads the run's capture and appends the DUT's DNS that went anywhere but `harness`. */
export async function recordDnsSentElsewhere(
  run: RunDirectory,
  profile: Profile,
  harness: readonly string[],
): Promise<WireDnsOutcome> {
  const outcome: WireDnsOutcome = { queries: 0, contacts: 0, problem: null };
  const read = await readRunCapture(run, profile);
  if (read === null) return outcome;
  const elsewhere = notTo(harness);
  const markers = loadEvidence(join(run.path, RUN_FILES.events)).events.filter(
    (e) => e.type === 'phase.start' || e.type === 'phase.skip' || e.type === 'phase.end',
  );
  for (const query of read.evidence.queries(profile.dut.id)) {
    if (!elsewhere(query.server.address)) continue;
    const { seq: _seq, phase: _phase, ...event } = query;
    run.log.recordInPhase(event, phaseAt(markers, query.t));
    outcome.queries += 1;
  }
  const dut = profile.dut.id;
  for (const contact of read.observations.secureDns) {
    if (!elsewhere(contact.server.address)) continue;
    const event: Omit<CapturedEncryptedDnsContactEvent, 'seq' | 'phase'> = {
      type: 'dns.encrypted-contact',
      t: contact.firstSeen,
      dut,
      protocol: contact.kind,
      server: { ...contact.server },
      sni: contact.serverName,
      alpn: [...contact.alpn],
      contacts: contact.contacts,
      source: 'capture',
      capture: { file: RUN_FILES.capture, frame: contact.frame },
    };
    run.log.recordInPhase(event, phaseAt(markers, contact.firstSeen));
    outcome.contacts += 1;
  }
  if (read.problems.length > 0)
    outcome.problem = `reading ${RUN_FILES.capture} for DNS sent elsewhere: ${read.problems.join('; ')}`;
  return outcome;
}

/** Whether an address is none of `harness`. */
function notTo(harness: readonly string[]): (address: string) => boolean {
  const ours = new Set(harness.map(canonicalAddress));
  return (address) => !ours.has(canonicalAddress(address));
}

/** The DUT's evidence in the run's capture; null when there is no capture (yet). */
async function readRunCapture(run: RunDirectory, profile: Profile) {
  const capture = join(run.path, RUN_FILES.capture);
  if (!existsSync(capture) || statSync(capture).size === 0) return null;
  return evidenceFromCaptures(
    [capture],
    { id: profile.dut.id, ip: profile.dut.addresses[0]! },
    { classify: { publicResolvers: Object.keys(publicResolverList(profile.publicResolvers)) } },
  );
}

/**
 * While the capture still runs: the DUT's queries in it so far that went elsewhere than the
 * harness (what {@link recordDnsSentElsewhere} adds once it stopped), with no `seq` or phase.
 * Early stop counts them into run-wide samples: a device with a hard-coded resolver sends
 * most of its queries there. A block still being written is a problem of the read, not lost.
 */
export async function queriesSentElsewhereSoFar(
  run: RunDirectory,
  profile: Profile,
  harness: readonly string[],
): Promise<Omit<QueryEvent, 'seq' | 'phase'>[]> {
  const read = await readRunCapture(run, profile);
  if (read === null) return [];
  const elsewhere = notTo(harness);
  return read.evidence
    .queries(profile.dut.id)
    .filter((query) => elsewhere(query.server.address))
    .map(({ seq: _seq, phase: _phase, ...event }) => event);
}
