import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvidenceEvent } from '../evidence/events.ts';
import { encodePcap } from './capture-writer.ts';
import { FrameIndex } from './frame-citations.ts';
import { internetChecksum, ipPacket, ipv4Packet, tcpSegment, udpDatagram } from './frame-builder.ts';
import { LINKTYPE } from './link-layers.ts';
import { TCP_FLAG } from './transport.ts';
import { QUERY_FLAGS } from '../evidence/event-test-kit.ts';

const T0 = 1_800_000_000_000_000;
const DUT = '10.0.0.5';
const RESOLVER = '10.0.0.1';
const V6_DUT = 'fd00::5';
const V6_RESOLVER = 'fd00::1';
// The resolver listens on a port Wireshark does not dissect as DNS, as the lab's does.
const query = (txid: number, name: number) => Buffer.from([txid >> 8, txid & 0xff, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, name]);
const response = (txid: number) => Buffer.from([txid >> 8, txid & 0xff, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
const toResolver = { src: DUT, dst: RESOLVER, srcPort: 4096, dstPort: 5300 };
const toDut = { src: RESOLVER, dst: DUT, srcPort: 5300, dstPort: 4096 };
const v6ToResolver = { src: V6_DUT, dst: V6_RESOLVER, srcPort: 4097, dstPort: 5300 };

/** ICMP port unreachable from the resolver quoting `datagram` whole (as Linux does up to 576 octets). */
function portUnreachable(quoted: Buffer): Buffer {
  const icmp = Buffer.concat([Buffer.from([3, 3, 0, 0, 0, 0, 0, 0]), quoted]);
  icmp.writeUInt16BE(internetChecksum(icmp), 2);
  return ipv4Packet(RESOLVER, DUT, 1, icmp, { id: 9 });
}

const q2 = ipv4Packet(DUT, RESOLVER, 17, udpDatagram(toResolver, query(2, 2)), { id: 102 });
/** Frames 1–9, in this order. */
const FRAMES: { at: number; data: Buffer }[] = [
  { at: 0, data: ipv4Packet(DUT, RESOLVER, 17, udpDatagram(toResolver, query(1, 1)), { id: 100 }) },
  // A retransmission: the same octets, told apart only by the IPv4 identification.
  { at: 500_000, data: ipv4Packet(DUT, RESOLVER, 17, udpDatagram(toResolver, query(1, 1)), { id: 101 }) },
  { at: 600_000, data: ipv4Packet(RESOLVER, DUT, 17, udpDatagram(toDut, response(1)), { id: 7 }) },
  { at: 600_100, data: ipv4Packet(RESOLVER, DUT, 17, udpDatagram(toDut, response(1)), { id: 8 }) },
  { at: 1_000_000, data: q2 },
  {
    at: 2_000_000,
    data: ipv4Packet(
      DUT,
      '10.0.0.77',
      6,
      tcpSegment(
        { src: DUT, dst: '10.0.0.77', srcPort: 40000, dstPort: 8443 },
        { seq: 1234, flags: TCP_FLAG.SYN },
        Buffer.alloc(0),
      ),
    ),
  },
  // Quotes frame 5 whole: Wireshark dissects the quoted UDP header and payload too.
  { at: 2_100_000, data: portUnreachable(q2) },
  // Identical IPv6 datagrams: nothing in their content tells them apart.
  { at: 3_000_000, data: ipPacket(V6_DUT, V6_RESOLVER, 17, udpDatagram(v6ToResolver, query(3, 3))) },
  { at: 3_500_000, data: ipPacket(V6_DUT, V6_RESOLVER, 17, udpDatagram(v6ToResolver, query(3, 3))) },
];

const base = { dut: 'dut', phase: 'p' };
function dnsEvent(
  seq: number,
  at: number,
  type: 'dns.query' | 'dns.response',
  wire: Buffer,
  ends: typeof toResolver,
  extra: object = {},
) {
  const [client, server] =
    type === 'dns.query'
      ? [
          { address: ends.src, port: ends.srcPort },
          { address: ends.dst, port: ends.dstPort },
        ]
      : [
          { address: ends.dst, port: ends.dstPort },
          { address: ends.src, port: ends.srcPort },
        ];
  return {
    ...base,
    seq,
    t: T0 + at,
    type,
    transport: 'udp',
    client,
    server,
    txid: wire.readUInt16BE(0),
    flags: QUERY_FLAGS,
    questions: [],
    edns: null,
    size: wire.length,
    wire: wire.toString('base64'),
    scenario: 'pass-through',
    ...(type === 'dns.response'
      ? { queryRef: 1, answers: [], authority: [], additional: [], manipulations: [], reason: null }
      : {}),
    ...extra,
  } as unknown as EvidenceEvent;
}

// Events stamped a little after their packets, as the resolver's handler runs after the kernel saw them.
const EVENTS: EvidenceEvent[] = [
  dnsEvent(1, 300, 'dns.query', query(1, 1), toResolver),
  dnsEvent(2, 500_300, 'dns.query', query(1, 1), toResolver),
  dnsEvent(3, 599_000, 'dns.response', response(1), toDut, { copies: 2 }),
  dnsEvent(4, 1_000_200, 'dns.query', query(2, 2), toResolver),
  {
    ...base,
    seq: 5,
    t: T0 + 2_000_400,
    type: 'canary.contact',
    transport: 'tcp',
    client: { address: DUT, port: 40000 },
    canary: { address: '10.0.0.77', port: 8443 },
    payload: '',
    source: 'sink',
  },
  dnsEvent(6, 3_000_100, 'dns.query', query(3, 3), v6ToResolver),
  dnsEvent(7, 3_500_100, 'dns.query', query(3, 3), v6ToResolver),
  dnsEvent(8, 3_600_000, 'dns.query', query(4, 4), toResolver, { transport: 'dot' }),
  {
    ...base,
    seq: 9,
    t: T0 + 3_700_000,
    type: 'liveness.probe',
    probe: 'icmp',
    target: DUT,
    alive: true,
    latencyMs: 1,
    detail: null,
  },
];

/** Frame numbers tshark's display filter selects in `file`. */
function tsharkFrames(file: string, filter: string): number[] {
  const out = execFileSync('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out.split('\n').filter(Boolean).map(Number);
}

describe('frame citations: events to capture frames and display filters', () => {
  let dir: string;
  let file: string;
  let index: FrameIndex;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frame-citations-'));
    file = join(dir, 'capture.pcap');
    writeFileSync(
      file,
      encodePcap(
        { linkType: LINKTYPE.RAW },
        FRAMES.map(({ at, data }) => ({ timestamp: T0 + at, data })),
      ),
    );
    index = await FrameIndex.build(file, 'capture.pcap', EVENTS, new Set(EVENTS.map((e) => e.seq)));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('matches each event to its own frames: a retransmission to its second sending, a flooded answer to every copy', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((seq) => index.framesOf(seq))).to.deep.equal([
      [1],
      [2],
      [3, 4],
      [5],
      [6],
      [8],
      [9],
    ]);
  });

  it('tightens a clause only as far as the flow needs: txid, then IPv4 identification, then the frame number', () => {
    expect(index.cite([4]).filter).to.equal(
      '(ip.src == 10.0.0.5 && udp.srcport == 4096 && ip.dst == 10.0.0.1 && udp.dstport == 5300 && !icmp && udp.payload[0:2] == 00:02)',
    );
    expect(index.cite([2]).filter).to.contain('(udp.payload[0:2] == 00:01 && ip.id == 0x0065)');
    expect(index.cite([7]).filter)
      .to.contain('ipv6.src == fd00::5')
      .and.to.contain('frame.number == 9');
    expect(index.cite([5]).filter).to.contain('tcp.flags.syn == 1 && tcp.flags.ack == 0');
  });

  it('says why an event has no frame', () => {
    expect(index.cite([8, 9, 4])).to.deep.include({
      frames: [5],
      uncited: [
        { reason: 'encrypted (dot): the capture holds only ciphertext', seqs: [8] },
        { reason: 'no packet of its own (icmp liveness probe)', seqs: [9] },
      ],
    });
  });

  it('gives filters that tshark reads as selecting exactly the cited frames (the ICMP error quoting frame 5 left out)', () => {
    for (const seqs of [[1, 2, 3, 4, 5, 6, 7], [4], [2, 7]]) {
      const citation = index.cite(seqs);
      expect(tsharkFrames(file, citation.filter!), `${seqs.join(',')}: ${citation.filter}`).to.deep.equal(
        citation.frames,
      );
    }
  });
});
