/**
 * Which queries a figure shows: the DUT's, as `passiveMetrics` and the checks select them
 * (`Evidence#queries(dut)`, optionally one phase), and for the 16-bit field figures only
 * the UDP ones (a TCP, DoT or DoH query's port is the connection's, not a per-query choice).
 */
import type { Evidence } from '../evidence/evidence.ts';
import type { QueryEvent } from '../evidence/events.ts';

/** The DUT's queries in arrival order, all transports, restricted to `phase` when given. */
export function dutQueries(evidence: Evidence, dutId: string, phase?: string): QueryEvent[] {
  return evidence.queries(dutId).filter((q) => phase === undefined || q.phase === phase);
}

/** The DUT's UDP queries in arrival order (the sample of the randomness statistics). */
export function dutUdpQueries(evidence: Evidence, dutId: string, phase?: string): QueryEvent[] {
  return dutQueries(evidence, dutId, phase).filter((q) => q.transport === 'udp');
}

/** Where a figure's restriction is said in words: `` (whole evidence) or ` in phase X`. */
export function phaseSuffix(phase?: string): string {
  return phase === undefined ? '' : ` in phase ${phase}`;
}
