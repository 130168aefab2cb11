import { expect } from 'chai';
import { Evidence } from '../../lib/evidence/evidence.ts';
import type { EvidenceEvent, UnnumberedEvent } from '../../lib/evidence/events.ts';
import { livenessRecord } from './liveness-samples.ts';

const DUT = 'restarted-dut';
const S = 1_000_000;

/** Events of one DUT, numbered in order. */
function evidenceOf(events: UnnumberedEvent[]): Evidence {
  return new Evidence(events.map((e, i) => ({ ...e, seq: i + 1 }) as EvidenceEvent));
}

const phase = (type: 'phase.start' | 'phase.end', name: string, t: number): UnnumberedEvent => ({
  type,
  t,
  dut: DUT,
  phase: name,
  name,
  experiment: name,
  scenario: '',
});
const probe = (t: number, phaseName: string, alive: boolean): UnnumberedEvent => ({
  type: 'liveness.probe',
  t,
  dut: DUT,
  phase: phaseName,
  probe: 'tcp',
  target: '127.0.0.2:8080',
  alive,
  latencyMs: alive ? 1 : null,
  detail: alive ? null : 'connection refused',
});
const process = (type: 'dut.start' | 'dut.exit', t: number, phaseName: string | null): UnnumberedEvent => ({
  type,
  t,
  dut: DUT,
  phase: phaseName,
  pid: 7,
  exitCode: type === 'dut.exit' ? 0 : null,
  signal: null,
});

describe('resilience/liveness-samples: restarts excused, and only they', () => {
  // servfail, then a power-cycled ttl-top-bit (the device stopped between the phases, started
  // in the second), then refused; the device is dead in refused.
  const events = evidenceOf([
    process('dut.start', 0, 'servfail'),
    phase('phase.start', 'servfail', 1 * S),
    probe(7 * S, 'servfail', true),
    phase('phase.end', 'servfail', 10 * S),
    process('dut.exit', 11 * S, null),
    phase('phase.start', 'ttl-top-bit', 12 * S),
    process('dut.start', 14 * S, 'ttl-top-bit'),
    probe(15 * S, 'ttl-top-bit', true),
    phase('phase.end', 'ttl-top-bit', 20 * S),
    phase('phase.start', 'refused', 20 * S),
    ...[22, 23, 24].map((t) => probe(t * S, 'refused', false)),
    phase('phase.end', 'refused', 30 * S),
  ]);

  it("judges the samples after a restart whose phase the check's evidence leaves out", () => {
    const record = livenessRecord(events.forExperiments(['servfail', 'refused']), DUT, 5);
    expect(record.samples.map((s) => s.t / S)).to.deep.equal([7, 22, 23, 24]);
    expect(record.worstRun).to.have.length(3);
  });

  it('excuses the samples of the restart itself, when its phase is in the evidence', () => {
    const record = livenessRecord(events, DUT, 5);
    // 15 s is within 5 s of the start at 14 s; the device was stopped from 11 s to 14 s.
    expect(record.samples.map((s) => s.t / S)).to.deep.equal([7, 22, 23, 24]);
    const late = livenessRecord(events, DUT, 0.5);
    expect(late.samples.map((s) => s.t / S)).to.deep.equal([7, 15, 22, 23, 24]);
  });
});
