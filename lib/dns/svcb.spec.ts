import { expect } from 'chai';
import { SvcbFormatError, decodeSvcb, encodeSvcb, presentSvcb } from './svcb.ts';
import type { SvcbData } from './svcb.ts';

/** RFC 9460 Appendix D.2, figure 8: a ServiceMode record with mandatory, alpn and ipv4hint. */
const RFC_9460_D2 = Buffer.from(
  '0010' +
    '03666f6f076578616d706c65036f726700' +
    '0000000400010004' +
    '000100090268320568332d3139' +
    '00040004c0000201',
  'hex',
);

describe('dns/svcb', () => {
  it('decodes and re-encodes the RFC 9460 test vector byte for byte', () => {
    const data = decodeSvcb(RFC_9460_D2);
    expect(data).to.deep.equal({
      priority: 16,
      target: 'foo.example.org',
      params: { mandatory: [1, 4], alpn: ['h2', 'h3-19'], ipv4hint: ['192.0.2.1'] },
    });
    expect(encodeSvcb(data).equals(RFC_9460_D2)).to.equal(true);
    expect(presentSvcb(data)).to.equal('16 foo.example.org. mandatory=alpn,ipv4hint alpn=h2,h3-19 ipv4hint=192.0.2.1');
  });

  it('round-trips every key it knows, an unknown key, and AliasMode to the root', () => {
    const records: SvcbData[] = [
      {
        priority: 1,
        target: 'resolver.example',
        params: {
          alpn: ['h2', 'http/1.1'],
          noDefaultAlpn: true,
          port: 8443,
          ipv4hint: ['127.0.0.1', '10.1.2.3'],
          ipv6hint: ['::1', '2001:db8::53'],
          dohpath: '/q{?dns}',
          other: new Map([[65400, Buffer.from([1, 2, 3])]]),
        },
      },
      { priority: 0, target: '.', params: {} },
    ];
    for (const record of records) expect(decodeSvcb(encodeSvcb(record))).to.deep.equal(record);
    expect(presentSvcb(records[0]!)).to.equal(
      '1 resolver.example. alpn=h2,http/1.1 no-default-alpn port=8443 ipv4hint=127.0.0.1,10.1.2.3 ipv6hint=::1,2001:db8::53 dohpath=/q{?dns} key65400=\\# 010203',
    );
  });

  it('rejects keys out of order, short values and compressed targets, naming the octet', () => {
    const outOfOrder = Buffer.from('0001' + '00' + '000300020035' + '000100040364' + '6f74', 'hex');
    expect(() => decodeSvcb(outOfOrder)).to.throw(SvcbFormatError, /octet 9: SvcParamKey 1 after 3/);
    const shortPort = Buffer.from('0001' + '00' + '0003000135', 'hex');
    expect(() => decodeSvcb(shortPort)).to.throw(SvcbFormatError, /port of 1 octets/);
    const compressed = Buffer.from('0001c00c', 'hex');
    expect(() => decodeSvcb(compressed)).to.throw(SvcbFormatError, /octet 2: label length 192/);
    expect(() => decodeSvcb(Buffer.from('0001', 'hex'))).to.throw(SvcbFormatError, /too short/);
  });
});
