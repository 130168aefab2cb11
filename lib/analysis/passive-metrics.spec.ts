import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evidenceFromCaptures } from '../capture/capture-evidence.ts';
import { encodePcap } from '../capture/capture-writer.ts';
import type { PacketRecord } from '../capture/capture-writer.ts';
import { answer, back, out, query, RESOLVER, T0, udpFrame } from '../capture/fixtures/dns-capture.ts';
import { DEVICE_MAC } from '../capture/fixtures/dns-capture.ts';
import { LINKTYPE } from '../capture/link-layers.ts';
import { readPackets } from '../capture/packets.ts';
import { Evidence } from '../evidence/evidence.ts';
import type { QueryEvent, ResponseEvent } from '../evidence/events.ts';
import { passiveMetrics } from './passive-metrics.ts';
import { filesOf, parseResolvers, readTsv, SHARED_CAPTURES } from '../../test/shared-captures-test-kit.ts';
import { QUERY_FLAGS } from '../evidence/event-test-kit.ts';

/** The third-party captures live beside the repository, never in it. */
const SECOND = 1_000_000;

/** The reference's OARC class names → randomness.ts's. */
const CLASS: Record<string, string> = { Excellent: 'GREAT', Good: 'GOOD', Poor: 'POOR', NoRandomness: 'POOR' };

describe('analysis/passive-metrics on the real captures (../shared/captures)', () => {
  const available = existsSync(join(SHARED_CAPTURES, 'reference-values.tsv'));
  const references = available ? readTsv(join(SHARED_CAPTURES, 'reference-values.tsv')) : [];
  const devices = available
    ? new Map(readTsv(join(SHARED_CAPTURES, 'devices.tsv')).map((d) => [d['dataset']!, d]))
    : new Map();

  before(function () {
    if (!available) this.skip();
  });

  it('has the reference tables', function () {
    if (!available) this.skip();
    expect(references.length).to.be.greaterThan(0);
  });

  for (const reference of available ? references : []) {
    const dataset = reference['dataset']!;
    const device = devices.get(dataset);
    if (device === undefined) {
      it(`${dataset}: reads to the end and holds no DNS query to a resolver`, async () => {
        let queries = 0;
        for await (const p of readPackets(join(SHARED_CAPTURES, dataset))) {
          if (p.transport === 'udp' && p.dstPort === 53 && p.payload.length > 2 && (p.payload[2]! & 0x80) === 0)
            queries += 1;
        }
        expect(queries).to.equal(Number(reference['n_queries']));
      });
      continue;
    }
    it(`${dataset}: queries, TXID and port σ, top port, resolvers and EDNS match the reference`, async () => {
      const files = filesOf(device['files']!);
      const result = await evidenceFromCaptures(files, { id: 'dut', mac: device['device_mac']! });
      expect(result.partial).to.equal(false);
      const m = passiveMetrics(result.evidence, { dut: 'dut' });
      expect(m.queries).to.equal(Number(reference['n_queries']));
      expect(m.txid.stdev).to.be.closeTo(Number(reference['txid_pstdev']), 0.006);
      expect(m.sourcePort.stdev).to.be.closeTo(Number(reference['sport_pstdev']), 0.006);
      expect(m.txid.bits).to.be.closeTo(Number(reference['txid_bits']), 0.006);
      expect(m.txid.distinct).to.equal(Number(reference['txid_distinct']));
      expect(m.txid.class).to.equal(CLASS[reference['txid_class']!]);
      expect(m.sourcePort.class).to.equal(CLASS[reference['sport_class']!]);
      expect(m.sourcePort.topShare * 100).to.be.closeTo(Number(reference['sport_top_pct']), 0.006);
      // On a tie the reference and randomness.ts may name different ports: the reference's must be as frequent.
      const referenceTop = Number(reference['sport_top']);
      const referenceTopCount = result.evidence.queries('dut').filter((q) => q.client.port === referenceTop).length;
      expect(referenceTopCount).to.equal(m.sourcePort.topCount);
      expect(m.resolvers).to.deep.equal(parseResolvers(reference['resolvers']!));
      expect(m.ednsShare * 100).to.be.closeTo(Number(reference['edns_pct']), 0.006);
      expect(m.distinctQuestions).to.equal(Number(reference['distinct_qnames']));
      if (reference['percapture_txid_pstdev_median'] !== '-') {
        expect(m.perCaptureTxidStdevMedian).to.be.closeTo(Number(reference['percapture_txid_pstdev_median']), 0.006);
      }
      expect(m.perCapture.length).to.be.at.most(files.length);
    });
  }

  it("reports the sifely hub's hard-coded OpenDNS resolver beside the DHCP one", async function () {
    const device = devices.get('tj-oconnor_IoT-Dataset/sifely-hub-01.pcap');
    if (device === undefined) this.skip();
    const result = await evidenceFromCaptures(filesOf(device['files']!), { id: 'hub', ip: device['device_ip']! });
    const byList = passiveMetrics(result.evidence, { dut: 'hub' });
    expect(byList.hardcodedResolvers).to.deep.equal(['208.67.222.222']);
    expect(byList.multipleResolvers).to.equal(true);
    const byAssignment = passiveMetrics(result.evidence, { dut: 'hub', assignedResolver: '192.168.1.1' });
    expect(byAssignment.hardcodedResolvers).to.deep.equal(['208.67.222.222']);
    expect(byAssignment.sourcePort).to.include({ top: 4096, topShare: 1 });
  });
});

