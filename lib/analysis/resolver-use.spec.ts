import { expect } from 'chai';
import { parseProfile } from '../profile/load-profile.ts';
import { describeResolver, hardcodedResolvers, hardcodedServers, publicResolverList } from './resolver-use.ts';

describe('analysis/resolver-use', () => {
  it('with assigned resolvers, calls every other one hard-coded, private ones included', () => {
    expect(
      hardcodedResolvers(['192.168.1.1', '10.0.0.53', '8.8.8.8', '10.0.0.53'], { assigned: ['192.168.1.1'] }),
    ).to.deep.equal(['10.0.0.53', '8.8.8.8']);
    expect(
      hardcodedResolvers(['192.168.1.1', '192.168.1.2'], { assigned: ['192.168.1.1', '192.168.1.2'] }),
    ).to.deep.equal([]);
  });

  it('without them, only listed public resolvers, from the default or a given list', () => {
    expect(
      hardcodedResolvers(['192.168.1.1', '208.67.222.222', '2606:4700:4700::1111'], { assigned: [] }),
    ).to.deep.equal(['208.67.222.222', '2606:4700:4700::1111']);
    expect(
      hardcodedResolvers(['192.168.1.1', '208.67.222.222'], { assigned: [], publicResolvers: ['192.168.1.1'] }),
    ).to.deep.equal(['192.168.1.1']);
  });

  it('counts a DoH server hard-coded unless assigned, DoT and DoQ by the plain rule', () => {
    const encrypted = [
      { protocol: 'doh' as const, address: '203.0.113.5' },
      { protocol: 'dot' as const, address: '192.168.1.1' },
      { protocol: 'doq' as const, address: '9.9.9.9' },
    ];
    expect(hardcodedServers(['192.168.1.1'], encrypted, { assigned: [] })).to.deep.equal(['203.0.113.5', '9.9.9.9']);
    expect(hardcodedServers(['192.168.1.1'], encrypted, { assigned: ['192.168.1.1', '203.0.113.5'] })).to.deep.equal([
      '9.9.9.9',
    ]);
  });

  it('names listed public resolvers by operator', () => {
    expect(describeResolver('208.67.222.222')).to.equal('208.67.222.222 (OpenDNS (Cisco))');
    expect(describeResolver('192.168.1.1')).to.equal('192.168.1.1');
  });
});

describe("profile publicResolvers (the lab's additions to the public list)", () => {
  const profile = (publicResolvers: unknown) =>
    JSON.stringify({
      profileVersion: 1,
      dut: { id: 'lab-dut', vendor: 'Test', model: 'Lab device', addresses: ['127.0.78.10'] },
      device: { kind: 'lab' },
      resolver: { listen: [{ transport: 'udp', address: '127.0.78.1' }] },
      zone: [],
      publicResolvers,
    });

  it('is accepted as address → operator and added to the built-in list', () => {
    const parsed = parseProfile(profile({ '127.0.78.53': 'Lab ISP DNS' }), 'lab.yaml');
    const list = publicResolverList(parsed.publicResolvers);
    expect(list['127.0.78.53']).to.equal('Lab ISP DNS');
    expect(list['8.8.8.8']).to.equal('Google Public DNS');
    expect(describeResolver('127.0.78.53', list)).to.equal('127.0.78.53 (Lab ISP DNS)');
  });

  it('refuses a key that is not an IP address, naming the place', () => {
    expect(() => parseProfile(profile({ 'dns.example': 'x' }), 'lab.yaml')).to.throw(/lab\.yaml.*\/publicResolvers/s);
  });
});
