import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureFormatError } from './capture-format-error.ts';
import {
  encodePcap,
  pcapngBlock,
  pcapngEnhancedPacket,
  pcapngInterface,
  pcapngSectionHeader,
  pcapngSimplePacket,
} from './capture-writer.ts';
import type { ByteOrder, PcapFileOptions, PacketRecord } from './capture-writer.ts';
import {
  ethernetFrame,
  ipv4Packet,
  ipv6Packet,
  linuxCookedV1Frame,
  linuxCookedV2Frame,
  loopbackFrame,
  tcpSegment,
  udpDatagram,
} from './frame-builder.ts';
import { LINKTYPE } from './link-layers.ts';
import { newPacketCounters, readPacketBatches, readPackets } from './packets.ts';
import type { CapturedPacket, PacketCounters } from './packets.ts';

const DEVICE_MAC = '02:00:00:00:00:01';
const ROUTER_MAC = '02:00:00:00:00:fe';
const T0 = 1_700_000_000_123_456;
const PAYLOAD = Buffer.from('0123456789abcdef-dns-payload');
const ENDS = { src: '192.0.2.10', dst: '192.0.2.1', srcPort: 40000, dstPort: 53 };
const ENDS6 = { src: '2001:db8::10', dst: '2001:db8:0:0:1::1', srcPort: 40001, dstPort: 53 };

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dnsconform-capture-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function writeCapture(bytes: Buffer): string {
  fileCount += 1;
  const file = join(dir, `c${fileCount}.cap`);
  writeFileSync(file, bytes);
  return file;
}

async function readAll(file: string, chunkBytes?: number, counters?: PacketCounters): Promise<CapturedPacket[]> {
  const packets: CapturedPacket[] = [];
  for await (const p of readPackets(file, { chunkBytes, counters })) packets.push(p);
  return packets;
}

/** Reads until the reader throws; returns what came before and the error. */
async function readUntilError(file: string): Promise<{ packets: CapturedPacket[]; error: unknown }> {
  const packets: CapturedPacket[] = [];
  try {
    for await (const p of readPackets(file)) packets.push(p);
  } catch (error) {
    return { packets, error };
  }
  return { packets, error: null };
}

const udp4 = () => ipv4Packet(ENDS.src, ENDS.dst, 17, udpDatagram(ENDS, PAYLOAD));
const ethUdp4 = () => ethernetFrame(DEVICE_MAC, ROUTER_MAC, udp4());

