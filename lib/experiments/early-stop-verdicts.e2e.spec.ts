/**
 * End to end (issue 19 item 1): early stop changes when a phase ends, never a verdict. Both
 * demo devices (sim-good, sim-bad) run the same short plan twice side by side, once with
 * early stop and once without; every check's verdict must be the same for each device. The
 * phases cover the kinds of settlement: forged names looked up again or a canary contacted
 * (forged-aaaa, wrong-class, spoof-race), a failure pace shown (servfail), a multi-phase
 * check given what it needs (recovery), an SPRT over follow-ups (truncation) and answers
 * re-asked within a TTL cap (ttl-jump: its window is long enough for sim-good's failure
 * back-off after the bogus answers of its signed name to outgrow the cap + grace of 7 s,
 * which an early stop after a few seconds never sees). Each run waits on its session to end
 * (the windows, 6 × 8 s and 30 s, or the settled phases); the
 * two run at once, each on loopback addresses of its own (the session moves the simulated
 * devices to a free block). The full plan's comparison is bench/early-stop-lab-time.ts.
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
/** The back-off after refused answers doubles from 1 s: its gaps pass 7 s some 15 s into the phase. */
const TTL_JUMP_WINDOW_SECONDS = 30;
// ttl-jump last: the back-off it leaves on the signed name would otherwise run into the next phase.
const EXPERIMENTS = ['forged-aaaa', 'wrong-class', 'spoof-race', 'servfail', 'recovery', 'truncation', 'ttl-jump'];

describe('early stop keeps every verdict (both demo devices)', function () {
  // Two sessions of the phases (8 s each, ttl-jump 30 s) side by side, each with start-up and judging of two
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
      documents: false,
      phases: EXPERIMENTS.map((name) => ({
        name,
        experiment: experiments.get(name)!,
        windowSeconds: name === 'ttl-jump' ? TTL_JUMP_WINDOW_SECONDS : WINDOW_SECONDS,
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
