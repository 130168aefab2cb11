import { expect } from 'chai';
import dnsPacket from 'dns-packet';
import type { Packet } from 'dns-packet';
import { buildQuery, buildResponse, buildTruncated } from './builders.ts';
import { decodeMessage, encodeMessage, impossibleCounts } from './codec.ts';

/**
 * The dns-packet round-trip property: encode, decode, re-encode gives identical bytes,
 * the length is what encodingLength predicts, and encoding at an offset inside a larger
 * buffer writes the same bytes there.
 */
function expectRoundTrip(packet: Packet): Buffer {
  const bytes = encodeMessage(packet);
  expect(dnsPacket.encodingLength(packet)).to.equal(bytes.length);
  const decoded = decodeMessage(bytes);
  if (!decoded.ok) throw new Error(`did not decode: ${decoded.error}`);
  const again = encodeMessage(decoded.message);
  expect(again.equals(bytes), 're-encoded bytes differ').to.equal(true);
  const big = Buffer.alloc(bytes.length + 10);
  dnsPacket.encode(packet, big, 7);
  expect(big.subarray(7, 7 + bytes.length).equals(bytes)).to.equal(true);
  return bytes;
}

describe('dns/builders', () => {
  it('a query round-trips, with and without EDNS', () => {
    expectRoundTrip(buildQuery({ id: 0xbeef, name: 'cloud.sim.example', type: 'A' }));
    const bytes = expectRoundTrip(
      buildQuery({ id: 1, name: 'cloud.sim.example', type: 'AAAA', edns: { udpSize: 1232, do: true } }),
    );
    const decoded = decodeMessage(bytes);
    expect(decoded.ok && decoded.message.additionals?.[0]?.type).to.equal('OPT');
  });

  it('a response with every section round-trips', () => {
    expectRoundTrip(
      buildResponse({
        id: 42,
        questions: [{ name: 'a.sim.example', type: 'A', class: 'IN' }],
        rcode: 'NOERROR',
        bits: { rd: true, ra: true, aa: true },
        answers: [
          { name: 'a.sim.example', type: 'CNAME', class: 'IN', ttl: 30, data: 'b.sim.example' },
          { name: 'b.sim.example', type: 'A', class: 'IN', ttl: 30, data: '127.0.10.200' },
        ],
        authorities: [{ name: 'sim.example', type: 'NS', class: 'IN', ttl: 300, data: 'ns.sim.example' }],
        additionals: [{ name: 'ns.sim.example', type: 'AAAA', class: 'IN', ttl: 300, data: '::1' }],
        edns: { udpSize: 1232 },
      }),
    );
  });

  it('error responses round-trip with their RCODE', () => {
    for (const rcode of ['SERVFAIL', 'REFUSED', 'NXDOMAIN', 'FORMERR'] as const) {
      const bytes = expectRoundTrip(
        buildResponse({
          id: 7,
          questions: [{ name: 'x.example', type: 'A', class: 'IN' }],
          rcode,
          bits: { rd: true, ra: true },
        }),
      );
      expect(bytes.readUInt16BE(2) & 0xf).to.equal({ SERVFAIL: 2, REFUSED: 5, NXDOMAIN: 3, FORMERR: 1 }[rcode]);
    }
  });

  it('a truncated response keeps header, question and OPT, sets TC and round-trips', () => {
    const full = buildResponse({
      id: 9,
      questions: [{ name: 'big.sim.example', type: 'A', class: 'IN' }],
      rcode: 'NOERROR',
      bits: { rd: true, ra: true },
      answers: Array.from({ length: 40 }, (_, i) => ({
        name: 'big.sim.example',
        type: 'A' as const,
        class: 'IN' as const,
        ttl: 5,
        data: `127.0.10.${i + 1}`,
      })),
      edns: { udpSize: 1232 },
    });
    const bytes = expectRoundTrip(buildTruncated(full));
    const decoded = decodeMessage(bytes);
    if (!decoded.ok) throw new Error(decoded.error);
    expect(decoded.message.flag_tc).to.equal(true);
    expect(decoded.message.answers).to.have.length(0);
    expect(decoded.message.questions?.[0]?.name).to.equal('big.sim.example');
  });
});

describe('dns/codec', () => {
  it('reports garbage, truncation, trailing bytes and pointer loops instead of throwing', () => {
    expect(decodeMessage(Buffer.from([0x12]))).to.deep.include({ ok: false, txid: null });
    expect(decodeMessage(Buffer.alloc(5))).to.have.property('ok', false);
    const query = encodeMessage(buildQuery({ id: 0x1234, name: 'a.example', type: 'A' }));
    const cut = decodeMessage(query.subarray(0, query.length - 3));
    expect(cut).to.deep.include({ ok: false, txid: 0x1234 });
    expect(decodeMessage(Buffer.concat([query, Buffer.from([0, 0])]))).to.have.property('ok', false);
    // id=0x4242, flags=0x0100 (RD), qdcount=1, then a name that is a pointer to itself
    // (offset 12 = 0xc00c): a compression loop.
    const loop = Buffer.from([
      0x42, 0x42, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01,
    ]);
    const result = decodeMessage(loop);
    expect(result.ok).to.equal(false);
    expect(result.ok ? '' : result.error).to.match(/pointer/);
  });
});

describe('dns/codec header check', () => {
  it('rejects section counts the message cannot hold before dns-packet decodes, and accepts ones it can', () => {
    const maxCounts = Buffer.from([0, 1, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const decoded = decodeMessage(maxCounts);
    expect(decoded).to.deep.include({ ok: false, txid: 1 });
    expect(!decoded.ok && decoded.error).to.equal(
      'header announces 65535 question(s) and 196605 record(s), at least 2490330 octets, but 0 follow the header',
    );
    expect(impossibleCounts(Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]))).to.equal(
      null,
      'one root question of 5 octets fits',
    );
    expect(impossibleCounts(Buffer.from([0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1]))).to.match(
      /at least 16 octets, but 5 follow/,
    );
  });
});
