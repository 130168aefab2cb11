import { expect } from 'chai';
import { Evidence, InMemoryEvidence } from './evidence.ts';
import type { EvidenceEvent } from './events.ts';

const at = (seq: number, phase: string | null, extra: Partial<EvidenceEvent>): EvidenceEvent =>
  ({ seq, t: seq * 1000, dut: 'd', phase, ...extra }) as EvidenceEvent;

const events: EvidenceEvent[] = [
  at(1, null, { type: 'run.start', runId: 'r' }),
  at(2, 'baseline', { type: 'phase.start', name: 'baseline', experiment: 'baseline', scenario: 'pass-through' }),
  at(3, 'baseline', { type: 'dut.start', pid: 1, exitCode: null, signal: null }),
  at(4, 'baseline', {
    type: 'phase.end',
    name: 'baseline',
    experiment: 'baseline',
    scenario: 'pass-through',
    reason: 'window elapsed',
  }),
  at(5, 'ttl-zero', { type: 'phase.start', name: 'ttl-zero', experiment: 'ttl-zero', scenario: 'ttl(0)' }),
  at(6, 'ttl-zero', { type: 'dut.start', pid: 2, exitCode: null, signal: null }),
  at(7, 'ttl-zero', {
    type: 'phase.end',
    name: 'ttl-zero',
    experiment: 'ttl-zero',
    scenario: 'ttl(0)',
    reason: 'window elapsed',
  }),
  at(8, 'recovery', { type: 'phase.start', name: 'recovery', experiment: 'baseline', scenario: 'pass-through' }),
  at(9, 'recovery', {
    type: 'phase.end',
    name: 'recovery',
    experiment: 'baseline',
    scenario: 'pass-through',
    reason: 'interrupted',
  }),
  at(10, null, { type: 'run.end', runId: 'r' }),
];

describe('evidence/evidence', () => {
  it('narrows to the phases of the given experiments, by experiment not by phase name', () => {
    const baseline = new Evidence(events).forExperiments(['baseline']);
    expect(baseline.events.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 8, 9, 10]);
    expect(baseline.phases().map((p) => [p.name, p.endReason])).to.deep.equal([
      ['baseline', 'window elapsed'],
      ['recovery', 'interrupted'],
    ]);
    expect(new Evidence(events).forExperiments(['*']).events).to.have.length(events.length);
    expect(new Evidence(events).forExperiments(['nothing']).events.map((e) => e.seq)).to.deep.equal([1, 10]);
  });

  it("puts what the DUT did between two phases with the phase that ran last before it, and keeps the run's markers in every scope", () => {
    const contact = (seq: number) =>
      at(seq, null, {
        type: 'canary.contact',
        client: { address: '127.0.0.2', port: 4000 },
        canary: { address: '127.0.0.77', port: 443 },
        transport: 'tcp',
      } as Partial<EvidenceEvent>);
    const gaps = [
      ...events.slice(0, 4),
      contact(4.1),
      at(4.2, null, { type: 'dut.exit', pid: 1, exitCode: 0, signal: null }),
      ...events.slice(4, 7),
      contact(7.1),
      ...events.slice(7),
    ];
    const seqs = (experiments: string[]) => new Evidence(gaps).forExperiments(experiments).events.map((e) => e.seq);
    // The contact after baseline is baseline's, the one after ttl-zero is ttl-zero's; the DUT's exit stays in every scope.
    expect(seqs(['baseline'])).to.deep.equal([1, 2, 3, 4, 4.1, 4.2, 8, 9, 10]);
    expect(seqs(['ttl-zero'])).to.deep.equal([1, 4.2, 5, 6, 7, 7.1, 10]);
    expect(seqs(['nothing'])).to.deep.equal([1, 4.2, 10]);
  });

  it('takes the phase name as the experiment in evidence that predates the experiment field', () => {
    const legacy = events.map((e) =>
      e.type === 'phase.start' ? { ...e, experiment: undefined } : e,
    ) as EvidenceEvent[];
    expect(new Evidence(legacy).forExperiments(['baseline']).events.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 10]);
  });

  it('builds in-memory evidence with new Evidence(events), narrowed evidence in memory too', () => {
    const evidence = new Evidence(events);
    expect(evidence).to.be.an.instanceOf(InMemoryEvidence);
    expect(evidence.events).to.equal(events);
    expect(evidence.forExperiments(['ttl-zero'])).to.be.an.instanceOf(InMemoryEvidence);
    expect(evidence.phasesNotRun()).to.deep.equal([]);
    expect(evidence.span()).to.deep.equal({ start: 1000, end: 10_000 });
  });
});
