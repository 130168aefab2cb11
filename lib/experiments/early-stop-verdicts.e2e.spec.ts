/**
 * End to end (issue 19 item 1): early stop changes when a phase ends, never a verdict. Both
 * demo devices (sim-good, sim-bad) run the same short plan twice side by side, once with
 * early stop and once without; every check's verdict must be the same for each device. The
 * phases cover each kind of settlement: an SPRT (baseline: ttl-honoured; amplify-10: the
 * liveness samples; truncation: the TCP follow-ups), a TTL that ran out and was asked again
 * (ttl-huge), a forged name looked up again (forged-a), a failure pace shown (servfail) and a
 * multi-phase check given what it needs (recovery). Each run waits on its session to end
 * (the windows, at most 7 × 8 s, or the settled phases); the two run at once, each session
 * on loopback addresses of its own (the session relocates the simulated devices).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfile } from '../profile/load-profile.ts';
import { ensureKeys } from '../report/signing.ts';
import { runSession } from '../run/live-session.ts';
import type { DeviceRun } from '../run/live-session.ts';
import { loadExperiments } from './catalogue.ts';

const PROFILES = join(import.meta.dirname, '..', '..', 'profiles');
const WINDOW_SECONDS = 8;
const EXPERIMENTS = ['baseline', 'ttl-huge', 'forged-a', 'servfail', 'recovery', 'amplify-10', 'truncation'];

describe('early stop keeps every verdict (both demo devices)', function () {
  // Two sessions of 7 phases of 8 s side by side, each with start-up and judging of two
  // devices; a loaded machine (load 10) stretches the devices' start and the judging.
  this.timeout(300_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-early-stop-verdicts-'));
    ensureKeys(join(dir, 'keys'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** One session of the plan for both demo devices. */
  function run(earlyStop: boolean): Promise<DeviceRun[]> {
    const experiments = loadExperiments();
    return runSession({
      profiles: ['sim-good.yaml', 'sim-bad.yaml'].map((file) => loadProfile(join(PROFILES, file))),
      outDir: join(dir, earlyStop ? 'early-stop' : 'whole-windows'),
      keyDir: join(dir, 'keys'),
      progress: () => undefined,
      phases: EXPERIMENTS.map((name) => ({
        name,
        experiment: experiments.get(name)!,
        windowSeconds: WINDOW_SECONDS,
        trigger: null,
        prompt: null,
        earlyStop,
      })),
    });
  }

  it('gives the same verdicts with and without early stop, and early stop ends phases before their window', async () => {
    const [early, whole] = await Promise.all([run(true), run(false)]);
    const verdicts = (runs: DeviceRun[]) =>
      Object.fromEntries(
        runs.map((r) => [
          r.loaded.profile.dut.id,
          Object.fromEntries(r.finalised.report.results.map((result) => [result.check, result.verdict])),
        ]),
      );
    expect(verdicts(early)).to.deep.equal(verdicts(whole));
    const ended = early[0]!.finalised.report.observation.phases.filter((p) => p.endReason?.startsWith('settled early'));
    expect(ended.map((p) => p.name)).to.not.be.empty;
  });
});
