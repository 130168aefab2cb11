/**
 * Acceptance: `dnsconform analyze --json`, run as a real process, on every third-party
 * capture in the shared captures folder (`DNSCONFORM_CAPTURES`, else beside the checkout,
 * or above it; never copied into the repository) agrees with the independently
 * computed `reference-values.tsv`: query counts, TXID and source-port σ (population, to
 * 0.01), most used port and its share, resolvers used; and reports the sifely hub's
 * hard-coded OpenDNS resolver. Without the folder every test is pending, saying why.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateAnalyzeOutput } from '../lib/analysis/analyze-output.ts';
import type { AnalyzeOutput } from '../lib/analysis/analyze-output.ts';
import { readPackets } from '../lib/capture/packets.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import type { Report } from '../lib/report/report-types.ts';
import { runCli } from './cli-process-test-kit.ts';
import type { CliRun } from './cli-process-test-kit.ts';
import { filesOf, parseResolvers, readTsv, SHARED_CAPTURES } from './shared-captures-test-kit.ts';
import type { TsvRow } from './shared-captures-test-kit.ts';

const AVAILABLE =
  existsSync(join(SHARED_CAPTURES, 'reference-values.tsv')) && existsSync(join(SHARED_CAPTURES, 'devices.tsv'));
/** σ in the reference is rounded to 2 decimals: a match "to 0.01" is within half of that, plus float noise. */
const ROUNDED_2DP = 0.0051;

type Row = TsvRow;

/** The reference's DNS-OARC class names → ours (NoRandomness is σ < 1, within POOR). */
const CLASS: Record<string, string> = { Excellent: 'GREAT', Good: 'GOOD', Poor: 'POOR', NoRandomness: 'POOR' };

