import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ProfileError, loadProfile, parseProfile } from './load-profile.ts';

const PROFILES = join(import.meta.dirname, '..', '..', 'profiles');
const bad = readFileSync(join(PROFILES, 'sim-bad.yaml'), 'utf8');

function problemsOf(text: string): ProfileError['problems'] {
  try {
    parseProfile(text, 'edited.yaml');
  } catch (error) {
    expect(error).to.be.instanceOf(ProfileError);
    expect((error as Error).message).to.match(/^edited\.yaml: invalid profile/);
    const [firstProblem] = (error as ProfileError).problems;
    expect((error as Error).message.split('\n')[0], "the first problem's pointer on the first line").to.include(
      ` at ${firstProblem!.pointer || '/'}`,
    );
    return (error as ProfileError).problems;
  }
  throw new Error('the profile was accepted');
}

describe('profile/load-profile', () => {
  it('accepts every shipped profile and fills defaults', () => {
    const files = readdirSync(PROFILES).filter((f) => f.endsWith('.yaml'));
    expect(files).to.include.members(['sim-good.yaml', 'sim-bad.yaml']);
    files.push(
      ...readdirSync(join(PROFILES, 'fleet'))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join('fleet', f)),
    );
    expect(files.length).to.be.at.least(12);
    for (const file of files) {
      const loaded = loadProfile(join(PROFILES, file));
      expect(loaded.profile.scenario, file).to.be.an('array');
      expect(loaded.profile.canaries, file).to.be.an('array');
      expect(loaded.sha256).to.match(/^[0-9a-f]{64}$/);
    }
  });

  it('names the JSON pointer and line of each problem', () => {
    const problems = problemsOf(
      bad
        .replace('  vendor: dnsconform reference devices\n', '')
        .replace('port: 4096', 'port: 70000')
        .replace('strategy: counter', 'strategy: countr')
        .replace('    tcpOnTruncation: false', '    tcpOnTruncation: false\n    colour: red'),
    );
    const byPointer = Object.fromEntries(problems.map((p) => [p.pointer, p]));
    expect(byPointer['/dut']?.message).to.equal('missing required property "vendor"');
    expect(byPointer['/device/behaviour/sourcePort/port']?.message).to.match(/<= 65535/);
    expect(byPointer['/device/behaviour/txid/strategy']?.message).to.match(/unknown value "countr"/);
    expect(byPointer['/device/behaviour']?.message).to.equal('unknown property "colour"');
    // 1-based line in the edited text, which lost the vendor line above it.
    const lineInOriginal = bad.split('\n').findIndex((l) => l.includes('port: 4096')) + 1;
    expect(byPointer['/device/behaviour/sourcePort/port']?.line).to.equal(lineInOriginal - 1);
  });

  it('catches what the schema cannot: record data by type, inverted ranges, bad YAML', () => {
    expect(problemsOf(bad.replace('data: 127.0.10.201', 'data: not-an-address'))[0]).to.include({
      pointer: '/zone/0/data',
    });
    expect(problemsOf(bad.replace('maxTimeoutMs: 500', 'maxTimeoutMs: 100'))[0]).to.include({
      pointer: '/device/behaviour/retry/maxTimeoutMs',
    });
    expect(problemsOf(`${bad}capture: { interface: "eth1; rm -rf /" }\n`)[0]).to.include({
      pointer: '/capture/interface',
    });
    expect(problemsOf(`${bad}capture: { iface: eth1 }\n`)[0]).to.include({ pointer: '/capture' });
    expect(problemsOf('dut: [')[0]?.message).to.match(/^YAML: /);
    const weighted = bad.replace(
      'txid: { strategy: counter, start: 1 }',
      'txid: { strategy: weighted, choices: [{ weight: 1, value: 7 }, { weight: 1, min: 80, max: 79 }] }',
    );
    expect(problemsOf(weighted)[0]).to.include({
      pointer: '/device/behaviour/txid/choices/1/min',
      message: 'min is above max',
    });
    expect(
      problemsOf(bad.replace('txid: { strategy: counter, start: 1 }', 'txid: { strategy: weighted, choices: [] }'))[0],
    ).to.include({ pointer: '/device/behaviour/txid/choices' });
    expect(() => loadProfile('/nonexistent/profile.yaml')).to.throw(ProfileError, /cannot read: ENOENT/);
  });
});
