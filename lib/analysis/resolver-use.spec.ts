import { expect } from 'chai';
import { describeResolver, hardcodedResolvers, hardcodedServers } from './resolver-use.ts';

describe('analysis/resolver-use', () => {
  it('with assigned resolvers, calls every other one hard-coded, private ones included', () => {
    expect(hardcodedResolvers(['192.168.1.1', '10.0.0.53', '8.8.8.8', '10.0.0.53'], { assigned: ['192.168.1.1'] })).to.deep.equal(['10.0.0.53', '8.8.8.8']);
    expect(hardcodedResolvers(['192.168.1.1', '192.168.1.2'], { assigned: ['192.168.1.1', '192.168.1.2'] })).to.deep.equal([]);
  });

  it('without them, only listed public resolvers, from the default or a given list', () => {
    expect(hardcodedResolvers(['192.168.1.1', '208.67.222.222', '2606:4700:4700::1111'], { assigned: [] })).to.deep.equal(['208.67.222.222', '2606:4700:4700::1111']);
    expect(hardcodedResolvers(['192.168.1.1', '208.67.222.222'], { assigned: [], publicResolvers: ['192.168.1.1'] })).to.deep.equal(['192.168.1.1']);
  });

  it('counts a DoH server hard-coded unless assigned, DoT and DoQ by the plain rule', () => {
    const encrypted = [
      { protocol: 'doh' as const, address: '203.0.113.5' },
      { protocol: 'dot' as const, address: '192.168.1.1' },
      { protocol: 'doq' as const, address: '9.9.9.9' },
    ];
    expect(hardcodedServers(['192.168.1.1'], encrypted, { assigned: [] })).to.deep.equal(['203.0.113.5', '9.9.9.9']);
    expect(hardcodedServers(['192.168.1.1'], encrypted, { assigned: ['192.168.1.1', '203.0.113.5'] })).to.deep.equal(['9.9.9.9']);
  });

  it('names listed public resolvers by operator', () => {
    expect(describeResolver('208.67.222.222')).to.equal('208.67.222.222 (OpenDNS (Cisco))');
    expect(describeResolver('192.168.1.1')).to.equal('192.168.1.1');
  });
});
