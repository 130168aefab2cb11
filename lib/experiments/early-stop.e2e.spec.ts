/**
 * End to end: a plan phase with early stop ends as soon as every check that needs it has a
 * settled verdict, and the report says so. The badly-behaved simulated device takes the
 * first spoofed answer and connects to its canary, so the spoof race is decided within
 * seconds of a 60 s window; without early stop the same phase runs its whole window.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverChecks } from '../checks/discover.ts';
import { parseProfile } from '../profile/load-profile.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { ensureKeys } from '../report/signing.ts';
import { loadExperiments } from './catalogue.ts';
import { runSession } from '../run/live-session.ts';

const PROFILES = join(import.meta.dirname, '..', '..', 'profiles');
const WINDOW_SECONDS = 60;

/** sim-bad moved to loopback aliases private to this spec (resolver .1, device .2); its canaries stay. */
function simBad(): LoadedProfile {
  const text = readFileSync(join(PROFILES, 'sim-bad.yaml'), 'utf8')
    .replaceAll('127.0.10.1,', '127.0.54.1,')
    .replace(/127\.0\.10\.3\]/, '127.0.54.2]')
    // No loopback DHCP here (its subnet and second resolver are in the block left behind): only the resolver change needs it.
    .replace(/^network:\n {2}dhcp: .*\n/m, '')
    .replace(/^ {4}- \{ transport: (udp|tcp), address: 127\.0\.10\.11, port: 0 \}\n/gm, '');
  return {
    profile: parseProfile(text, 'sim-bad.yaml'),
    file: 'sim-bad.yaml',
    text,
    sha256: createHash('sha256').update(text).digest('hex'),
  };
}

describe('early stop (sequential decision) end to end', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-early-stop-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ends the spoof-race phase once the device used a spoofed answer, and the report says why', async () => {
    const keyDir = join(dir, 'keys');
    ensureKeys(keyDir);
    const experiment = loadExperiments().get('spoof-race')!;
    const started = Date.now();
    const [run] = await runSession({
      profiles: [simBad()],
      outDir: join(dir, 'runs'),
      keyDir,
      progress: () => undefined,
      documents: false,
      // Only the check this phase settles: run-wide checks (randomness) would hold the last phase open for their samples.
      checks: (await discoverChecks()).filter((c) => c.id === 'validation/spoofed-answers-rejected'),
      checkSelection: 'validation/spoofed-answers-rejected',
      phases: [
        { name: 'spoof-race', experiment, windowSeconds: WINDOW_SECONDS, trigger: null, prompt: null, earlyStop: true },
      ],
    });
    const elapsedSeconds = (Date.now() - started) / 1000;
    const { report } = run!.finalised;
    const result = report.results.find((r) => r.check === 'validation/spoofed-answers-rejected')!;
    expect(result.verdict, result.observed).to.equal('FAIL');
    expect(result.settled).to.equal(true);
    const [phase] = report.observation.phases;
    expect(phase!.endReason).to.match(
      /^settled early \(sequential decision\): .*validation\/spoofed-answers-rejected FAIL/,
    );
    const phaseSeconds = (Date.parse(phase!.end) - Date.parse(phase!.start)) / 1000;
    expect(phaseSeconds).to.be.below(WINDOW_SECONDS / 2);
    expect(elapsedSeconds).to.be.below(WINDOW_SECONDS);
  });
});
