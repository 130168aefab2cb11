import { expect } from 'chai';
import type { QueryEvent } from '../evidence/events.ts';
import { evidenceFromCaptures } from './capture-evidence.ts';
import type { CapturedQueryEvent } from './capture-evidence.ts';
import type { PacketRecord } from './capture-writer.ts';
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
  T0,
  tcpFrame,
  udpFrame,
} from './fixtures/dns-capture.ts';
import { PcapFolder } from './fixtures/pcap-folder.ts';
import { TCP_FLAG } from './transport.ts';

/** One folder for the file's captures. */
let folder: PcapFolder;

describe('capture/capture-evidence', () => {
  before(() => {
    folder = new PcapFolder('dnsconform-capture-evidence-');
  });
  after(() => folder.remove());

  it("turns the device's UDP DNS into query and response events, leaving out other hosts, mDNS and LLMNR", async () => {
    const file = folder.pcap([
      udpFrame(T0, 'device', out(40000), query(0x1111, 'a.example', 1232)),
      udpFrame(
        T0 + 100,
        'other',
        { src: '192.0.2.99', dst: RESOLVER, srcPort: 5000, dstPort: 53 },
        query(0x2222, 'b.example'),
      ),
      udpFrame(
        T0 + 200,
        'device',
        { src: DEVICE_IP, dst: '224.0.0.251', srcPort: 5353, dstPort: 5353 },
        query(0, 'printer.local'),
      ),
      udpFrame(
        T0 + 250,
        'device',
        { src: DEVICE_IP, dst: '224.0.0.252', srcPort: 50001, dstPort: 5355 },
        query(7, 'nas'),
      ),
      udpFrame(T0 + 5000, 'resolver', back(40000), answer(0x1111, 'a.example')),
      udpFrame(T0 + 6000, 'resolver', back(40000), answer(0x9999, 'a.example')), // answers nothing asked
    ]);
    const result = await evidenceFromCaptures([file], { id: 'cam', mac: '02-00-00-00-00-01' });
    expect(result.partial).to.equal(false);
    expect(result.problems).to.deep.equal([]);
    const events = result.evidence.events;
    expect(events.map((e) => e.type)).to.deep.equal([
      'run.start',
      'phase.start',
      'dns.query',
      'dns.response',
      'phase.end',
      'run.end',
    ]);
    expect(events.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5, 6]);
    const [q] = result.evidence.queries('cam') as CapturedQueryEvent[];
    expect(q).to.include({ dut: 'cam', phase: 'capture', transport: 'udp', txid: 0x1111, scenario: 'capture', t: T0 });
    expect(q!.client).to.deep.equal({ address: DEVICE_IP, port: 40000 });
    expect(q!.server).to.deep.equal({ address: RESOLVER, port: 53 });
    expect(q!.edns?.udpSize).to.equal(1232);
    expect(q!.questions).to.deep.equal([{ name: 'a.example', type: 'A', class: 'IN' }]);
    expect(q!.capture).to.deep.equal({ file, frame: 1 });
    expect(Buffer.from(q!.wire, 'base64').equals(query(0x1111, 'a.example', 1232))).to.equal(true);
    const response = result.evidence.responseTo(q!);
    expect(response).to.include({ queryRef: q!.seq, reason: null, t: T0 + 5000 });
    expect(response!.answers).to.deep.equal([
      { name: 'a.example', type: 'A', class: 'IN', ttl: 300, data: '198.51.100.7' },
    ]);
    expect(response!.manipulations).to.deep.equal([]);
    expect(result.observations.mdns).to.deep.equal({ queries: 1, responses: 0 });
    expect(result.observations.llmnr).to.deep.equal({ queries: 1, responses: 0 });
    expect(result.evidence.span()).to.deep.equal({ start: T0, end: T0 + 6000 });
  });

  it('reassembles DNS over TCP: pipelined messages, a message split across segments, retransmitted and early segments', async () => {
    const m1 = framed(query(1, 'one.example'));
    const m2 = framed(query(2, 'two.example'));
    const m3 = framed(query(3, 'three.example'));
    const isn = 0xfffffff0; // wraps past 2^32 within the stream
    const s = isn + 1;
    const pipelined = Buffer.concat([m1, m2]);
    const split = 5;
    const file = folder.pcap([
      tcpFrame(T0, true, out(41000), isn, Buffer.alloc(0), TCP_FLAG.SYN),
      tcpFrame(T0 + 10, true, out(41000), s, pipelined),
      tcpFrame(T0 + 20, true, out(41000), s, pipelined), // retransmission
      // The second part of m3 arrives before the first.
      tcpFrame(T0 + 30, true, out(41000), (s + pipelined.length + split) >>> 0, m3.subarray(split)),
      tcpFrame(T0 + 40, true, out(41000), (s + pipelined.length) >>> 0, m3.subarray(0, split)),
      tcpFrame(T0 + 50, false, back(41000), 5000, framed(answer(2, 'two.example'))),
    ]);
    const result = await evidenceFromCaptures([file], { id: 'cam', mac: DEVICE_MAC });
    const queries = result.evidence.queries('cam') as CapturedQueryEvent[];
    expect(queries.map((q) => [q.txid, q.transport, q.questions[0]!.name, q.capture.frame])).to.deep.equal([
      [1, 'tcp', 'one.example', 2],
      [2, 'tcp', 'two.example', 2],
      [3, 'tcp', 'three.example', 5],
    ]);
    expect(queries[0]!.size).to.equal(m1.length - 2);
    expect(result.evidence.responseTo(queries[1]!)?.txid).to.equal(2);
    expect(result.evidence.responseTo(queries[0]!)).to.equal(undefined);
  });

  it("pools several captures in time order and records each event's file and frame", async () => {
    const later = folder.pcap([udpFrame(T0 + 2_000_000, 'device', out(1), query(10, 'late.example'))]);
    const earlier = folder.pcap([
      udpFrame(T0, 'device', out(2), query(20, 'early.example')),
      udpFrame(T0 + 3_000_000, 'device', out(3), query(30, 'last.example')),
    ]);
    const result = await evidenceFromCaptures([later, earlier], { id: 'cam', mac: DEVICE_MAC });
    const queries = result.evidence.queries('cam') as CapturedQueryEvent[];
    expect(queries.map((q) => [q.txid, q.capture.file, q.capture.frame])).to.deep.equal([
      [20, earlier, 1],
      [10, later, 1],
      [30, earlier, 2],
    ]);
    expect(result.files.map((f) => [f.frames, f.dnsMessages])).to.deep.equal([
      [1, 1],
      [2, 2],
    ]);
  });

  it('builds the same events when the messages are sorted through runs on disk', async () => {
    // Two files whose times interleave, with answers, repeats and ties: the order must survive the external sort.
    const a: PacketRecord[] = [];
    const b: PacketRecord[] = [];
    for (let i = 0; i < 60; i += 1) {
      const t = T0 + Math.floor(i / 3) * 1000;
      a.push(udpFrame(t, 'device', out(40000 + (i % 7)), query(i % 11, `n${i % 5}.example`)));
      a.push(udpFrame(t + 400, 'resolver', back(40000 + (i % 7)), answer(i % 11, `n${i % 5}.example`)));
      b.push(udpFrame(t + 200, 'device', out(41000 + i), query(1000 + i, `m${i}.example`)));
    }
    const files = [folder.pcap(a), folder.pcap(b)];
    const inMemory = await evidenceFromCaptures(files, { id: 'cam', mac: DEVICE_MAC });
    const spilled = await evidenceFromCaptures(files, { id: 'cam', mac: DEVICE_MAC }, { sortChunkBytes: 512 });
    expect(spilled.evidence.events).to.have.length(inMemory.evidence.events.length);
    expect(JSON.stringify(spilled.evidence.events)).to.equal(JSON.stringify(inMemory.evidence.events));
    expect(inMemory.evidence.responses('cam').length).to.be.greaterThan(50);
  });

  it('keeps what a truncated capture held before the fault, marks the result partial and names file and offset', async () => {
    const good = folder.pcap([udpFrame(T0, 'device', out(1), query(1, 'a.example'))]);
    const truncated = folder.pcap(
      [
        udpFrame(T0 + 1, 'device', out(2), query(2, 'b.example')),
        udpFrame(T0 + 2, 'device', out(3), query(3, 'c.example')),
      ],
      7,
    );
    const result = await evidenceFromCaptures([good, truncated], { id: 'cam', mac: DEVICE_MAC });
    expect(result.partial).to.equal(true);
    expect(result.evidence.queries('cam').map((q: QueryEvent) => q.txid)).to.deep.equal([1, 2]);
    expect(result.problems).to.have.length(1);
    expect(result.problems[0])
      .to.contain(truncated)
      .and.match(/byte offset \d+/);
    expect(result.files[1]!.error?.offset).to.be.greaterThan(24);
  });

  it('matches the device by IP when no MAC is given, and notes encrypted DNS: DoT, DoQ and DoH by SNI', async () => {
    const file = folder.pcap([
      udpFrame(T0, 'device', out(1000), query(5, 'x.example')),
      tcpFrame(T0 + 10, true, out(50000, '1.1.1.1', 853), 100, Buffer.alloc(0), TCP_FLAG.SYN),
      tcpFrame(T0 + 20, true, out(50000, '1.1.1.1', 853), 101, clientHello('one.one.one.one', ['dot'])),
      udpFrame(T0 + 30, 'device', out(50001, '9.9.9.9', 853), Buffer.from('quic initial')),
      tcpFrame(T0 + 40, true, out(50002, '203.0.113.5', 443), 1, clientHello('dns.google', ['h2', 'http/1.1'])),
      tcpFrame(T0 + 50, true, out(50003, '203.0.113.6', 443), 1, clientHello('www.example.com', ['h2'])),
    ]);
    const result = await evidenceFromCaptures([file], { id: 'plug', ip: DEVICE_IP });
    expect(result.evidence.queries('plug')).to.have.length(1);
    expect(
      result.observations.secureDns.map((c) => [
        c.kind,
        c.server.address,
        c.server.port,
        c.serverName,
        c.alpn,
        c.contacts,
      ]),
    ).to.deep.equal([
      ['dot', '1.1.1.1', 853, 'one.one.one.one', ['dot'], 1],
      ['doq', '9.9.9.9', 853, null, [], 1],
      ['doh', '203.0.113.5', 443, 'dns.google', ['h2', 'http/1.1'], 1],
    ]);
  });
});
