/**
 * Real DNS clients' traffic as randomness-check fixtures: glibc's stub, through
 * `getent ahosts NAME` (A and AAAA from one socket per lookup, so about half as many distinct
 * source ports as queries, however random they are), and, for the failing side, Knot's kdig
 * bound to one fixed source port. scripts/record-stub-traffic.ts records each client's queries
 * (as root, in a network namespace) into `real-traffic/<variant>.pcapng`, committed; the
 * fixtures are read from those captures as `dnsconform analyze` reads one (lib/capture), so
 * making them again needs no root and gives the same bytes.
 */
import { join } from 'node:path';
import { evidenceFromCaptures } from '../../lib/capture/capture-evidence.ts';
import type { CaptureRef } from '../../lib/capture/capture-evidence.ts';
import { FIXTURE_DUT } from '../fixture-events.ts';

/** The stub's address and the responder's: both on the recording namespace's `lo`. */
export const STUB_ADDRESS = '127.0.0.1';
export const RESPONDER_ADDRESS = '127.0.0.53';

/** The randomness checks the recorded traffic is a fixture of, by file name. */
export type RandomnessCheckName = 'source-port-randomised' | 'transaction-id-randomised';

/** One real client recorded: how it looks a name up, and what its traffic must give. */
export interface RealClient {
  /** The fixtures' variant name: `<check>.<kind>.<variant>.ndjson`, and the capture's. */
  variant: string;
  /** The command that looks up one name, run in the namespace. */
  lookup(name: string): string[];
  /** Queries one lookup sends. */
  queriesPerLookup: number;
  /** The fixture kind of each check on this traffic. */
  kinds: Record<RandomnessCheckName, 'pass' | 'fail'>;
}

export const REAL_CLIENTS: RealClient[] = [
  // glibc's stub (getaddrinfo, AF_UNSPEC): A and AAAA from one socket per lookup.
  {
    variant: 'glibc-getent',
    lookup: (name) => ['getent', 'ahosts', name],
    queriesPerLookup: 2,
    kinds: { 'source-port-randomised': 'pass', 'transaction-id-randomised': 'pass' },
  },
  // A client that always sends from port 4096 (random TXIDs): what Recommendation #3 must still fail.
  {
    variant: 'kdig-fixed-port',
    lookup: (name) => ['kdig', `@${RESPONDER_ADDRESS}`, '-b', `${STUB_ADDRESS}#4096`, '+notcp', '+retry=0', name, 'A'],
    queriesPerLookup: 1,
    kinds: { 'source-port-randomised': 'fail', 'transaction-id-randomised': 'pass' },
  },
];

/** Where a client's capture is committed, relative to the project root (events name it so). */
export function realTrafficCapture(client: RealClient): string {
  return `suites/randomness/real-traffic/${client.variant}.pcapng`;
}

/** The fixtures of one randomness check from every recorded client: `<kind>.<variant>` → ndjson. */
export async function realTrafficFixtures(check: RandomnessCheckName): Promise<Record<string, string>> {
  const fixtures: Record<string, string> = {};
  for (const client of REAL_CLIENTS) {
    const committed = realTrafficCapture(client);
    const file = join(import.meta.dirname, '..', '..', committed);
    const { evidence, problems } = await evidenceFromCaptures([file], { id: FIXTURE_DUT, ip: STUB_ADDRESS });
    if (problems.length > 0) throw new Error(`reading ${committed}: ${problems.join('; ')}`);
    const runId = `${client.variant}-${evidence.queries(FIXTURE_DUT).length / client.queriesPerLookup}-lookups`;
    // Events name the capture by its path in the project, not where this checkout lies.
    const named = (event: object) =>
      'capture' in event
        ? { ...event, capture: { ...(event.capture as CaptureRef), file: committed } }
        : 'runId' in event
          ? { ...event, runId }
          : event;
    fixtures[`${client.kinds[check]}.${client.variant}`] =
      `${evidence.events.map((e) => JSON.stringify(named(e))).join('\n')}\n`;
  }
  return fixtures;
}
