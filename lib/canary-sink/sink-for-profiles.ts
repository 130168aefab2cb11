/**
 * Starts one canary sink for a session's profiles: every profile's canary addresses, the
 * default ports plus each profile's own, contacts attributed to the DUT whose address made
 * them. A bind failure is reported against the profile entry that asked for the socket.
 */
import type { EvidenceSink } from '../evidence/event-log.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { AccessList, canonicalAddress } from '../resolver/access-list.ts';
import { withProfilePorts } from './canary-ports.ts';
import type { CanaryPorts } from './canary-ports.ts';
import { CanaryBindError, CanarySink } from './canary-sink.ts';

/** The sink could not bind a socket a profile asks for; the message names file and JSON pointer. */
export class CanaryProfileError extends Error {
  override name = 'CanaryProfileError';
}

function union(lists: readonly (readonly number[] | undefined)[]): number[] {
  return [...new Set(lists.flatMap((l) => l ?? []))].sort((a, b) => a - b);
}

/** Where in which profile the failed socket was asked for. */
function blame(error: CanaryBindError, profiles: readonly LoadedProfile[]): string {
  const { transport, address, port } = error.endpoint;
  for (const { file, profile } of profiles) {
    const named = profile.canarySink?.[transport]?.indexOf(port) ?? -1;
    // A named port that cannot be had is the port's fault; a missing address is the address's.
    if (named >= 0 && error.code !== 'EADDRNOTAVAIL') return `${file}: /canarySink/${transport}/${named}`;
    const index = profile.canaries.findIndex((c) => canonicalAddress(c) === address);
    if (index >= 0) return `${file}: /canaries/${index}`;
  }
  return profiles[0]?.file ?? 'profile';
}

/** Binds the sink (nothing when no profile declares a canary) and says where it listens. */
export async function startCanarySink(
  profiles: readonly LoadedProfile[],
  sink: EvidenceSink,
  progress: (line: string) => void,
): Promise<CanarySink> {
  const owners = new AccessList();
  for (const { profile } of profiles) owners.declare(profile.dut.id, profile.dut.addresses);
  const addresses = [...new Set(profiles.flatMap((p) => p.profile.canaries.map(canonicalAddress)))];
  const required: CanaryPorts = {
    tcp: union(profiles.map((p) => p.profile.canarySink?.tcp)),
    udp: union(profiles.map((p) => p.profile.canarySink?.udp)),
  };
  const canarySink = new CanarySink({
    addresses,
    ports: withProfilePorts(required),
    required,
    sink,
    ownerOf: (address) => owners.ownerOf(address),
    onError: (error) => progress(`canary sink socket error: ${error.message}`),
  });
  try {
    const { bound, skipped } = await canarySink.start();
    if (addresses.length > 0) {
      const ports = (t: 'tcp' | 'udp') =>
        [...new Set(bound.filter((b) => b.transport === t).map((b) => b.port))].join(',');
      progress(`canary sink listening on ${addresses.join(', ')} (tcp ${ports('tcp')}; udp ${ports('udp')})`);
    }
    for (const code of new Set(skipped.map((s) => s.code))) {
      const list = [...new Set(skipped.filter((s) => s.code === code).map((s) => `${s.transport}/${s.port}`))].join(
        ', ',
      );
      progress(
        `canary sink skipped default ports ${list} (${code}: ${code === 'EACCES' ? 'privileged, not root' : 'taken by another program'}); the capture still sees contacts there`,
      );
    }
  } catch (error) {
    if (error instanceof CanaryBindError) throw new CanaryProfileError(`${blame(error, profiles)}: ${error.message}`);
    throw error;
  }
  return canarySink;
}
