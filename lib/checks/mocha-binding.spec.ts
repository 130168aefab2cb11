import { expect } from 'chai';
import { Evidence } from '../evidence/evidence.ts';
import type { Profile } from '../profile/profile-types.ts';
import type { CheckOutcome, LoadedCheck, Verdict } from './check-types.ts';
import { judgeWithMocha } from './mocha-binding.ts';

const profile = { dut: { id: 'd' } } as unknown as Profile;

function check(id: string, judge: () => CheckOutcome): LoadedCheck {
  return {
    id,
    file: `/suites/${id}.check.ts`,
    meta: {
      title: id, requirement: 'r', keyword: 'MUST', severity: 'high',
      covers: { paper: ['3'], draft: [], etsi: [] }, decisionRule: { text: 'rule', parameters: {} }, experiments: ['baseline'],
    },
    judge,
  };
}
const outcome = (verdict: Verdict): CheckOutcome => ({ verdict, expected: 'e', observed: 'o', figures: { n: 1 }, evidence: [] });

describe('checks/mocha-binding', () => {
  it('runs every check under mocha and returns its own records, whatever mocha made of them', async () => {
    const checks = [
      check('t/pass', () => outcome('PASS')),
      check('t/fail', () => outcome('FAIL')),
      check('t/inconclusive', () => outcome('INCONCLUSIVE')),
      check('t/throws', () => { throw new Error('boom'); }),
      check('u/info', () => outcome('INFO')),
    ];
    const results = await judgeWithMocha(checks, new Evidence([]), { dutId: 'd', profile, eventsFile: 'events.ndjson' });
    expect(results.map((r) => [r.check, r.verdict])).to.deep.equal([
      ['t/pass', 'PASS'], ['t/fail', 'FAIL'], ['t/inconclusive', 'INCONCLUSIVE'], ['t/throws', 'ERROR'], ['u/info', 'INFO'],
    ]);
    expect(results[3]?.error).to.equal('boom');
    expect(results[0]).to.include({ title: 't/pass', keyword: 'MUST', severity: 'high', expected: 'e', observed: 'o' });
    expect(results[0]?.decisionRule.text).to.equal('rule');
  });

  it('marks NOT_APPLICABLE, without judging, a check none of whose experiments had a phase in the run', async () => {
    const phased = new Evidence([
      { seq: 1, t: 1, dut: 'd', phase: 'baseline', type: 'phase.start', name: 'baseline', experiment: 'baseline', scenario: 'pass-through' },
      { seq: 2, t: 2, dut: 'd', phase: 'baseline', type: 'phase.end', name: 'baseline', scenario: 'pass-through', reason: 'window elapsed' },
    ]);
    const elsewhere = check('t/elsewhere', () => outcome('FAIL'));
    elsewhere.meta = { ...elsewhere.meta, experiments: ['servfail', 'refused'] };
    const results = await judgeWithMocha([check('t/baseline', () => outcome('PASS')), elsewhere], phased, { dutId: 'd', profile, eventsFile: 'events.ndjson' });
    expect(results.map((r) => r.verdict)).to.deep.equal(['PASS', 'NOT_APPLICABLE']);
    expect(results[1]?.observed).to.match(/0 phases of the experiments the check needs \(servfail, refused\)/);
  });
});
