import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcapFile } from '../capture/capture-writer.ts';
import type { PacketRecord } from '../capture/capture-writer.ts';
import { ipPacket, tcpSegment, udpDatagram } from '../capture/frame-builder.ts';
import { LINKTYPE } from '../capture/link-layers.ts';
import { readPackets } from '../capture/packets.ts';
import { TCP_FLAG } from '../capture/transport.ts';
import { captureCanaryContacts } from './capture-contacts.ts';
import type { CapturedCanaryContact } from './capture-contacts.ts';

const DUT = '127.0.57.2';
const CANARY = '127.0.57.77';
const ELSEWHERE = '127.0.57.200';
const T0 = 1_800_000_000_000_000;

const udp = (t: number, src: string, sport: number, dst: string, dport: number, payload: string): PacketRecord => ({
  timestamp: t,
  data: ipPacket(src, dst, 17, udpDatagram({ src, dst, srcPort: sport, dstPort: dport }, Buffer.from(payload))),
});
const tcp = (
  t: number,
  src: string,
  sport: number,
  dst: string,
  dport: number,
  flags: number,
  payload = '',
): PacketRecord => ({
  timestamp: t,
  data: ipPacket(
    src,
    dst,
    6,
    tcpSegment({ src, dst, srcPort: sport, dstPort: dport }, { seq: 1, flags }, Buffer.from(payload)),
  ),
});

describe('canary contacts from the capture', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-capture-contacts-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function contactsIn(records: PacketRecord[]): Promise<CapturedCanaryContact[]> {
    const file = join(dir, `c${Math.random().toString(36).slice(2)}.pcap`);
    writePcapFile(file, { linkType: LINKTYPE.RAW }, records);
    const found: CapturedCanaryContact[] = [];
    for await (const c of captureCanaryContacts(readPackets(file), {
      canaries: [CANARY],
      ownerOf: (a) => (a === DUT ? 'dut' : null),
    }))
      found.push(c);
    return found;
  }
  const summary = (c: CapturedCanaryContact) => [
    c.t - T0,
    c.dut,
    c.transport,
    `${c.client.address}:${c.client.port}`,
    c.canary.port,
    Buffer.from(c.payload, 'base64').toString(),
    c.source,
  ];

  it('reports every UDP datagram and each TCP connection to a canary, on any port, with the first payload', async () => {
    const { SYN, ACK, FIN, PSH } = TCP_FLAG;
    const contacts = await contactsIn([
      udp(T0 + 1, DUT, 40000, CANARY, 9999, 'ping'),
      udp(T0 + 2, DUT, 40001, ELSEWHERE, 9999, 'not a canary'),
      tcp(T0 + 3, DUT, 41000, CANARY, 31337, SYN),
      tcp(T0 + 4, CANARY, 31337, DUT, 41000, SYN | ACK),
      tcp(T0 + 5, DUT, 41000, CANARY, 31337, ACK),
      tcp(T0 + 6, DUT, 41000, CANARY, 31337, PSH | ACK, 'hello'),
      tcp(T0 + 7, DUT, 41000, CANARY, 31337, PSH | ACK, 'more of the same connection'),
      tcp(T0 + 8, '127.0.57.9', 42000, CANARY, 4444, SYN),
      tcp(T0 + 9, DUT, 43000, CANARY, 8883, PSH | ACK, 'mid-stream'),
      tcp(T0 + 10, DUT, 44000, CANARY, 5000, SYN),
      tcp(T0 + 11, DUT, 44000, CANARY, 5000, FIN | ACK),
    ]);
    expect(contacts.map(summary)).to.deep.equal([
      [1, 'dut', 'udp', `${DUT}:40000`, 9999, 'ping', 'capture'],
      [3, 'dut', 'tcp', `${DUT}:41000`, 31337, 'hello', 'capture'],
      [9, 'dut', 'tcp', `${DUT}:43000`, 8883, 'mid-stream', 'capture'],
      [10, 'dut', 'tcp', `${DUT}:44000`, 5000, '', 'capture'],
      [8, null, 'tcp', '127.0.57.9:42000', 4444, '', 'capture'],
    ]);
  });
});
