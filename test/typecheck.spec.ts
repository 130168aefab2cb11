import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');

describe('typecheck', () => {
  it('tsc --noEmit is clean (strict, NodeNext)', function () {
    this.timeout(180_000);
    const result = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['--noEmit', '-p', ROOT], { encoding: 'utf8' });
    expect(result.error, 'tsc did not start').to.equal(undefined);
    expect(`${result.stdout}${result.stderr}`.trim(), 'tsc reported errors').to.equal('');
    expect(result.status).to.equal(0);
  });
});
