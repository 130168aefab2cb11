/**
 * `readCaptures` reads every frame in place and makes a packet only of those the DNS
 * extractor may take (`DnsExtractor.concerns`). What it finds must be what feeding the
 * extractor every packet finds: the same counters, per-file summaries, observations and
 * DNS messages, on frames of every link type the reader follows and on the shared captures.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesOf, readTsv, SHARED_CAPTURES } from '../../test/shared-captures-test-kit.ts';
import { existsSync } from 'node:fs';
import { readCaptures } from './capture-evidence.ts';
import type { CaptureDevice } from './capture-evidence.ts';
import { encodePcap } from './capture-writer.ts';
import type { PacketRecord } from './capture-writer.ts';
import { DnsExtractor } from './dns-extract.ts';
import type { ExtractedDnsMessage } from './dns-extract.ts';
import {
  answer,
  back,
  clientHello,
  DEVICE_IP,
  DEVICE_MAC,
  framed,
  out,
  query,
  RESOLVER,
  ROUTER_MAC,
  T0,
  tcpFrame,
  udpFrame,
} from './fixtures/dns-capture.ts';
import {
  ethernetFrame,
  ipPacket,
  ipv4Packet,
  linuxCookedV1Frame,
  loopbackFrame,
  udpDatagram,
} from './frame-builder.ts';
import { LINKTYPE } from './link-layers.ts';
import { newPacketCounters, readPackets } from './packets.ts';
import { TCP_FLAG } from './transport.ts';

/** What reading found, packet by packet: every packet made and pushed to the extractor. */
async function packetByPacket(files: readonly string[], device: CaptureDevice) {
  const extractor = new DnsExtractor(device);
  const counters = newPacketCounters();
  const summaries = [];
  const messages: ExtractedDnsMessage[] = [];
  for (const file of files) {
    const summary = { file, frames: 0, dnsMessages: 0, first: null as number | null, last: null as number | null };
    const before = counters.frames;
    for await (const packet of readPackets(file, { counters })) {
      if (summary.first === null || packet.timestamp < summary.first) summary.first = packet.timestamp;
      if (summary.last === null || packet.timestamp > summary.last) summary.last = packet.timestamp;
      const found = extractor.push(packet);
      summary.dnsMessages += found.length;
      messages.push(...found);
    }
    summary.frames = counters.frames - before;
    summaries.push(summary);
  }
  return { counters, files: summaries, observations: extractor.summary(), messages };
}

/** The same through `readCaptures`, its messages taken back in time order from the sort. */
async function inPlace(files: readonly string[], device: CaptureDevice) {
  const read = await readCaptures(files, device, { chunkBytes: 512 });
  try {
    const messages = read.messages;
    return {
      counters: read.counters,
      files: read.files.map(({ error: _error, ...summary }) => summary),
      observations: read.observations,
      messages,
    };
  } finally {
    read.close();
  }
}

