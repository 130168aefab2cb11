/**
 * What a run could not take in, for one DUT, read from the stored events alone (so a
 * rejudge reaches the same answer): datagrams the kernel dropped on a resolver socket or
 * left unread at its close (whose, nobody knows: they count against every DUT), the DUT's
 * connections refused at a cap, the DUT's messages over the recording budget, and packets
 * the capture tool dropped. A check that would PASS on evidence thinned this way is
 * INCONCLUSIVE instead, with the reason: missing evidence never becomes PASS.
 */
import { harnessLateness } from '../analysis/harness-lateness.ts';
import type { Evidence } from '../evidence/evidence.ts';
import type { RequiredEvidence } from './check-types.ts';

/** One kind of loss, counted. */
interface LossCount {
  what: string;
  count: number;
}

/** Every loss in `evidence` that may concern `dutId`, counted by kind. */
export function lossCounts(
  evidence: Evidence,
  dutId: string,
  requires: readonly RequiredEvidence[] = ['capture'],
): LossCount[] {
  // In a phased run, what happened outside every phase is no check's evidence.
  const phased = evidence.ofType('phase.start').length > 0;
  const inScope = (e: { phase: string | null }) => !phased || e.phase !== null;
  const losses: LossCount[] = [];
  const add = (what: string, count: number) => {
    if (count > 0) losses.push({ what, count });
  };
  const socketLoss = evidence.ofType('resolver.loss').filter((e) => inScope(e) && (e.dut === null || e.dut === dutId));
  add(
    'datagrams dropped by the kernel on a full receive buffer of the resolver (sender unknown)',
    socketLoss.filter((e) => e.kind === 'receive-drops').reduce((sum, e) => sum + (e.count ?? 0), 0),
  );
  add(
    'bytes of datagrams left unread when the resolver closed (sender unknown)',
    socketLoss.filter((e) => e.kind === 'unread-at-close').reduce((sum, e) => sum + (e.bytes ?? 0), 0),
  );
  add(
    'connections of the DUT refused by the resolver',
    evidence.ofType('resolver.connection').filter((e) => inScope(e) && e.dut === dutId && e.action === 'refused')
      .length,
  );
  add(
    'messages of the DUT counted but not recorded (over the recording budget)',
    evidence
      .ofType('dns.suppressed')
      .filter((e) => inScope(e) && e.dut === dutId)
      .reduce((sum, e) => sum + e.count, 0),
  );
  if (requires.includes('capture')) {
    add(
      'packets the capture tool dropped',
      evidence
        .ofType('capture.stop')
        .filter((e) => e.dut === dutId)
        .reduce((sum, e) => sum + (e.dropped ?? 0), 0),
    );
  }
  return losses;
}

/** The losses as one sentence, or null when there were none. */
export function describeLoss(losses: readonly LossCount[]): string | null {
  if (losses.length === 0) return null;
  return `the evidence may be incomplete: ${losses.map((l) => `${l.count} ${l.what}`).join('; ')}`;
}

/** What a report says about the run's losses for `dutId`: one statement, or none. */
export function lossStatements(evidence: Evidence, dutId: string): string[] {
  const loss = describeLoss(lossCounts(evidence, dutId));
  return loss
    ? [`This run lost traffic, so ${loss}. Checks that would otherwise have passed on this evidence are INCONCLUSIVE.`]
    : [];
}

/** What a report says about the harness's own lateness in the run (`harness.lateness`): one statement, or none. */
export function latenessStatements(evidence: Evidence): string[] {
  const lateness = harnessLateness(evidence);
  if (lateness.spans === 0) return [];
  return [
    `The harness itself ran late in ${lateness.spans} one-second spans of this run (up to ${(lateness.worstMs / 1000).toFixed(1)} s behind: the machine was busy). ` +
      'The time it lost was added to the window of the phase it happened in (the phase end reason says by how much), and a query it read so late that it may have left the DUT before the answer it followed was not held against the DUT as a re-query.',
  ];
}