describe('capture/packets: file formats', () => {
  for (const byteOrder of ['le', 'be'] as ByteOrder[]) {
    for (const resolution of ['us', 'ns'] as const) {
      it(`reads pcap in ${byteOrder} byte order with ${resolution} timestamps`, async () => {
        const options: PcapFileOptions = { linkType: LINKTYPE.ETHERNET, byteOrder, resolution };
        const records: PacketRecord[] = [
          { timestamp: T0, nanos: 789, data: ethUdp4() },
          { timestamp: T0 + 1_000_001, data: ethUdp4() },
        ];
        const packets = await readAll(writeCapture(encodePcap(options, records)));
        expect(packets.map((p) => p.timestamp)).to.deep.equal([T0, T0 + 1_000_001]);
        expect(packets.map((p) => p.frame)).to.deep.equal([1, 2]);
        expect(packets.map((p) => p.offset)).to.deep.equal([24, 24 + 16 + records[0]!.data.length]);
        const [first] = packets;
        expect(first).to.include({
          srcMac: DEVICE_MAC,
          dstMac: ROUTER_MAC,
          ipVersion: 4,
          src: ENDS.src,
          dst: ENDS.dst,
          srcPort: 40000,
          dstPort: 53,
          transport: 'udp',
          incomplete: false,
        });
        expect(first!.payload.equals(PAYLOAD)).to.equal(true);
      });
    }
  }

  for (const order of ['le', 'be'] as ByteOrder[]) {
    it(`reads pcapng (${order}) with several interfaces of different tsresol, EPB, SPB, and skips unknown blocks`, async () => {
      const raw = ipv4Packet(ENDS.src, ENDS.dst, 17, udpDatagram(ENDS, PAYLOAD));
      const bytes = Buffer.concat([
        pcapngSectionHeader(order),
        pcapngInterface(order, LINKTYPE.ETHERNET, 6),
        pcapngInterface(order, LINKTYPE.RAW, 9),
        pcapngInterface(order, LINKTYPE.LINUX_SLL, 0x80 | 20),
        pcapngBlock(order, 0x00000bad, Buffer.from('a block type this reader does not know')),
        pcapngEnhancedPacket(order, 1, 9, { timestamp: T0, nanos: 999, data: raw }),
        pcapngEnhancedPacket(order, 0, 6, { timestamp: T0 + 5, data: ethUdp4() }),
        pcapngBlock(order, 0x00000004, Buffer.alloc(8)), // name resolution block
        pcapngEnhancedPacket(order, 2, 0x80 | 20, {
          timestamp: T0 + 7_000_000,
          data: linuxCookedV1Frame(DEVICE_MAC, raw),
        }),
        pcapngSimplePacket(order, ethUdp4()),
      ]);
      const packets = await readAll(writeCapture(bytes));
      expect(packets.map((p) => p.frame)).to.deep.equal([1, 2, 3, 4]);
      expect(packets.map((p) => p.interfaceId)).to.deep.equal([1, 0, 2, 0]);
      expect(packets.map((p) => p.linkType)).to.deep.equal([
        LINKTYPE.RAW,
        LINKTYPE.ETHERNET,
        LINKTYPE.LINUX_SLL,
        LINKTYPE.ETHERNET,
      ]);
      // ns keeps µs exactly; 2^-20 s ticks lose at most one µs to rounding down.
      expect(packets[0]!.timestamp).to.equal(T0);
      expect(packets[1]!.timestamp).to.equal(T0 + 5);
      expect(packets[2]!.timestamp).to.be.within(T0 + 7_000_000 - 1, T0 + 7_000_000);
      // The SPB has no time of its own.
      expect(packets[3]).to.include({ timestampKnown: false, timestamp: packets[2]!.timestamp });
      for (const p of packets) expect(p.payload.equals(PAYLOAD)).to.equal(true);
      expect(packets[2]).to.include({ srcMac: DEVICE_MAC, dstMac: null });
    });
  }

  it('follows a second section that switches byte order', async () => {
    const bytes = Buffer.concat([
      pcapngSectionHeader('le'),
      pcapngInterface('le', LINKTYPE.ETHERNET),
      pcapngEnhancedPacket('le', 0, 6, { timestamp: T0, data: ethUdp4() }),
      pcapngSectionHeader('be'),
      pcapngInterface('be', LINKTYPE.RAW, 9),
      pcapngEnhancedPacket('be', 0, 9, { timestamp: T0 + 1, data: udp4() }),
    ]);
    const packets = await readAll(writeCapture(bytes));
    expect(packets.map((p) => [p.frame, p.linkType, p.timestamp])).to.deep.equal([
      [1, LINKTYPE.ETHERNET, T0],
      [2, LINKTYPE.RAW, T0 + 1],
    ]);
  });

  it('reads the same packets through a read window of a few bytes as through the default one', async () => {
    const records = Array.from({ length: 20 }, (_, i) => ({ timestamp: T0 + i, data: ethUdp4() }));
    const pcap = writeCapture(encodePcap({ linkType: LINKTYPE.ETHERNET }, records));
    const pcapng = writeCapture(
      Buffer.concat([
        pcapngSectionHeader('be'),
        pcapngInterface('be', LINKTYPE.ETHERNET, 9),
        ...records.map((r) => pcapngEnhancedPacket('be', 0, 9, r)),
      ]),
    );
    for (const file of [pcap, pcapng]) {
      const whole = await readAll(file);
      const tiny = await readAll(file, 7);
      expect(tiny).to.have.length(20);
      expect(tiny.map((p) => [p.timestamp, p.offset, p.payload.toString('hex')])).to.deep.equal(
        whole.map((p) => [p.timestamp, p.offset, p.payload.toString('hex')]),
      );
    }
  });

  it('yields the packets before a truncated pcap record, then names the file and the record offset', async () => {
    const full = encodePcap({ linkType: LINKTYPE.ETHERNET }, [
      { timestamp: T0, data: ethUdp4() },
      { timestamp: T0 + 1, data: ethUdp4() },
    ]);
    const file = writeCapture(full.subarray(0, full.length - 10));
    const { packets, error } = await readUntilError(file);
    expect(packets).to.have.length(1);
    expect(error).to.be.instanceOf(CaptureFormatError);
    const secondRecord = 24 + 16 + ethUdp4().length;
    expect((error as CaptureFormatError).offset).to.equal(secondRecord);
    expect((error as CaptureFormatError).message)
      .to.contain(file)
      .and.contain(`byte offset ${secondRecord}`)
      .and.contain('truncated record of frame 2');
  });

  it('delivers every packet before a fault in the middle of a read window, and batches hold the same packets', async () => {
    const records = Array.from({ length: 5 }, (_, i) => ({ timestamp: T0 + i, data: ethUdp4() }));
    const good = encodePcap({ linkType: LINKTYPE.ETHERNET }, records);
    const corrupt = Buffer.concat([
      good,
      encodePcap({ linkType: LINKTYPE.ETHERNET }, records.slice(0, 1)).subarray(24),
    ]);
    corrupt.writeUInt32LE(0x7fffffff, good.length + 8);
    const { packets, error } = await readUntilError(writeCapture(corrupt));
    expect(packets.map((p) => p.timestamp)).to.deep.equal(records.map((r) => r.timestamp));
    expect((error as CaptureFormatError).offset).to.equal(good.length);
    const batches: CapturedPacket[][] = [];
    for await (const batch of readPacketBatches(writeCapture(good), { chunkBytes: 100 })) batches.push(batch);
    expect(batches.length, 'one batch per read window').to.be.greaterThan(1);
    expect(batches.flat().map((p) => [p.frame, p.payload.toString('hex')])).to.deep.equal(
      (await readAll(writeCapture(good))).map((p) => [p.frame, p.payload.toString('hex')]),
    );
  });

  it('reports a truncated record header, a corrupt record length, a cut pcapng block and a wrong magic', async () => {
    const one = encodePcap({ linkType: LINKTYPE.ETHERNET }, [{ timestamp: T0, data: ethUdp4() }]);
    const header = await readUntilError(writeCapture(Buffer.concat([one, Buffer.alloc(5)])));
    expect(header.packets).to.have.length(1);
    expect((header.error as CaptureFormatError).offset).to.equal(one.length);
    expect((header.error as Error).message).to.contain('truncated record header (5 of 16 bytes)');

    const corrupt = Buffer.from(one);
    corrupt.writeUInt32LE(0x7fffffff, 24 + 8);
    const length = await readUntilError(writeCapture(corrupt));
    expect((length.error as CaptureFormatError).offset).to.equal(24);
    expect((length.error as Error).message).to.contain('corrupt length');

    const ng = Buffer.concat([
      pcapngSectionHeader('le'),
      pcapngInterface('le', LINKTYPE.ETHERNET),
      pcapngEnhancedPacket('le', 0, 6, { timestamp: T0, data: ethUdp4() }),
    ]);
    const cut = await readUntilError(writeCapture(ng.subarray(0, ng.length - 3)));
    expect(cut.packets).to.have.length(0);
    expect((cut.error as CaptureFormatError).offset).to.equal(
      ng.length - pcapngEnhancedPacket('le', 0, 6, { timestamp: T0, data: ethUdp4() }).length,
    );

    const wrong = await readUntilError(writeCapture(Buffer.from('GET / HTTP/1.1\r\n')));
    expect((wrong.error as CaptureFormatError).offset).to.equal(0);
    expect((wrong.error as Error).message).to.contain('not a pcap or pcapng file');
  });
});