describe('analysis/passive-metrics', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-metrics-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function pcap(name: string, records: PacketRecord[]): string {
    const file = join(dir, name);
    writeFileSync(file, encodePcap({ linkType: LINKTYPE.ETHERNET }, records));
    return file;
  }

  async function sample() {
    const boot1 = pcap('boot1.pcap', [
      udpFrame(T0, 'device', out(1000), query(1, 'a.example')),
      udpFrame(T0 + 1 * SECOND, 'device', out(1000), query(1, 'a.example')), // retransmission: same TXID and port
      udpFrame(T0 + 1.05 * SECOND, 'resolver', back(1000), answer(1, 'a.example', 300)),
      udpFrame(T0 + 2 * SECOND, 'device', out(1001), query(2, 'a.example', undefined, 'AAAA')),
      udpFrame(T0 + 4 * SECOND, 'device', out(1002, '8.8.8.8'), query(3, 'bb.example', 1232)),
      udpFrame(T0 + 4.02 * SECOND, 'resolver', back(1002, '8.8.8.8'), answer(3, 'bb.example', 60)),
    ]);
    // A second boot a day later: no interval spans the two captures.
    const boot2 = pcap('boot2.pcap', [udpFrame(T0 + 86_400 * SECOND, 'device', out(1000), query(9, 'a.example'))]);
    return evidenceFromCaptures([boot1, boot2], { id: 'dut', mac: DEVICE_MAC });
  }

  it('counts queries, resolvers, EDNS, record types, TTLs, names and intervals within each capture', async () => {
    const { evidence } = await sample();
    const m = passiveMetrics(evidence, { dut: 'dut', observedSeconds: 10 });
    expect(m.queries).to.equal(5);
    expect(m.queryRatePerMinute).to.equal(30);
    expect(m.resolvers).to.deep.equal({ [RESOLVER]: 4, '8.8.8.8': 1 });
    expect(m.ednsShare).to.equal(0.2);
    expect(m.ednsUdpSizes).to.deep.equal({ 1232: 1 });
    expect(m.addressQueries).to.deep.equal({ a: 4, aaaa: 1, aShare: 0.8, aaaaShare: 0.2 });
    expect(m.recordTypesAsked).to.deep.equal({ A: 4, AAAA: 1 });
    expect(m.recordTypesReceived).to.deep.equal({ A: 2 });
    expect(m.ttlsReceived).to.deep.include({ n: 2, min: 60, max: 300 });
    expect(m.names).to.deep.equal(['a.example', 'bb.example']);
    expect(m.distinctQuestions).to.equal(3);
    expect(m.nameLengths).to.deep.include({ min: 9, max: 10 });
    expect(m.interQueryIntervals).to.deep.include({ n: 3, min: 1, max: 2 });
    expect(m.interQueryIntervalsPerName['a.example']).to.deep.include({ n: 2, min: 1, max: 1 });
    expect(m.perCapture.map((p) => [p.file.endsWith('boot1.pcap'), p.queries])).to.deep.equal([
      [true, 4],
      [false, 1],
    ]);
    expect(m.responses).to.equal(2);
    expect(m.unansweredQueries).to.equal(3);
    expect(m.rcodes).to.deep.equal({ NOERROR: 2 });
  });

  it('finds retransmissions and whether they reused TXID and port', async () => {
    const { evidence } = await sample();
    const m = passiveMetrics(evidence, { dut: 'dut' });
    expect(m.retransmissions).to.deep.include({ count: 1, sameTxidShare: 1, samePortShare: 1, sameResolverShare: 1 });
    expect(m.retransmissions.gaps).to.deep.include({ n: 1, min: 1 });
    // With a timeout shorter than the gap, the repeat is a new query.
    expect(passiveMetrics(evidence, { dut: 'dut', retransmitTimeoutSeconds: 0.5 }).retransmissions.count).to.equal(0);
  });

  it('calls resolvers hard-coded against the assigned one, else against the public list', async () => {
    const { evidence } = await sample();
    expect(passiveMetrics(evidence, { dut: 'dut' }).hardcodedResolvers).to.deep.equal(['8.8.8.8']);
    expect(passiveMetrics(evidence, { dut: 'dut', assignedResolver: '8.8.8.8' }).hardcodedResolvers).to.deep.equal([
      RESOLVER,
    ]);
    expect(passiveMetrics(evidence, { dut: 'dut', publicResolvers: [] }).hardcodedResolvers).to.deep.equal([]);
  });

  it("takes each query's last logged response, whichever DUT or phase it came in, and answers logged before their query", () => {
    const message = (dut: string, t: number, port: number) => ({
      t: T0 + t * SECOND,
      dut,
      phase: 'p',
      transport: 'udp' as const,
      client: { address: '192.0.2.9', port },
      server: { address: RESOLVER, port: 53 },
      txid: 7,
      flags: QUERY_FLAGS,
      questions: [{ name: 'a.example', type: 'A', class: 'IN' }],
      edns: null,
      size: 30,
      wire: '',
      scenario: 's',
    });
    const q = (seq: number, dut: string, t: number): QueryEvent => ({
      type: 'dns.query',
      seq,
      ...message(dut, t, 1000 + seq),
    });
    const r = (seq: number, queryRef: number, dut: string, t: number): ResponseEvent => ({
      type: 'dns.response',
      seq,
      ...message(dut, t, 1000 + queryRef),
      queryRef,
      answers: [],
      authority: [],
      additional: [],
      manipulations: [],
      reason: null,
    });
    const events = [
      r(1, 3, 'dut', 0.5), // logged before its query
      q(2, 'other', 0.6),
      q(3, 'dut', 0),
      q(4, 'dut', 1), // a repeat: the answer to 3 came before it (at 0.5) ...
      r(5, 3, 'dut', 2), // ... but the answer logged last for 3 came after it: a retransmission, as Evidence.responseTo sees it
      q(6, 'dut', 3), // a repeat of 4, unanswered: a retransmission
      r(7, 2, 'other', 3.1),
      r(8, 9, 'other', 3.2), // answers a later query of another DUT
      q(9, 'other', 3.3),
    ];
    const m = passiveMetrics(new Evidence(events), { dut: 'dut' });
    expect(m.queries).to.equal(3);
    expect(m.responses).to.equal(2);
    expect(m.unansweredQueries).to.equal(2);
    expect(m.retransmissions.count).to.equal(2);
    expect(m.retransmissions.gaps).to.deep.include({ n: 2, min: 1, max: 2 });
  });
});
