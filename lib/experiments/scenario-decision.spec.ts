/**
 * Which experiments an IPv4-only or IPv6-only device runs (issue 13 point 6): an experiment
 * that forges answers into a canary family the profile has no canary of is not run for that
 * DUT, with the reason, instead of refusing the profile; too few canaries of a family the
 * profile does have is still a profile error.
 */
import { expect } from 'chai';
import { InputFileError } from '../input/yaml-input.ts';
import { parseProfile } from '../profile/load-profile.ts';
import type { LoadedProfile } from '../profile/load-profile.ts';
import { canaryFamilies, loadExperiments, scenarioDecision } from './catalogue.ts';

function profileWith(canaries: readonly string[]): LoadedProfile {
  const text = [
    'profileVersion: 1',
    'dut: { id: dut, vendor: v, model: m, addresses: [127.0.59.2] }',
    'device: { kind: lab }',
    'resolver: { listen: [{ transport: udp, address: 127.0.59.1 }] }',
    'zone:',
    '  - { name: cloud.sim.example, type: A, ttl: 30, data: 127.0.59.200 }',
    `canaries: [${canaries.map((c) => JSON.stringify(c)).join(', ')}]`,
  ].join('\n');
  return { profile: parseProfile(text, 'spec.yaml'), file: 'spec.yaml', text, sha256: '' };
}

const experiments = loadExperiments();
const IPV4 = ['127.0.59.77', '127.0.59.78', '127.0.59.79', '127.0.59.80', '127.0.59.81'];

/** The experiments not run for a profile, with their reasons. */
async function notRunFor(loaded: LoadedProfile): Promise<Map<string, string>> {
  const skipped = new Map<string, string>();
  for (const experiment of experiments.values()) {
    const decision = await scenarioDecision(experiment, loaded);
    if (!decision.run) skipped.set(experiment.id, decision.reason);
  }
  return skipped;
}

describe('experiments/scenario decision: IPv4-only and IPv6-only devices', () => {
  it('runs every experiment for a dual-stack profile', async () => {
    expect([...(await notRunFor(profileWith([...IPV4, '::1']))).keys()]).to.deep.equal([]);
  });

  it('skips the two experiments forging IPv6 answers (forged-aaaa, aaaa-for-a) for an IPv4-only profile, saying why', async () => {
    const skipped = await notRunFor(profileWith(IPV4));
    expect([...skipped.keys()]).to.deep.equal(['aaaa-for-a', 'forged-aaaa']);
    expect(skipped.get('forged-aaaa')).to.equal(
      'experiment forged-aaaa forges answers pointing at an IPv6 canary and the profile has no IPv6 canary (an IPv4-only device)',
    );
    const forgedA = await scenarioDecision(experiments.get('forged-a')!, profileWith(IPV4));
    expect(forgedA.run && forgedA.scenario.text).to.equal(`forgeA(${IPV4[0]})`);
  });

  it('skips every experiment forging into IPv4 for an IPv6-only profile, and runs forged-aaaa', async () => {
    const skipped = await notRunFor(profileWith(['::1']));
    const ipv4Forging = [...experiments.values()].filter((e) => canaryFamilies(e).includes('4')).map((e) => e.id);
    expect(ipv4Forging).to.include.members(['forged-a', 'spoof-race', 'dnssec-bogus', 'late-answers']);
    expect([...skipped.keys()]).to.deep.equal(ipv4Forging);
    expect(skipped.get('spoof-race')).to.match(/no IPv4 canary \(an IPv6-only device\)$/);
    const forgedAaaa = await scenarioDecision(experiments.get('forged-aaaa')!, profileWith(['::1']));
    expect(forgedAaaa.run && forgedAaaa.scenario.text).to.equal('forgeAAAA(::1)');
  });

  it('runs experiments that forge nothing for a profile without canaries, and skips the others without naming a family it has', async () => {
    const skipped = await notRunFor(profileWith([]));
    expect(skipped.has('baseline')).to.equal(false);
    expect(skipped.has('ttl-zero')).to.equal(false);
    expect(skipped.get('forged-aaaa')).to.match(/the profile has no IPv6 canary$/);
  });

  it('still refuses a profile with some canaries of a family but fewer than the experiment needs', async () => {
    const error = await scenarioDecision(experiments.get('spoof-race')!, profileWith(IPV4.slice(0, 2))).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(InputFileError);
    expect((error as Error).message).to.include('/canaries: experiment spoof-race needs 5 IPv4 canary addresses');
  });
});
