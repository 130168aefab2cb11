import { expect } from 'chai';
import { join } from 'node:path';
import { loadProfile } from '../profile/load-profile.ts';
import { hostFilter } from './live-capture.ts';
import { captureHosts, captureInterface } from './run-capture.ts';

const PROFILES = join(import.meta.dirname, '..', '..', 'profiles');

describe('capture/run-capture: what is captured where', () => {
  it("captures a simulated device on loopback, a lab device on the profile's interface or any", () => {
    expect(captureInterface(loadProfile(join(PROFILES, 'sim-good.yaml')).profile)).to.equal('lo');
    const lab = loadProfile(join(PROFILES, 'lab-example.yaml')).profile;
    expect(captureInterface(lab)).to.equal('eth1');
    const { capture: _, ...withoutCapture } = lab;
    expect(captureInterface(withoutCapture)).to.equal('any');
  });

  it("filters on the DUT's addresses and its canaries, each once", () => {
    const lab = loadProfile(join(PROFILES, 'lab-example.yaml')).profile;
    const hosts = captureHosts({ ...lab, canaries: [...lab.canaries, '192.168.50.23'] });
    const canaries = [
      '192.168.50.250',
      '192.168.50.251',
      '192.168.50.252',
      '192.168.50.253',
      '192.168.50.254',
      'fd00:50::fa',
    ];
    expect(hosts).to.deep.equal(['192.168.50.23', ...canaries]);
    expect(hostFilter(hosts)).to.equal(['192.168.50.23', ...canaries].map((h) => `host ${h}`).join(' or '));
    expect(() => hostFilter([])).to.throw(/at least one host/);
  });
});
