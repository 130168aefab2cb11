/**
 * End to end: the reference simulated devices in one ddr-upgrade phase, as `run --plan`
 * runs it. The well-behaved device discovers DDR, verifies the lab certificate and moves
 * to DoT, padded, and never back to port 53; the badly-behaved one stays on port 53; the
 * Recommendation #1 checks tell them apart from the stored evidence, and the lab CA is the
 * one kept beside the signing keys.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEvidence } from '../evidence/load-evidence.ts';
import { RUN_FILES } from '../evidence/run-directory.ts';
import { parseProfile } from '../profile/load-profile.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { ensureKeys } from '../report/signing.ts';
import { LAB_CA_CERT_FILE } from '../resolver/lab-certificate.ts';
import { loadExperiments } from './catalogue.ts';
import { runSession } from '../run/live-session.ts';

const PROFILES = join(import.meta.dirname, '..', '..', 'profiles');
/** The reference profiles moved to loopback aliases private to this spec (resolver .21, devices .22/.23). */
function referenceProfile(file: string, device: string): LoadedProfile {
  const text = readFileSync(join(PROFILES, file), 'utf8')
    .replaceAll('127.0.10.1,', '127.0.53.21,')
    .replace(/127\.0\.10\.[23]\]/, `${device}]`)
    // No loopback DHCP here (its subnet and second resolver are in the block left behind): only the resolver change needs it.
    .replace(/^network:\n {2}dhcp: .*\n/m, '')
    .replace(/^ {4}- \{ transport: (udp|tcp), address: 127\.0\.10\.11, port: 0 \}\n/gm, '');
  return { profile: parseProfile(text, file), file, text, sha256: createHash('sha256').update(text).digest('hex') };
}

describe('ddr-upgrade experiment end to end', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-ddr-e2e-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the good device upgrades to DoT and PASSes Recommendation #1; the bad one stays on port 53 and FAILs', async () => {
    const keyDir = join(dir, 'keys');
    ensureKeys(keyDir);
    const good = referenceProfile('sim-good.yaml', '127.0.53.22');
    const bad = referenceProfile('sim-bad.yaml', '127.0.53.23');
    expect(good.profile.resolver.listen.map((l) => l.transport)).to.include.members(['dot', 'doh']);
    const experiment = loadExperiments().get('ddr-upgrade')!;
    const runs = await runSession({
      profiles: [good, bad],
      outDir: join(dir, 'runs'),
      keyDir,
      progress: () => undefined,
      phases: [{ name: 'ddr-upgrade', experiment, windowSeconds: 12, trigger: null, prompt: null, earlyStop: false }],
    });
    const verdictOf = (id: string) =>
      runs
        .find((r) => r.loaded.profile.dut.id === id)!
        .finalised.report.results.find((r) => r.check === 'encryption-upgrade/uses-offered-encryption')!;
    const goodResult = verdictOf('sim-good');
    const badResult = verdictOf('sim-bad');
    expect(goodResult.verdict, goodResult.observed).to.equal('PASS');
    expect(badResult.verdict, badResult.observed).to.equal('FAIL');
    expect(badResult.observed).to.contain('never asked _dns.resolver.arpa');
    // Recommendation #1's padding and no-downgrade: the good device pads every DoT query and never
    // goes back to port 53; the bad one never used encrypted DNS, so neither can be judged for it.
    for (const check of ['encryption/encrypted-queries-padded', 'encryption-upgrade/no-cleartext-downgrade']) {
      const result = (id: string) =>
        runs.find((r) => r.loaded.profile.dut.id === id)!.finalised.report.results.find((r) => r.check === check)!;
      expect(result('sim-good').verdict, `sim-good ${check}: ${result('sim-good').observed}`).to.equal('PASS');
      expect(result('sim-bad').verdict, `sim-bad ${check}: ${result('sim-bad').observed}`).to.equal('INCONCLUSIVE');
    }

    const goodRun = runs.find((r) => r.loaded.profile.dut.id === 'sim-good')!;
    const evidence = loadEvidence(join(goodRun.runDir, RUN_FILES.events));
    const dot = evidence.queries('sim-good').filter((q) => q.transport === 'dot');
    expect(dot.length).to.be.greaterThan(5);
    expect(dot.every((q) => q.tls?.alpn === 'dot' && q.tls.version === 'TLSv1.3' && q.size % 128 === 0)).to.equal(true);
    const deviceLog = readFileSync(join(goodRun.runDir, RUN_FILES.deviceLog), 'utf8');
    expect(deviceLog).to.contain('"event":"ddr-upgraded"');
    // The certificate was issued by the lab CA kept beside the signing keys, which the device was given.
    expect(readFileSync(join(keyDir, LAB_CA_CERT_FILE), 'utf8')).to.contain('BEGIN CERTIFICATE');
  });
});
