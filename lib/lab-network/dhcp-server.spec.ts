import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProfile } from '../profile/load-profile.ts';
import type { Profile } from '../profile/profile-types.ts';
import { DhcpSetupError, dhcpSegments, dnsmasqConfig } from './dhcp-server.ts';
import { decodeDhcpv4Dnr, decodeDhcpv6Dnr } from './dnr.ts';

function profile(
  id: string,
  mac: string,
  dhcp: Record<string, unknown> = {},
  dut: Record<string, unknown> = {},
): Profile {
  return parseProfile(
    JSON.stringify({
      profileVersion: 1,
      dut: { id, vendor: 'ACME', model: 'P1', mac, ...dut },
      device: { kind: 'lab' },
      resolver: {
        name: 'dns.lab.example',
        listen: [
          { transport: 'udp', address: '10.77.0.1' },
          { transport: 'udp', address: '10.77.0.2' },
          { transport: 'dot', address: '10.77.0.1' },
          { transport: 'doh', address: '10.77.0.1', port: 8443 },
          { transport: 'udp', address: 'fd00:77::1' },
          { transport: 'dot', address: 'fd00:77::1' },
        ],
      },
      zone: [],
      network: { dhcp: { interface: 'eth1', subnet: '10.77.0.0/24', resolverChange: '10.77.0.2', ...dhcp } },
    }),
    `${id}.yaml`,
  );
}

const FILES = {
  config: '/run/x/dhcp-eth1.conf',
  options: '/run/x/dhcp-eth1.options',
  leases: '/run/x/dhcp-eth1.leases',
};

/** A config line's value (`key=value`). */
function values(config: string, key: string): string[] {
  return config
    .split('\n')
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

describe('lab-network/dhcp-server', () => {
  it('serves two DUTs on one segment: static leases by MAC, DHCP only, option 6 in the re-readable options file', () => {
    const [segment, ...others] = dhcpSegments([
      profile('plug', '02:00:00:00:00:11'),
      profile('cam', '02:00:00:00:00:22'),
    ]);
    expect(others).to.deep.equal([]);
    const config = dnsmasqConfig(segment!, FILES);
    expect(values(config, 'port')).to.deep.equal(['0']);
    expect(values(config, 'interface')).to.deep.equal(['eth1']);
    expect(values(config, 'dhcp-range')).to.deep.equal(['10.77.0.0,static,255.255.255.0,120']);
    expect(values(config, 'dhcp-host')).to.deep.equal(segment!.clients.map((c) => `${c.mac},${c.address},120`));
    expect(values(config, 'dhcp-optsfile')).to.deep.equal([FILES.options]);
    expect(values(config, 'dhcp-option')).to.deep.equal([]);
  });

  it('offers DoT and DoH by DNR with the resolver name as ADN, and IPv6 by RA, RDNSS and DHCPv6 option 144', () => {
    const [segment] = dhcpSegments([
      profile('plug', '02:00:00:00:00:11', { encryptedDns: true, renewSeconds: 30, ipv6: { prefix: 'fd00:77::/64' } }),
    ]);
    const config = dnsmasqConfig(segment!, FILES);
    const options = values(config, 'dhcp-option');
    expect(options).to.include('option:T1,30');
    const v4 = options.find((o) => o.startsWith('162,'))!.slice(4);
    expect(decodeDhcpv4Dnr(Buffer.from(v4.replaceAll(':', ''), 'hex'))).to.deep.equal([
      { priority: 1, adn: 'dns.lab.example', addresses: ['10.77.0.1'], params: { alpn: ['dot'] } },
      {
        priority: 2,
        adn: 'dns.lab.example',
        addresses: ['10.77.0.1'],
        params: { alpn: ['h2'], port: 8443, dohpath: '/dns-query{?dns}' },
      },
    ]);
    const v6 = options.find((o) => o.startsWith('option6:144,'))!.slice('option6:144,'.length);
    expect(decodeDhcpv6Dnr(Buffer.from(v6.replaceAll(':', ''), 'hex'))).to.deep.equal({
      priority: 1,
      adn: 'dns.lab.example',
      addresses: ['fd00:77::1'],
      params: { alpn: ['dot'] },
    });
    expect(options).to.include('option6:dns-server,[fd00:77::1]');
    expect(config).to.match(/^enable-ra$/m);
  });

  it("writes a configuration Debian's dnsmasq accepts (dnsmasq --test)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnsconform-dhcp-'));
    try {
      const [segment] = dhcpSegments([
        profile('plug', '02:00:00:00:00:11', {
          encryptedDns: true,
          renewSeconds: 30,
          ipv6: { prefix: 'fd00:77::/64' },
        }),
      ]);
      const files = {
        config: join(dir, 'dhcp.conf'),
        options: join(dir, 'dhcp.options'),
        leases: join(dir, 'dhcp.leases'),
      };
      writeFileSync(files.config, dnsmasqConfig(segment!, files));
      writeFileSync(files.options, 'option:dns-server,10.77.0.1\n');
      const result = spawnSync('dnsmasq', ['--test', `--conf-file=${files.config}`], { encoding: 'utf8' });
      expect(result.error, 'dnsmasq (dnsmasq-base, scripts/setup.sh) did not start').to.equal(undefined);
      expect(`${result.stdout}${result.stderr}`.trim()).to.equal('dnsmasq: syntax check OK.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses two DUTs that would share an address on one segment, naming both', () => {
    expect(() =>
      dhcpSegments([
        profile('plug', '02:00:00:00:00:11', {}, { addresses: ['10.77.0.50'] }),
        profile('cam', '02:00:00:00:00:22', {}, { addresses: ['10.77.0.50'] }),
      ]),
    ).to.throw(DhcpSetupError, /cam and plug would both get 10\.77\.0\.50/);
  });
});
