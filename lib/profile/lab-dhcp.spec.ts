import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { type ProfileError, parseProfile } from './load-profile.ts';
import { derivedDutAddress, dhcpResolvers, eui64Address, parseSubnet } from './lab-dhcp.ts';

function labProfile(dhcp: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    profileVersion: 1,
    dut: { id: 'plug', vendor: 'ACME', model: 'P1', mac: '02:00:00:00:00:11' },
    device: { kind: 'lab' },
    resolver: {
      listen: [
        { transport: 'udp', address: '10.77.0.1' },
        { transport: 'udp', address: '10.77.0.2' },
        { transport: 'dot', address: '10.77.0.1' },
      ],
    },
    zone: [],
    canaries: ['10.77.0.250'],
    network: { dhcp: { interface: 'eth1', subnet: '10.77.0.0/24', ...dhcp } },
    ...extra,
  });
}

describe('profile/lab-dhcp', () => {
  it('derives the DUT address from its MAC inside the subnet, the same every time, never a harness address', () => {
    const profile = parseProfile(labProfile({}), 'lab.yaml');
    const [address] = profile.dut.addresses;
    expect(address).to.match(/^10\.77\.0\.\d+$/);
    expect(['10.77.0.0', '10.77.0.1', '10.77.0.2', '10.77.0.250', '10.77.0.255']).not.to.include(address);
    expect(parseProfile(labProfile({}), 'again.yaml').dut.addresses).to.deep.equal(profile.dut.addresses);
    expect(profile.network!.dhcp.leaseSeconds).to.equal(120);
    const subnet = parseSubnet('10.77.0.0/30')!;
    expect(derivedDutAddress('02:00:00:00:00:11', subnet, new Set(['10.77.0.1']))).to.equal('10.77.0.2');
    expect(derivedDutAddress('02:00:00:00:00:11', subnet, new Set(['10.77.0.1', '10.77.0.2']))).to.equal(null);
  });

  it('keeps an address the profile names, and adds the EUI-64 address on an IPv6 segment', () => {
    const profile = parseProfile(labProfile({ ipv6: { prefix: 'fd00:77::/64' } }, {}), 'lab.yaml');
    expect(profile.dut.addresses[1]).to.equal('fd00:77:0:0:0:ff:fe00:11');
    expect(eui64Address('fd00:77::/64', 'a4:cf:12:00:01:23')).to.equal('fd00:77:0:0:a6cf:12ff:fe00:123');
  });

  it('hands out the first udp listener, and resolverChange from the change on', () => {
    const profile = parseProfile(labProfile({ resolverChange: '10.77.0.2' }), 'lab.yaml');
    expect(dhcpResolvers(profile, profile.network!.dhcp)).to.deep.equal({ initial: '10.77.0.1', changed: '10.77.0.2' });
  });

  it('names each problem by its JSON pointer', () => {
    const problems = (text: string) => {
      try {
        parseProfile(text, 'lab.yaml');
        return [];
      } catch (error) {
        return (error as ProfileError).problems.map((p) => `${p.pointer}: ${p.message}`);
      }
    };
    expect(problems(labProfile({ subnet: '10.77.0.1/24' })).join('\n')).to.match(
      /\/network\/dhcp\/subnet: "10\.77\.0\.1\/24" is not an IPv4 subnet/,
    );
    expect(problems(labProfile({ resolverChange: '10.77.0.9' })).join('\n')).to.match(
      /\/network\/dhcp\/resolverChange: 10\.77\.0\.9 is not a udp listener/,
    );
    expect(problems(labProfile({ leaseSeconds: 20 })).join('\n')).to.match(/leaseSeconds/);
    expect(problems(labProfile({ subnet: '10.88.0.0/24' })).join('\n')).to.match(
      /\/resolver\/listen: no udp listener inside 10\.88\.0\.0\/24/,
    );
    const noMac = JSON.parse(labProfile({})) as { dut: Record<string, unknown> };
    delete noMac.dut['mac'];
    expect(problems(JSON.stringify(noMac)).join('\n')).to.match(/\/dut: mac is required with network\.dhcp/);
    const noAddresses = JSON.parse(labProfile({})) as { network?: unknown };
    delete noAddresses.network;
    expect(problems(JSON.stringify(noAddresses)).join('\n')).to.match(
      /\/dut: addresses is required unless network\.dhcp/,
    );
  });

  it("takes a simulated device's network.dhcp only on loopback, inside 127.0.0.0/8, without IPv6", () => {
    const text = readFileSync(new URL('../../profiles/sim-good.yaml', import.meta.url), 'utf8');
    expect(parseProfile(text, 'sim-good.yaml').network?.dhcp.interface).to.equal('lo');
    const line = 'dhcp: { interface: lo, subnet: 127.0.10.0/24,';
    expect(text).to.include(line);
    const problems = (replacement: string) => {
      try {
        parseProfile(text.replace(line, replacement), 'sim-good.yaml');
        return '';
      } catch (error) {
        return (error as ProfileError).problems.map((p) => `${p.pointer}: ${p.message}`).join('\n');
      }
    };
    expect(problems('dhcp: { interface: eth1, subnet: 127.0.10.0/24,')).to.match(
      /\/network\/dhcp\/interface: .*must be lo/,
    );
    expect(problems('dhcp: { interface: lo, subnet: 10.77.0.0/24,')).to.match(
      /\/network\/dhcp\/subnet: .*127\.0\.0\.0\/8/,
    );
    expect(problems('dhcp: { interface: lo, ipv6: { prefix: "fd00:77::/64" }, subnet: 127.0.10.0/24,')).to.match(
      /\/network\/dhcp\/ipv6: a simulated device has no IPv6/,
    );
  });
});
