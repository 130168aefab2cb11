import { expect } from 'chai';
import { discoverChecks } from './discover.ts';
import type { LoadedCheck } from './check-types.ts';
import { CheckSelectionError, selectChecks } from './select-checks.ts';

describe('checks/select-checks', () => {
  let checks: LoadedCheck[];
  before(async () => {
    checks = await discoverChecks();
  });

  it('keeps every check without a selection', () => {
    expect(selectChecks(checks, undefined)).to.have.length(checks.length);
  });

  it('selects by id and by topic, in the usual order, each once', () => {
    const ids = selectChecks(
      checks,
      'validation/spoofed-answers-rejected, randomness/,randomness/transaction-id-randomised',
    ).map((c) => c.id);
    expect(ids).to.deep.equal([
      'randomness/source-port-randomised',
      'randomness/transaction-id-randomised',
      'validation/spoofed-answers-rejected',
    ]);
  });

  it('does not take a prefix of a name for a topic', () => {
    expect(() => selectChecks(checks, 'random')).to.throw(
      CheckSelectionError,
      /"random" is neither a check id nor a topic/,
    );
    expect(() => selectChecks(checks, ' , ')).to.throw(CheckSelectionError, /names no check/);
  });
});