/** Both ways agree; returns the number of DNS messages found. */
async function expectSameReading(files: readonly string[], device: CaptureDevice): Promise<number> {
  const reference = await packetByPacket(files, device);
  const read = await inPlace(files, device);
  expect(read.counters, 'counters').to.deep.equal(reference.counters);
  expect(read.files, 'per-file summaries').to.deep.equal(reference.files);
  expect(read.observations, 'observations').to.deep.equal(reference.observations);
  expect(read.messages, 'DNS messages').to.equal(reference.messages.length);
  return reference.messages.length;
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dnsconform-capture-reading-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function pcapFile(linkType: number, records: PacketRecord[]): string {
  count += 1;
  const file = join(dir, `r${count}.pcap`);
  writeFileSync(file, encodePcap({ linkType }, records));
  return file;
}

describe('capture/capture-evidence: reading frames in place', () => {
  const ethernet = () =>
    pcapFile(LINKTYPE.ETHERNET, [
      udpFrame(T0, 'device', out(40000), query(0x1111, 'a.example', 1232)),
      udpFrame(T0 + 10, 'resolver', back(40000), answer(0x1111, 'a.example')),
      udpFrame(
        T0 + 20,
        'other',
        { src: '192.0.2.99', dst: RESOLVER, srcPort: 5000, dstPort: 53 },
        query(2, 'b.example'),
      ),
      // The device on ports nothing looks at, and a bystander sending to it.
      udpFrame(T0 + 30, 'device', out(40001, '198.51.100.9', 9999), Buffer.from('not dns')),
      udpFrame(
        T0 + 40,
        'other',
        { src: '192.0.2.99', dst: DEVICE_IP, srcPort: 53, dstPort: 40002 },
        query(3, 'c.example'),
      ),
      udpFrame(
        T0 + 50,
        'device',
        { src: DEVICE_IP, dst: '224.0.0.251', srcPort: 5353, dstPort: 5353 },
        query(0, 'p.local'),
      ),
      udpFrame(T0 + 60, 'device', { src: DEVICE_IP, dst: '224.0.0.252', srcPort: 5355, dstPort: 5355 }, query(0, 'p')),
      tcpFrame(T0 + 70, true, out(50000, RESOLVER, 53), 1, framed(query(7, 'tcp.example'))),
      tcpFrame(T0 + 80, true, out(50001, '1.1.1.1', 853), 100, Buffer.alloc(0), TCP_FLAG.SYN),
      tcpFrame(T0 + 90, true, out(50002, '203.0.113.5', 443), 1, clientHello('dns.google', ['h2'])),
      tcpFrame(T0 + 100, true, out(50003, '203.0.113.6', 8443), 1, clientHello('dns.google', ['h2'])),
      // Not IP, and IP without UDP or TCP: counted, never packets.
      {
        timestamp: T0 + 110,
        data: Buffer.concat([Buffer.alloc(12, 0xff), Buffer.from([0x08, 0x06]), Buffer.alloc(28)]),
      },
      {
        timestamp: T0 + 120,
        data: ethernetFrame(DEVICE_MAC, ROUTER_MAC, ipPacket(DEVICE_IP, RESOLVER, 1, Buffer.alloc(8))),
      },
      // A UDP header cut short, and a later IPv4 fragment.
      {
        timestamp: T0 + 130,
        data: ethernetFrame(DEVICE_MAC, ROUTER_MAC, ipPacket(DEVICE_IP, RESOLVER, 17, Buffer.alloc(4))),
      },
      {
        timestamp: T0 + 140,
        data: ethernetFrame(
          DEVICE_MAC,
          ROUTER_MAC,
          ipv4Packet(DEVICE_IP, RESOLVER, 17, Buffer.alloc(16), { fragmentOffset: 8 }),
        ),
      },
    ]);

  it('finds on Ethernet what the extractor finds packet by packet, for a device given by MAC, by IP, or both', async () => {
    const file = ethernet();
    expect(await expectSameReading([file], { id: 'd', mac: DEVICE_MAC })).to.equal(3);
    expect(await expectSameReading([file], { id: 'd', ip: DEVICE_IP })).to.equal(4);
    expect(await expectSameReading([file], { id: 'd', mac: DEVICE_MAC, ip: DEVICE_IP })).to.equal(3);
    // Pooled with itself: the TCP segment comes again on the same stream, a retransmission, so 5.
    expect(await expectSameReading([file, file], { id: 'd', mac: DEVICE_MAC.toUpperCase() })).to.equal(5);
  });

  it('finds the same on cooked and raw-IP captures (one MAC or none), including frames it cannot judge by MAC', async () => {
    const dns = (ends: Parameters<typeof udpDatagram>[0], payload: Buffer) =>
      ipPacket(ends.src, ends.dst, 17, udpDatagram(ends, payload));
    const packets = [
      dns(out(40000), query(1, 'a.example')),
      dns(back(40000), answer(1, 'a.example')),
      dns(out(40001, '198.51.100.9', 9999), Buffer.from('not dns')),
      dns({ src: '192.0.2.99', dst: RESOLVER, srcPort: 5000, dstPort: 53 }, query(2, 'b.example')),
    ];
    const cooked = pcapFile(
      LINKTYPE.LINUX_SLL,
      packets.map((p, i) => ({ timestamp: T0 + i, data: linuxCookedV1Frame(i === 1 ? ROUTER_MAC : DEVICE_MAC, p) })),
    );
    const loopback = pcapFile(
      LINKTYPE.NULL,
      packets.map((p, i) => ({ timestamp: T0 + i, data: loopbackFrame(p) })),
    );
    for (const file of [cooked, loopback]) {
      await expectSameReading([file], { id: 'd', mac: DEVICE_MAC });
      await expectSameReading([file], { id: 'd', ip: DEVICE_IP });
      await expectSameReading([file], { id: 'd', mac: DEVICE_MAC, ip: DEVICE_IP });
    }
    // The device's IPv4 address written unlike a packet's (leading zeros) matches nothing either way.
    expect(await expectSameReading([cooked], { id: 'd', ip: '192.0.2.010' })).to.equal(0);
  });

  const datasets = existsSync(join(SHARED_CAPTURES, 'devices.tsv'))
    ? readTsv(join(SHARED_CAPTURES, 'devices.tsv'))
    : [];
  if (datasets.length === 0) {
    it(`pending: the shared captures (${SHARED_CAPTURES}) are absent; set DNSCONFORM_CAPTURES to compare on them`, function () {
      this.skip();
    });
  }
  for (const dataset of datasets) {
    it(`finds the same in the shared capture ${dataset['dataset']}`, async () => {
      const files = filesOf(dataset['files']!);
      const ip = dataset['device_ip'] === '-' ? {} : { ip: dataset['device_ip']! };
      expect(await expectSameReading(files, { id: 'd', mac: dataset['device_mac']!, ...ip })).to.be.above(0);
      if (ip.ip !== undefined) await expectSameReading(files, { id: 'd', ...ip });
    });
  }
});
