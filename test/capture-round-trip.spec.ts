/**
 * Round trip: captures the harness writes (lib/capture/capture-writer.ts and
 * frame-builder.ts) read back in the reference tools exactly as written. `tcpdump -r`
 * prints, line for line, the text expected from the packets we put in (time, addresses,
 * ports, TXID, question, answer, lengths) with every checksum correct, and `tshark -T
 * fields` reports the same TXIDs and ports; our own reader agrees with both. Covers pcap
 * in both byte orders and both resolutions, and pcapng. The files are only written and
 * read: no packet is ever sent.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evidenceFromCaptures } from '../lib/capture/capture-evidence.ts';
import {
  encodePcap,
  pcapngEnhancedPacket,
  pcapngInterface,
  pcapngSectionHeader,
} from '../lib/capture/capture-writer.ts';
import type { PacketRecord } from '../lib/capture/capture-writer.ts';
import { ethernetFrame, ipPacket, tcpSegment, udpDatagram } from '../lib/capture/frame-builder.ts';
import { LINKTYPE } from '../lib/capture/link-layers.ts';
import { buildQuery, buildResponse } from '../lib/dns/builders.ts';
import { encodeMessage } from '../lib/dns/codec.ts';
import { between, seededRandom } from '../suites/seeded-random.ts';

const DEVICE_MAC = '02:00:00:00:77:10';
const RESOLVER_MAC = '02:00:00:00:77:01';
/** Addresses only written into files (loopback and a unique-local IPv6 prefix); nothing is sent to them. */
const DEVICE = { v4: '127.0.77.10', v6: 'fd00:77::10' };
const RESOLVER = { v4: '127.0.77.1', v6: 'fd00:77::1' };
/** Where the answers point: a harness-owned loopback canary. */
const ANSWER = { A: '127.0.77.200', AAAA: '::1' };
const T0 = 1_767_225_600_000_000;

/** One packet as written, with the line tcpdump -n -tt must print for it and the fields tshark must report. */
interface Written {
  record: PacketRecord;
  line: (precision: 'micro' | 'nano') => string;
  txid: number;
  srcPort: number;
  dstPort: number;
  transport: 'udp' | 'tcp';
  name: string;
}

/** `sec.fraction` as tcpdump -tt prints it. */
function stamp(record: PacketRecord, precision: 'micro' | 'nano'): string {
  const seconds = Math.floor(record.timestamp / 1e6);
  const micros = String(record.timestamp - seconds * 1e6).padStart(6, '0');
  return `${seconds}.${micros}${precision === 'nano' ? String(record.nanos ?? 0).padStart(3, '0') : ''}`;
}

/** A seeded mix of UDP exchanges over IPv4 and IPv6 (some with EDNS) and DNS-over-TCP queries. */
function traffic(): Written[] {
  const random = seededRandom(0x77a11);
  const written: Written[] = [];
  let t = T0;
  for (let i = 0; i < 40; i += 1) {
    t += between(random, 1_000, 2_000_000);
    const v6 = i % 5 === 4;
    const type = i % 3 === 2 ? ('AAAA' as const) : ('A' as const);
    const [src, dst, ipTag] = v6 ? [DEVICE.v6, RESOLVER.v6, 'IP6'] : [DEVICE.v4, RESOLVER.v4, 'IP'];
    const txid = between(random, 0, 65535);
    const port = between(random, 1024, 65535);
    const name = `host${i}.roundtrip.example`;
    const edns = i % 4 === 1 ? 1232 : null;
    const nanos = between(random, 0, 999);
    const query = encodeMessage(
      buildQuery({ id: txid, name, type, ...(edns === null ? {} : { edns: { udpSize: edns } }) }),
    );
    if (i % 10 === 7) {
      // DNS over TCP: one length-prefixed query in one segment.
      const payload = Buffer.concat([Buffer.from([query.length >> 8, query.length & 0xff]), query]);
      const seq = between(random, 1, 0x7fffffff);
      const record = {
        timestamp: t,
        nanos,
        data: ethernetFrame(
          DEVICE_MAC,
          RESOLVER_MAC,
          ipPacket(src, dst, 6, tcpSegment({ src, dst, srcPort: port, dstPort: 53 }, { seq, ack: 1 }, payload)),
        ),
      };
      written.push({
        record,
        txid,
        srcPort: port,
        dstPort: 53,
        transport: 'tcp',
        name,
        line: (p) =>
          `${stamp(record, p)} ${ipTag} ${src}.${port} > ${dst}.53: Flags [P.], seq ${seq}:${seq + payload.length}, ack 1, win 65535, length ${payload.length} ` +
          `${txid}+ ${edns === null ? '' : '[1au] '}${type}? ${name}. (${query.length})`,
      });
      continue;
    }
    const queryRecord = {
      timestamp: t,
      nanos,
      data: ethernetFrame(
        DEVICE_MAC,
        RESOLVER_MAC,
        ipPacket(src, dst, 17, udpDatagram({ src, dst, srcPort: port, dstPort: 53 }, query)),
      ),
    };
    written.push({
      record: queryRecord,
      txid,
      srcPort: port,
      dstPort: 53,
      transport: 'udp',
      name,
      line: (p) =>
        `${stamp(queryRecord, p)} ${ipTag} ${src}.${port} > ${dst}.53: ${txid}+ ${edns === null ? '' : '[1au] '}${type}? ${name}. (${query.length})`,
    });
    const response = encodeMessage(
      buildResponse({
        id: txid,
        questions: [{ name, type, class: 'IN' }],
        rcode: 'NOERROR',
        bits: { rd: true, ra: true },
        answers: [{ name, type, class: 'IN', ttl: 300, data: ANSWER[type] }],
      }),
    );
    t += between(random, 100, 50_000);
    const responseRecord = {
      timestamp: t,
      nanos: 0,
      data: ethernetFrame(
        RESOLVER_MAC,
        DEVICE_MAC,
        ipPacket(dst, src, 17, udpDatagram({ src: dst, dst: src, srcPort: 53, dstPort: port }, response)),
      ),
    };
    written.push({
      record: responseRecord,
      txid,
      srcPort: 53,
      dstPort: port,
      transport: 'udp',
      name,
      line: (p) =>
        `${stamp(responseRecord, p)} ${ipTag} ${dst}.53 > ${src}.${port}: ${txid} 1/0/0 ${type} ${ANSWER[type]} (${response.length})`,
    });
  }
  return written;
}