describe('capture/packets: link layers, IP and transport', () => {
  async function single(linkType: number, frame: Buffer, counters?: PacketCounters): Promise<CapturedPacket[]> {
    return readAll(writeCapture(encodePcap({ linkType }, [{ timestamp: T0, data: frame }])), undefined, counters);
  }

  it('passes stacked VLAN tags (802.1ad outer, 802.1Q inner) and reports their ids', async () => {
    const [p] = await single(LINKTYPE.ETHERNET, ethernetFrame(DEVICE_MAC, ROUTER_MAC, udp4(), [100, 200], true));
    expect(p).to.include({ src: ENDS.src, dstPort: 53 });
    expect(p!.vlans).to.deep.equal([100, 200]);
    expect(p!.payload.equals(PAYLOAD)).to.equal(true);
  });

  it('reads Linux cooked v1 and v2 with the sender MAC', async () => {
    for (const [linkType, frame] of [
      [LINKTYPE.LINUX_SLL, linuxCookedV1Frame(DEVICE_MAC, udp4())],
      [LINKTYPE.LINUX_SLL2, linuxCookedV2Frame(DEVICE_MAC, udp4())],
    ] as const) {
      const [p] = await single(linkType, frame);
      expect(p, `link type ${linkType}`).to.include({
        srcMac: DEVICE_MAC,
        dstMac: null,
        src: ENDS.src,
        srcPort: 40000,
      });
      expect(p!.payload.equals(PAYLOAD)).to.equal(true);
    }
  });

  it('reads raw IP (101, 12, 14) and BSD loopback in either byte order', async () => {
    const v6 = ipv6Packet(ENDS6.src, ENDS6.dst, 17, udpDatagram(ENDS6, PAYLOAD));
    const cases: [number, Buffer, string][] = [
      [LINKTYPE.RAW, udp4(), ENDS.src],
      [LINKTYPE.RAW, v6, '2001:db8::10'],
      [LINKTYPE.RAW_BSD, udp4(), ENDS.src],
      [LINKTYPE.RAW_OPENBSD, v6, '2001:db8::10'],
      [LINKTYPE.NULL, loopbackFrame(udp4(), 'le'), ENDS.src],
      [LINKTYPE.NULL, loopbackFrame(v6, 'be', 24), '2001:db8::10'],
      [LINKTYPE.NULL, loopbackFrame(v6, 'le', 30), '2001:db8::10'],
    ];
    for (const [linkType, frame, src] of cases) {
      const [p] = await single(linkType, frame);
      expect(p, `link type ${linkType}`).to.include({ src, srcMac: null });
      expect(p!.payload.equals(PAYLOAD)).to.equal(true);
    }
  });

  it('skips IPv4 options, trims Ethernet padding, skips later fragments and flags first ones', async () => {
    const withOptions = ipv4Packet(ENDS.src, ENDS.dst, 17, udpDatagram(ENDS, PAYLOAD), {
      options: Buffer.from([0x94, 0x04, 0, 0, 0x01]),
    });
    const padded = Buffer.concat([ethernetFrame(DEVICE_MAC, ROUTER_MAC, withOptions), Buffer.alloc(12, 0xee)]);
    const later = ethernetFrame(
      DEVICE_MAC,
      ROUTER_MAC,
      ipv4Packet(ENDS.src, ENDS.dst, 17, Buffer.alloc(40), { fragmentOffset: 185 }),
    );
    const first = ethernetFrame(
      DEVICE_MAC,
      ROUTER_MAC,
      ipv4Packet(ENDS.src, ENDS.dst, 17, udpDatagram(ENDS, PAYLOAD), { moreFragments: true }),
    );
    const counters = newPacketCounters();
    const packets = await readAll(
      writeCapture(
        encodePcap(
          { linkType: LINKTYPE.ETHERNET },
          [padded, later, first].map((data, i) => ({ timestamp: T0 + i, data })),
        ),
      ),
      undefined,
      counters,
    );
    expect(packets.map((p) => p.frame)).to.deep.equal([1, 3]);
    expect(packets[0]!.payload.equals(PAYLOAD)).to.equal(true);
    expect(packets.map((p) => p.incomplete)).to.deep.equal([false, true]);
    expect(counters).to.include({ frames: 3, packets: 2, laterFragments: 1 });
  });

  it('walks IPv6 extension headers to UDP and TCP, and prints addresses as RFC 5952 says', async () => {
    const extensions = [
      { type: 0, body: Buffer.alloc(6) },
      { type: 60, body: Buffer.alloc(14) },
      { type: 44, body: Buffer.from([0, 0, 0, 0, 0, 7]) },
    ];
    const udp = ipv6Packet(ENDS6.src, ENDS6.dst, 17, udpDatagram(ENDS6, PAYLOAD), extensions);
    const tcp = ipv6Packet(
      '2001:db8::10',
      '2001:db8::53',
      6,
      tcpSegment({ ...ENDS6, dst: '2001:db8::53' }, { seq: 0xfffffff0, ack: 7, flags: 0x18 }, PAYLOAD),
    );
    const laterFragment = ipv6Packet(ENDS6.src, ENDS6.dst, 17, Buffer.alloc(16), [
      { type: 44, body: Buffer.from([0x05, 0x00, 0, 0, 0, 7]) },
    ]);
    const counters = newPacketCounters();
    const packets = await readAll(
      writeCapture(
        encodePcap(
          { linkType: LINKTYPE.ETHERNET },
          [udp, tcp, laterFragment].map((ip, i) => ({
            timestamp: T0 + i,
            data: ethernetFrame(DEVICE_MAC, ROUTER_MAC, ip),
          })),
        ),
      ),
      undefined,
      counters,
    );
    expect(packets).to.have.length(2);
    // Two equal zero runs: RFC 5952 §4.2.3 compresses the first.
    expect(packets[0]).to.include({
      ipVersion: 6,
      src: '2001:db8::10',
      dst: '2001:db8::1:0:0:1',
      transport: 'udp',
      incomplete: false,
    });
    expect(packets[1]).to.include({ transport: 'tcp', dst: '2001:db8::53', srcPort: 40001 });
    expect(packets[1]!.tcp).to.deep.equal({ seq: 0xfffffff0, ack: 7, flags: 0x18 });
    for (const p of packets) expect(p.payload.equals(PAYLOAD)).to.equal(true);
    expect(counters.laterFragments).to.equal(1);
  });

  it('counts frames it does not follow instead of failing on them', async () => {
    const arp = Buffer.concat([Buffer.alloc(12, 0xff), Buffer.from([0x08, 0x06]), Buffer.alloc(28)]);
    const counters = newPacketCounters();
    const packets = await single(LINKTYPE.ETHERNET, arp, counters);
    expect(packets).to.have.length(0);
    expect(counters).to.include({ frames: 1, other: 1 });
    const unknown = newPacketCounters();
    await single(147, udp4(), unknown);
    expect(unknown.unsupportedLinkTypes).to.deep.equal({ 147: 1 });
  });
});