describe('analyze on the shared third-party captures', function () {
  this.timeout(120_000);
  let work: string;
  let keyEnv: NodeJS.ProcessEnv;
  before(() => {
    if (!AVAILABLE) return;
    work = mkdtempSync(join(tmpdir(), 'dnsconform-shared-captures-'));
    keyEnv = { DNSCONFORM_KEY_DIR: join(work, 'keys') };
  });
  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  if (!AVAILABLE) {
    it(`pending: the captures folder ${SHARED_CAPTURES} (with reference-values.tsv and devices.tsv) is absent; set DNSCONFORM_CAPTURES to run these`, function () {
      this.skip();
    });
    return;
  }

  const references = readTsv(join(SHARED_CAPTURES, 'reference-values.tsv'));
  const devices = new Map(readTsv(join(SHARED_CAPTURES, 'devices.tsv')).map((d) => [d['dataset']!, d]));

  /** Each dataset's plain analysis, run once and read by every test that needs it. */
  const analysed = new Map<string, Promise<{ run: CliRun; output: AnalyzeOutput }>>();
  function analyzeOnce(device: Row): Promise<{ run: CliRun; output: AnalyzeOutput }> {
    const dataset = device['dataset']!;
    if (!analysed.has(dataset)) analysed.set(dataset, analyze(device));
    return analysed.get(dataset)!;
  }

  /** Runs `analyze --json` on a dataset and returns its validated output. */
  async function analyze(device: Row, extra: string[] = []): Promise<{ run: CliRun; output: AnalyzeOutput }> {
    const selector = [
      '--device',
      device['device_mac']!,
      ...(device['device_ip'] !== '-' ? ['--device', device['device_ip']!] : []),
    ];
    const run = await runCli(
      // The checks read report.json; the renderings (a Chromium print each) are not what this spec is about.
      [
        'analyze',
        ...filesOf(device['files']!),
        ...selector,
        ...extra,
        '--out',
        join(work, 'runs'),
        '--json',
        '--no-documents',
      ],
      keyEnv,
    );
    expect(run.code, run.stderr).to.be.oneOf([0, 1]);
    const lines = run.stdout.trim().split('\n');
    expect(lines, 'stdout holds one JSON object and nothing else').to.have.length(1);
    return { run, output: validateAnalyzeOutput(JSON.parse(lines[0]!)) };
  }

  it('has reference values for every dataset of devices.tsv', () => {
    const datasets = new Set(references.map((r) => r['dataset']));
    for (const dataset of devices.keys()) expect(datasets.has(dataset), dataset).to.equal(true);
  });

  for (const reference of references) {
    const dataset = reference['dataset']!;
    const device = devices.get(dataset);
    if (device === undefined) {
      // No device is named for it (the door sensor makes no DNS queries): nothing to select, so count every host's.
      it(`${dataset}: reads to the end and holds ${reference['n_queries']} DNS queries to a resolver`, async () => {
        let queries = 0;
        for await (const p of readPackets(join(SHARED_CAPTURES, dataset))) {
          if (p.transport === 'udp' && p.dstPort === 53 && p.payload.length > 2 && (p.payload[2]! & 0x80) === 0)
            queries += 1;
        }
        expect(queries).to.equal(Number(reference['n_queries']));
      });
      continue;
    }
    it(`${dataset}: analyze --json matches the reference (queries, σ of TXIDs and ports, top port and share, resolvers)`, async () => {
      const { output } = await analyzeOnce(device);
      expect(output.partial).to.equal(false);
      expect(output.captures).to.have.length(filesOf(device['files']!).length);
      expect(output.queries).to.equal(Number(reference['n_queries']));
      expect(output.txid.stdev).to.be.closeTo(Number(reference['txid_pstdev']), ROUNDED_2DP);
      expect(output.sourcePort.stdev).to.be.closeTo(Number(reference['sport_pstdev']), ROUNDED_2DP);
      expect(output.txid.bits).to.be.closeTo(Number(reference['txid_bits']), ROUNDED_2DP);
      expect(output.txid.distinct).to.equal(Number(reference['txid_distinct']));
      expect(output.txid.class).to.equal(CLASS[reference['txid_class']!]);
      expect(output.sourcePort.class).to.equal(CLASS[reference['sport_class']!]);
      expect(output.sourcePort.topShare * 100).to.be.closeTo(Number(reference['sport_top_pct']), ROUNDED_2DP);
      expect(output.resolvers).to.deep.equal(parseResolvers(reference['resolvers']!));
      expect(output.ednsShare * 100).to.be.closeTo(Number(reference['edns_pct']), ROUNDED_2DP);
      // The run directory holds the evidence: on a tie for the most used port, the reference's port is as frequent as ours.
      const evidence = loadEvidence(join(output.run!.dir, 'events.ndjson'));
      const udp = evidence.queries(output.device.id).filter((q) => q.transport === 'udp');
      expect(udp.filter((q) => q.client.port === Number(reference['sport_top'])).length).to.equal(
        output.sourcePort.topCount,
      );
      expect(udp.filter((q) => q.client.port === output.sourcePort.top).length).to.equal(output.sourcePort.topCount);
    });
  }

  it("reports the sifely hub's hard-coded OpenDNS resolver, in the metrics and as a signed FAIL of Recommendation #2", async function () {
    const device = devices.get('tj-oconnor_IoT-Dataset/sifely-hub-01.pcap');
    if (device === undefined) this.skip();
    const unassigned = await analyzeOnce(device);
    expect(unassigned.output.hardcodedResolvers).to.deep.equal(['208.67.222.222']);
    expect(unassigned.output.publicResolvers).to.deep.equal({ '208.67.222.222': 'OpenDNS (Cisco)' });
    const { run, output } = await analyze(device, ['--resolver', '192.168.1.1']);
    expect(output.assignedResolvers).to.deep.equal(['192.168.1.1']);
    expect(output.hardcodedResolvers).to.deep.equal(['208.67.222.222']);
    expect(run.code).to.equal(1);
    const report = JSON.parse(readFileSync(output.run!.report, 'utf8')) as Report;
    const resolverUse = report.results.find((r) => r.check === 'resolver-use/assigned-resolver-only')!;
    expect(resolverUse.verdict).to.equal('FAIL');
    expect(resolverUse.observed).to.contain('208.67.222.222 (OpenDNS (Cisco)): 120 queries');
    const verify = await runCli(['verify', output.run!.dir], keyEnv);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);
  });

  it("judges the Hue bridge's TTL compliance from its captured answers, draws the figures, and reports every Table II metric", async function () {
    const device = devices.get('iot_sentinel/HueBridge');
    if (device === undefined) this.skip();
    const { output } = await analyzeOnce(device);
    const report = JSON.parse(readFileSync(output.run!.report, 'utf8')) as Report;
    const verdict = (check: string) => report.results.find((r) => r.check === check)!;
    // It asks bridge.meethue.com again every ~2 s although the answers carry TTLs up to 300 s.
    const ttl = verdict('caching/ttl-honoured');
    expect(ttl.verdict, ttl.observed).to.equal('FAIL');
    expect(ttl.observed).to.match(/worst bridge\.meethue\.com A/);
    for (const check of [
      'randomness/source-port-randomised',
      'randomness/transaction-id-randomised',
      'transport/edns-payload-size',
      'encryption/encrypted-dns',
    ]) {
      expect(verdict(check).observed, check).to.not.match(/^Not assessed/);
    }
    // What only an experiment can show is not assessed, with the reason.
    for (const check of [
      'validation/spoofed-answers-rejected',
      'resilience/survives-amplification',
      'caching/ttl-zero-no-storm',
    ]) {
      expect(verdict(check).verdict, check).to.equal('INCONCLUSIVE');
      expect(verdict(check).observed, check).to.match(/^Not assessed: Needs the .* an imported capture has no phase/);
    }
    // The figures of a live run, hashed with the evidence.
    expect(report.figures?.map((f) => f.file)).to.deep.equal([
      'figures/source-ports.svg',
      'figures/txids.svg',
      'figures/query-timeline.svg',
      'figures/requery-vs-ttl.svg',
    ]);
    const hashed = new Set(report.evidenceFiles.map((e) => e.file));
    for (const figure of report.figures!) {
      expect(hashed.has(figure.file), figure.file).to.equal(true);
      expect(readFileSync(join(output.run!.dir, figure.file), 'utf8')).to.match(/^<svg/);
    }
    expect(report.figures!.find((f) => f.id === 'requery-vs-ttl')!.caption).to.match(/premature/);
    // Every row of the paper's Table II (reference/paper, Table II), per name where the paper asks.
    expect(Object.keys(output.tableII)).to.deep.equal([
      'dnsQueryRate',
      'interQueryInterval',
      'queriedDomainSet',
      'ipVersionUsage',
      'secureDnsSupport',
      'resourceRecordTypes',
      'ttlBehaviour',
      'messageSize',
      'ednsCapability',
      'queryNameLength',
      'temporalQueryPatterns',
      'sourcePortEntropy',
      'transactionIdEntropy',
    ]);
    const t = output.tableII;
    expect(t.dnsQueryRate.queries).to.equal(
      Number(references.find((r) => r['dataset'] === 'iot_sentinel/HueBridge')!['n_queries']),
    );
    expect(t.queriedDomainSet.distinctNames).to.equal(t.queriedDomainSet.names.length).and.be.above(3);
    const bridge = t.ttlBehaviour.requeryVsTtlPerName.find(
      (row) => row.name === 'bridge.meethue.com' && row.type === 'A',
    )!;
    expect(bridge.premature).to.be.above(100);
    expect(bridge.shortestRequerySeconds!).to.be.below(bridge.ttls.at(-1)!);
    expect(t.temporalQueryPatterns.periodicityPerName['bridge.meethue.com']!.periodSeconds).to.be.closeTo(2, 0.5);
    expect(Object.keys(t.temporalQueryPatterns.retransmissionsPerName).sort()).to.deep.equal(t.queriedDomainSet.names);
    expect(t.transactionIdEntropy.stdev).to.equal(output.txid.stdev);
    expect(t.sourcePortEntropy.class).to.equal(output.sourcePort.class);
  });
});
