import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distStaleness, programArguments } from './dist-build.ts';

describe('build/dist-build: dist/ is run only while no source changed since its build', () => {
  let root: string;
  const past = new Date(Date.now() - 60_000);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'dnsconform-dist-'));
    mkdirSync(join(root, 'lib', 'cli'), { recursive: true });
    writeFileSync(join(root, 'lib', 'cli', 'main.ts'), '');
    writeFileSync(join(root, 'package.json'), '{}');
    for (const path of ['lib/cli/main.ts', 'lib/cli', 'lib', 'package.json']) utimesSync(join(root, path), past, past);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const stamp = (watched: string[]) => {
    mkdirSync(join(root, 'dist'), { recursive: true });
    writeFileSync(
      join(root, 'dist', 'build-stamp.json'),
      JSON.stringify({ startedAtMs: Date.now() - 30_000, watched }),
    );
  };

  it('is not built without a stamp, and fresh when nothing watched changed after the build began', () => {
    expect(distStaleness(root)).to.equal('dist/ is not built');
    stamp(['lib', 'package.json']);
    expect(distStaleness(root)).to.equal(null);
  });

  it('is stale when a watched file changed, a file was added, or a watched path is gone', () => {
    stamp(['lib', 'package.json']);
    writeFileSync(join(root, 'lib', 'cli', 'main.ts'), 'changed');
    utimesSync(join(root, 'lib', 'cli'), past, past);
    expect(distStaleness(root)).to.equal('lib/cli/main.ts changed after dist/ was built');
    utimesSync(join(root, 'lib', 'cli', 'main.ts'), past, past);
    writeFileSync(join(root, 'lib', 'cli', 'new.ts'), '');
    expect(distStaleness(root)).to.match(/^lib\/cli(\/new\.ts)? changed after dist\/ was built$/);
    stamp(['package.json', 'gone.json']);
    expect(distStaleness(root)).to.equal('gone.json changed after dist/ was built');
  });

  it('starts a program compiled when the project dist/ is fresh, else through tsx', () => {
    const args = programArguments('lib/dut/simulated-device.ts');
    expect(args.at(-1)).to.match(
      args.length === 1 ? /dist\/lib\/dut\/simulated-device\.js$/ : /lib\/dut\/simulated-device\.ts$/,
    );
    if (args.length > 1) expect(args[0]).to.equal('--import');
  });
});
