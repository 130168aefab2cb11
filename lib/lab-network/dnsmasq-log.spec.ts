import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DnsmasqLeaseLog, dnsServers, optionValue } from './dnsmasq-log.ts';
import type { ParsedLease } from './dnsmasq-log.ts';

/** dnsmasq 2.90's --log-dhcp output for one busybox udhcpc lease (DISCOVER, OFFER, REQUEST, ACK), as logged in a namespace lab. */
const REAL_LOG = readFileSync(join(import.meta.dirname, 'fixtures', 'dnsmasq-2.90-log-dhcp.txt'), 'utf8').split('\n');

/** A renewal in dnsmasq's format: REQUEST and ACK under a new transaction, no DISCOVER. */
function renewal(xid: string, resolver: string): string[] {
  return [
    `dnsmasq-dhcp[3869]: ${xid} available DHCP subnet: 10.213.0.0/255.255.255.0`,
    `dnsmasq-dhcp[3869]: ${xid} DHCPREQUEST(ldl3823) 10.213.0.50 02:00:00:00:00:11 `,
    `dnsmasq-dhcp[3869]: ${xid} DHCPACK(ldl3823) 10.213.0.50 02:00:00:00:00:11 `,
    `dnsmasq-dhcp[3869]: ${xid} requested options: 1:netmask, 6:dns-server`,
    `dnsmasq-dhcp[3869]: ${xid} sent size:  4 option: 51 lease-time  2m`,
    `dnsmasq-dhcp[3869]: ${xid} sent size:  4 option:  6 dns-server  ${resolver}`,
  ];
}

function parse(lines: readonly string[]): ParsedLease[] {
  const leases: ParsedLease[] = [];
  const log = new DnsmasqLeaseLog((lease) => leases.push(lease));
  lines.forEach((line, i) => log.line(line, 1_000_000 * (i + 1)));
  log.flush();
  return leases;
}

describe('lab-network/dnsmasq-log', () => {
  it('turns a real DISCOVER–ACK exchange into one lease with what was asked and sent (the OFFER is no lease)', () => {
    const [lease, ...rest] = parse(REAL_LOG);
    expect(rest).to.deep.equal([]);
    expect(lease).to.include({
      type: 'dhcp.lease',
      kind: 'lease',
      mac: '02:00:00:00:00:11',
      address: '10.213.0.50',
      interface: 'ldl3823',
      xid: '2572754251',
    });
    expect(lease!.t).to.equal(1_000_000 * (REAL_LOG.findIndex((l) => l.includes('DHCPACK')) + 1));
    expect(lease!.requested).to.deep.equal([1, 3, 6, 12, 15, 28, 42, 162]);
    expect(lease!.options.map((o) => o.code)).to.deep.equal([53, 54, 51, 58, 59, 1, 28, 3, 6, 162]);
    expect(lease!.options.find((o) => o.code === 51)).to.deep.equal({ code: 51, name: 'lease-time', value: '2m' });
    expect(optionValue(lease!, 162)).to.equal('00:05:00:01:00:00:00');
    expect(dnsServers(lease!)).to.deep.equal(['10.213.0.1']);
  });

  it('tells a renewal from a lease, and a new DISCOVER (a reboot) makes a lease again', () => {
    const discover = REAL_LOG.filter((l) => l.includes('2572754251')).map((l) => l.replaceAll('2572754251', '77'));
    const leases = parse([...REAL_LOG, ...renewal('555', '10.213.0.2'), ...discover]);
    expect(leases.map((l) => l.kind)).to.deep.equal(['lease', 'renewal', 'lease']);
    expect(dnsServers(leases[1]!)).to.deep.equal(['10.213.0.2']);
  });

  it('records a NAK and a release, and ignores lines that are no transaction', () => {
    const leases = parse([
      'dnsmasq[1]: started, version 2.90 DNS disabled',
      'dnsmasq-dhcp[1]: 9 DHCPNAK(eth1) 10.213.0.99 02:00:00:00:00:11 address not available',
      'dnsmasq-dhcp[1]: 10 DHCPRELEASE(eth1) 10.213.0.50 02:00:00:00:00:11 ',
    ]);
    expect(leases.map((l) => [l.kind, l.address])).to.deep.equal([
      ['nak', '10.213.0.99'],
      ['release', '10.213.0.50'],
    ]);
  });
});