function toolAvailable(tool: string): boolean {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** stdout of a tool reading a file (its banner on stderr is dropped). */
function run(tool: string, args: string[]): string {
  return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 << 20 });
}

describe('capture round trip: harness-written captures read back in tcpdump and tshark', function () {
  this.timeout(60_000);
  const packets = traffic();
  const records = packets.map((p) => p.record);
  const formats = [
    {
      name: 'pcap, µs, little-endian',
      file: 'le-us.pcap',
      precision: 'micro' as const,
      bytes: () => encodePcap({ linkType: LINKTYPE.ETHERNET }, records),
    },
    {
      name: 'pcap, µs, big-endian',
      file: 'be-us.pcap',
      precision: 'micro' as const,
      bytes: () => encodePcap({ linkType: LINKTYPE.ETHERNET, byteOrder: 'be' }, records),
    },
    {
      name: 'pcap, ns, little-endian',
      file: 'le-ns.pcap',
      precision: 'nano' as const,
      bytes: () => encodePcap({ linkType: LINKTYPE.ETHERNET, resolution: 'ns' }, records),
    },
    {
      name: 'pcapng, µs',
      file: 'us.pcapng',
      precision: 'micro' as const,
      bytes: () =>
        Buffer.concat([
          pcapngSectionHeader('le'),
          pcapngInterface('le', LINKTYPE.ETHERNET),
          ...records.map((r) => pcapngEnhancedPacket('le', 0, 6, r)),
        ]),
    },
  ];
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-round-trip-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a sample with UDP over IPv4 and IPv6, EDNS, AAAA and DNS over TCP', () => {
    expect(packets.filter((p) => p.transport === 'tcp').length).to.be.at.least(3);
    expect(packets.filter((p) => p.line('micro').includes(' IP6 ')).length).to.be.at.least(8);
    expect(packets.filter((p) => p.line('micro').includes('[1au]')).length).to.be.at.least(8);
  });

  for (const format of formats) {
    describe(format.name, () => {
      let file: string;
      before(() => {
        file = join(dir, format.file);
        writeFileSync(file, format.bytes());
      });

      it('tcpdump -r prints exactly the packets written, each checksum correct', function () {
        if (!toolAvailable('tcpdump')) this.skip(); // scripts/setup.sh installs it
        const precision = format.precision === 'nano' ? ['--time-stamp-precision=nano'] : [];
        const lines = run('tcpdump', ['-n', '-tt', ...precision, '-r', file])
          .trimEnd()
          .split('\n');
        expect(lines).to.deep.equal(packets.map((p) => p.line(format.precision)));
        const verbose = run('tcpdump', ['-n', '-vv', '-r', file]);
        expect(verbose.match(/\[udp sum ok\]/g)?.length).to.equal(packets.filter((p) => p.transport === 'udp').length);
        expect(verbose.match(/cksum 0x[0-9a-f]+ \(correct\)/g)?.length).to.equal(
          packets.filter((p) => p.transport === 'tcp').length,
        );
      });

      it('tshark -T fields reports the TXIDs and ports written', function () {
        if (!toolAvailable('tshark')) this.skip(); // scripts/setup.sh installs it
        const out = run('tshark', [
          '-r',
          file,
          '-T',
          'fields',
          '-E',
          'separator=,',
          '-e',
          'dns.id',
          '-e',
          'udp.srcport',
          '-e',
          'udp.dstport',
          '-e',
          'tcp.srcport',
          '-e',
          'tcp.dstport',
          '-e',
          'dns.qry.name',
        ]);
        const expected = packets.map((p) => {
          const ports = p.transport === 'udp' ? `${p.srcPort},${p.dstPort},,` : `,,${p.srcPort},${p.dstPort}`;
          return `0x${p.txid.toString(16).padStart(4, '0')},${ports},${p.name}`;
        });
        expect(out.trimEnd().split('\n')).to.deep.equal(expected);
      });

      it('our reader finds the same queries, TXIDs and ports', async () => {
        const { evidence, partial } = await evidenceFromCaptures([file], { id: 'dut', mac: DEVICE_MAC });
        expect(partial).to.equal(false);
        const queries = evidence.queries('dut');
        const sent = packets.filter((p) => p.dstPort === 53);
        expect(queries.map((q) => [q.transport, q.txid, q.client.port, q.questions[0]?.name])).to.deep.equal(
          sent.map((p) => [p.transport, p.txid, p.srcPort, p.name]),
        );
        expect(queries.map((q) => q.t)).to.deep.equal(sent.map((p) => p.record.timestamp));
        expect(evidence.responses('dut')).to.have.length(packets.length - sent.length);
      });
    });
  }
});
