import { expect } from 'chai';
import {
  DnrFormatError,
  decodeDhcpv4Dnr,
  decodeDhcpv6Dnr,
  dnsmasqHex,
  encodeDhcpv4Dnr,
  encodeDhcpv6Dnr,
} from './dnr.ts';
import type { DnrInstance } from './dnr.ts';

const DOT: DnrInstance = {
  priority: 1,
  adn: 'dns.lab.example',
  addresses: ['10.77.0.1'],
  params: { alpn: ['dot'], port: 853 },
};
const DOH: DnrInstance = {
  priority: 2,
  adn: 'dns.lab.example',
  addresses: ['10.77.0.1', '10.77.0.2'],
  params: { alpn: ['h2'], port: 443, dohpath: '/dns-query{?dns}' },
};

describe('lab-network/dnr (RFC 9463)', () => {
  it('lays out a DHCPv4 instance field by field as RFC 9463 §5.1 draws it', () => {
    const bytes = encodeDhcpv4Dnr([DOT]);
    const adn = Buffer.from('\x03dns\x03lab\x07example\x00', 'latin1');
    const params = Buffer.from([0, 1, 0, 4, 3, ...Buffer.from('dot'), 0, 3, 0, 2, 0x03, 0x55]);
    const body = Buffer.concat([Buffer.from([0, 1, adn.length]), adn, Buffer.from([4, 10, 77, 0, 1]), params]);
    expect(bytes.toString('hex')).to.equal(Buffer.concat([Buffer.from([0, body.length]), body]).toString('hex'));
  });

  it('round-trips several DHCPv4 instances, ADN-only mode included', () => {
    const adnOnly: DnrInstance = { priority: 9, adn: 'resolver.lab.example', addresses: [], params: {} };
    expect(decodeDhcpv4Dnr(encodeDhcpv4Dnr([DOT, DOH, adnOnly]))).to.deep.equal([DOT, DOH, adnOnly]);
  });

  it('lays out and round-trips a DHCPv6 option (2-octet lengths, IPv6 addresses)', () => {
    const v6: DnrInstance = {
      priority: 1,
      adn: 'dns.lab.example',
      addresses: ['fd00:77::1'],
      params: { alpn: ['dot'] },
    };
    const bytes = encodeDhcpv6Dnr(v6);
    expect(bytes.subarray(0, 4).toString('hex')).to.equal('00010011'); // priority 1, ADN length 17
    expect(bytes.readUInt16BE(4 + 17)).to.equal(16);
    expect(bytes.subarray(4 + 17 + 2, 4 + 17 + 18).toString('hex')).to.equal('fd000077000000000000000000000001');
    expect(decodeDhcpv6Dnr(bytes)).to.deep.equal(v6);
  });

  it('refuses what RFC 9463 forbids: priority 0, no alpn, hints, the wrong family', () => {
    expect(() => encodeDhcpv4Dnr([{ ...DOT, priority: 0 }])).to.throw(/priority 0/);
    expect(() => encodeDhcpv4Dnr([{ ...DOT, params: { port: 853 } }])).to.throw(/alpn/);
    expect(() => encodeDhcpv4Dnr([{ ...DOT, params: { alpn: ['dot'], ipv4hint: ['10.77.0.1'] } }])).to.throw(/hint/);
    expect(() => encodeDhcpv4Dnr([{ ...DOT, addresses: ['fd00::1'] }])).to.throw(/IPv4/);
    expect(() => encodeDhcpv6Dnr(DOT)).to.throw(/IPv6/);
  });

  it('names the octet where a truncated option goes wrong', () => {
    const bytes = encodeDhcpv4Dnr([DOT]);
    expect(() => decodeDhcpv4Dnr(bytes.subarray(0, 10))).to.throw(DnrFormatError, /octet 2: DNR instance/);
  });

  it('writes dnsmasq hex octets', () => {
    expect(dnsmasqHex(Buffer.from([0, 0x1a, 0xff]))).to.equal('00:1a:ff');
  });
});
