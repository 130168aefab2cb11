import { expect } from 'chai';
import { Evidence } from '../evidence/evidence.ts';
import type { EvidenceEvent } from '../evidence/events.ts';
import type { Profile } from '../profile/profile-types.ts';
import type { CheckOutcome, LoadedCheck, Verdict } from './check-types.ts';
import { judgeWithMocha } from './mocha-binding.ts';

const profile = { dut: { id: 'd' } } as unknown as Profile;

function check(id: string, judge: () => CheckOutcome): LoadedCheck {
  return {
    id,
    file: `/suites/${id}.check.ts`,
    meta: {
      title: id,
      requirement: 'r',
      keyword: 'MUST',
      severity: 'high',
      covers: { paper: ['3'], draft: [], etsi: [] },
      decisionRule: { text: 'rule', parameters: {} },
      experiments: ['baseline'],
    },
    judge,
  };
}
const outcome = (verdict: Verdict): CheckOutcome => ({
  verdict,
  expected: 'e',
  observed: 'o',
  figures: { n: 1 },
  evidence: [],
});

describe('checks/mocha-binding', () => {
  it('runs every check under mocha and returns its own records, whatever mocha made of them', async () => {
    const checks = [
      check('t/pass', () => outcome('PASS')),
      check('t/fail', () => outcome('FAIL')),
      check('t/inconclusive', () => outcome('INCONCLUSIVE')),
      check('t/throws', () => {
        throw new Error('boom');
      }),
      check('u/info', () => outcome('INFO')),
    ];
    const results = await judgeWithMocha(checks, new Evidence([]), {
      dutId: 'd',
      profile,
      eventsFile: 'events.ndjson',
    });
    expect(results.map((r) => [r.check, r.verdict])).to.deep.equal([
      ['t/pass', 'PASS'],
      ['t/fail', 'FAIL'],
      ['t/inconclusive', 'INCONCLUSIVE'],
      ['t/throws', 'ERROR'],
      ['u/info', 'INFO'],
    ]);
    expect(results[3]?.error).to.equal('boom');
    expect(results[0]).to.include({ title: 't/pass', keyword: 'MUST', severity: 'high', expected: 'e', observed: 'o' });
    expect(results[0]?.decisionRule.text).to.equal('rule');
  });

  it('marks not assessed (INCONCLUSIVE), without judging, a check none of whose experiments had a phase in the run', async () => {
    const phased = new Evidence([
      {
        seq: 1,
        t: 1,
        dut: 'd',
        phase: 'baseline',
        type: 'phase.start',
        name: 'baseline',
        experiment: 'baseline',
        scenario: 'pass-through',
      },
      {
        seq: 2,
        t: 2,
        dut: 'd',
        phase: 'baseline',
        type: 'phase.end',
        name: 'baseline',
        scenario: 'pass-through',
        reason: 'window elapsed',
      },
    ]);
    const elsewhere = check('t/elsewhere', () => outcome('FAIL'));
    elsewhere.meta = { ...elsewhere.meta, experiments: ['servfail', 'refused'] };
    const results = await judgeWithMocha([check('t/baseline', () => outcome('PASS')), elsewhere], phased, {
      dutId: 'd',
      profile,
      eventsFile: 'events.ndjson',
    });
    expect(results.map((r) => r.verdict)).to.deep.equal(['PASS', 'INCONCLUSIVE']);
    expect(results[1]?.observed).to.match(/0 phases of the experiments the check needs \(servfail, refused\)/);
  });

  it('marks not assessed, with the reason, a check whose experiments were not run for this DUT (phase.skip); one with a phase that ran is judged', async () => {
    const marker = (seq: number, type: 'phase.start' | 'phase.end', name: string): EvidenceEvent => ({
      seq,
      t: seq,
      dut: 'd',
      phase: name,
      type,
      name,
      experiment: name,
      scenario: '',
      ...(type === 'phase.end' ? { reason: 'window elapsed' } : {}),
    });
    const reason = 'the profile has no IPv6 canary (an IPv4-only device)';
    const evidence = new Evidence([
      marker(1, 'phase.start', 'baseline'),
      marker(2, 'phase.end', 'baseline'),
      {
        seq: 3,
        t: 3,
        dut: 'd',
        phase: null,
        type: 'phase.skip',
        name: 'forged-aaaa',
        experiment: 'forged-aaaa',
        reason,
      },
    ]);
    const onlyAaaa = check('t/aaaa', () => outcome('FAIL'));
    onlyAaaa.meta = { ...onlyAaaa.meta, experiments: ['forged-aaaa'] };
    const alsoBaseline = check('t/both', () => outcome('PASS'));
    alsoBaseline.meta = { ...alsoBaseline.meta, experiments: ['baseline', 'forged-aaaa'] };
    const results = await judgeWithMocha([onlyAaaa, alsoBaseline], evidence, {
      dutId: 'd',
      profile,
      eventsFile: 'events.ndjson',
    });
    expect(results.map((r) => r.verdict)).to.deep.equal(['INCONCLUSIVE', 'PASS']);
    expect(results[0]?.observed).to.equal(`Not assessed: phase forged-aaaa was not run for this DUT: ${reason}.`);
    expect(results[0]?.figures).to.deep.equal({ phasesRun: ['baseline'], phasesNotRun: ['forged-aaaa'] });
  });

  it("turns a PASS on evidence the run lost part of into INCONCLUSIVE with the loss; FAIL and other DUTs' losses are left alone", async () => {
    const events: EvidenceEvent[] = [
      {
        seq: 1,
        t: 1,
        dut: null,
        phase: 'baseline',
        type: 'phase.start',
        name: 'baseline',
        experiment: 'baseline',
        scenario: 'pass-through',
      },
      {
        seq: 2,
        t: 2,
        dut: null,
        phase: 'baseline',
        type: 'resolver.loss',
        transport: 'udp',
        listener: { address: '127.0.0.1', port: 53 },
        kind: 'receive-drops',
        count: 7,
        bytes: null,
        total: 7,
        since: 1,
      },
      {
        seq: 3,
        t: 3,
        dut: 'd',
        phase: 'baseline',
        type: 'resolver.connection',
        transport: 'tcp',
        client: { address: '127.0.0.2', port: 5 },
        server: { address: '127.0.0.1', port: 53 },
        action: 'refused',
        reason: 'cap',
      },
      {
        seq: 4,
        t: 4,
        dut: 'other',
        phase: 'baseline',
        type: 'dns.suppressed',
        transport: 'udp',
        source: '127.0.0.9',
        count: 5,
        since: 3,
        until: 4,
        reason: 'budget',
      },
    ];
    const checks = [check('t/pass', () => outcome('PASS')), check('t/fail', () => outcome('FAIL'))];
    const lossy = await judgeWithMocha(checks, new Evidence(events), {
      dutId: 'd',
      profile,
      eventsFile: 'events.ndjson',
    });
    expect(lossy.map((r) => r.verdict)).to.deep.equal(['INCONCLUSIVE', 'FAIL']);
    expect(lossy[0]?.observed).to.match(
      /^Not assessed: the evidence may be incomplete: 7 datagrams dropped by the kernel.*; 1 connections of the DUT refused.*On what was recorded: o$/,
    );
    expect(lossy[0]?.observed).to.not.match(
      /over the recording budget/,
      "another DUT's suppressed messages are not this DUT's loss",
    );
    const clean = await judgeWithMocha(checks, new Evidence([events[0]!, events[3]!]), {
      dutId: 'd',
      profile,
      eventsFile: 'events.ndjson',
    });
    expect(clean.map((r) => r.verdict)).to.deep.equal(['PASS', 'FAIL']);
  });

  it("gives NOT_APPLICABLE only on the ICS: a check's own NOT_APPLICABLE is reported not assessed", async () => {
    const conditional = check('t/telemetry', () => outcome('FAIL'));
    conditional.meta = { ...conditional.meta, covers: { paper: [], draft: [], etsi: ['6-4', '6-5'] } };
    const declaring = {
      ...profile,
      ics: [
        { provision: '6-4', support: 'N/A', detail: 'no telemetry' },
        { provision: '6-5', support: 'N/A', detail: 'no telemetry' },
      ],
    } as Profile;
    const context = { dutId: 'd', profile: declaring, eventsFile: 'events.ndjson' };
    const results = await judgeWithMocha(
      [conditional, check('t/own-na', () => outcome('NOT_APPLICABLE'))],
      new Evidence([]),
      context,
    );
    expect(results.map((r) => r.verdict)).to.deep.equal(['NOT_APPLICABLE', 'INCONCLUSIVE']);
    expect(results[0]?.observed).to.equal("The supplier's ICS declares 6-4 N/A: no telemetry; 6-5 N/A: no telemetry");
    expect(results[1]?.observed).to.equal('Not assessed: o');
    // One provision still applicable: the check is judged.
    const partly = { ...declaring, ics: declaring.ics!.slice(0, 1) } as Profile;
    expect(
      (await judgeWithMocha([conditional], new Evidence([]), { ...context, profile: partly }))[0]?.verdict,
    ).to.equal('FAIL');
  });

  describe('checks that require the packet capture', () => {
    const needsCapture = (): LoadedCheck => ({
      ...check('t/capture', () => outcome('PASS')),
      meta: { ...check('x', () => outcome('PASS')).meta, requires: ['capture'] },
    });
    const captureEvent = (
      type: 'capture.start' | 'capture.unavailable',
      dut: string,
      reason?: string,
    ): EvidenceEvent => ({
      seq: 1,
      t: 1,
      dut,
      phase: null,
      type,
      file: type === 'capture.start' ? 'capture.pcapng' : null,
      interface: 'lo',
      filter: 'host 127.0.64.2',
      tool: 'dumpcap',
      ...(reason ? { reason } : {}),
    });
    const judge = (events: EvidenceEvent[]) =>
      judgeWithMocha([needsCapture()], new Evidence(events), { dutId: 'd', profile, eventsFile: 'events.ndjson' });

    it('are judged when the run captured packets for the DUT', async () => {
      const [result] = await judge([captureEvent('capture.start', 'd')]);
      expect(result?.verdict).to.equal('PASS');
    });

    it('are INCONCLUSIVE, never PASS, with the recorded reason when the capture was unavailable', async () => {
      const [result] = await judge([captureEvent('capture.unavailable', 'd', 'capture tool /nope not found')]);
      expect(result).to.include({
        verdict: 'INCONCLUSIVE',
        observed: 'not judged: the run has no packet capture: capture tool /nope not found',
      });
    });

    it("are INCONCLUSIVE when the evidence holds no capture at all, or only another DUT's", async () => {
      for (const events of [[], [captureEvent('capture.start', 'other')]]) {
        const [result] = await judge(events);
        expect(result).to.include({
          verdict: 'INCONCLUSIVE',
          observed: 'not judged: the run recorded no packet capture',
        });
      }
    });
  });
});
