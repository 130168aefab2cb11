import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');

/** Runs `biome check` (formatter and linter, config in biome.jsonc) on the given paths. */
function biomeCheck(cwd: string, ...paths: string[]) {
  return spawnSync(BIOME, ['check', '--colors=off', ...paths], { cwd, encoding: 'utf8' });
}

describe('formatter and linter (biome check)', () => {
  it('every source file is formatted and lint-clean (fix with `npm run format`)', function () {
    this.timeout(120_000);
    const result = biomeCheck(ROOT, '.');
    expect(result.error, 'biome did not start').to.equal(undefined);
    expect(result.status, `${result.stdout}${result.stderr}`.slice(0, 4000)).to.equal(0);
  });

  it('the check fails on a badly formatted file', function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'dnsconform-biome-'));
    try {
      writeFileSync(
        join(dir, 'biome.jsonc'),
        '{ "extends": ["' + join(ROOT, 'biome.jsonc') + '"], "vcs": { "enabled": false } }',
      );
      writeFileSync(join(dir, 'bad.ts'), 'export const x = {a:1,\n\n\n   b:"two"}\n');
      const result = biomeCheck(dir, 'bad.ts');
      expect(result.status, 'a misformatted file passed').to.not.equal(0);
      expect(`${result.stdout}${result.stderr}`).to.include('Formatter would have printed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
