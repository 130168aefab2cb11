/**
 * A session on a harness that runs late (a loaded machine deschedules it; here its event loop
 * is held): the phase observes its window of time the harness ran on time, the lateness is in
 * the evidence, and the report says so.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';
import { loadExperiments } from '../experiments/catalogue.ts';
import { parseProfile } from '../profile/load-profile.ts';
import { ensureKeys } from '../report/signing.ts';
import { runSession } from './live-session.ts';

const PROFILE = join(import.meta.dirname, '..', '..', 'profiles', 'sim-good.yaml');

describe('run/live-session on a harness that runs late', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-late-harness-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('adds the time the harness ran late to the phase window, and records the lateness', async () => {
    // Without loopback DHCP (its second resolver is not what this is about).
    const text = readFileSync(PROFILE, 'utf8')
      .replace(/^network:\n {2}dhcp: .*\n/m, '')
      .replace(/^ {4}- \{ transport: (udp|tcp), address: 127\.0\.10\.11, port: 0 \}\n/gm, '');
    const loaded = {
      profile: parseProfile(text, PROFILE),
      file: PROFILE,
      text,
      sha256: createHash('sha256').update(text).digest('hex'),
    };
    const keyDir = join(dir, 'keys');
    ensureKeys(keyDir);
    const HELD_MS = 1500;
    const [run] = await runSession({
      profiles: [loaded],
      outDir: join(dir, 'runs'),
      keyDir,
      documents: false,
      progress: (line) => {
        // Once the phase observes, the harness stops running for 1.5 s (its event loop held).
        if (!/observing for/.test(line)) return;
        setTimeout(() => {
          const until = performance.now() + HELD_MS;
          while (performance.now() < until);
        }, 300);
      },
      phases: [
        {
          name: 'baseline',
          experiment: loadExperiments().get('baseline')!,
          windowSeconds: 2,
          trigger: null,
          prompt: null,
          earlyStop: false,
        },
      ],
    });
    const evidence = loadEvidence(join(run!.runDir, RUN_FILES.events));
    const late = evidence.ofType('harness.lateness');
    expect(Math.max(...late.map((e) => e.lateMs)), 'the hold, measured').to.be.at.least(HELD_MS - 100);
    const [phase] = run!.finalised.report.observation.phases;
    expect(phase!.endReason).to.match(/^window elapsed \(extended by \d+\.\d s: the harness ran late\)$/);
    const extended = Number(/extended by ([\d.]+) s/.exec(phase!.endReason!)![1]);
    expect(extended).to.be.at.least((HELD_MS - 100) / 1000);
    // The device started inside the phase, then the window and the extension ran.
    const started = evidence.ofType('dut.start')[0]!.t;
    expect((Date.parse(phase!.end) - started / 1000) / 1000).to.be.at.least(2 + extended - 0.05);
    // The report says so.
    expect(run!.finalised.report.statements.filter((s) => s.startsWith('The harness itself ran late'))).to.have.length(
      1,
    );
  });
});
