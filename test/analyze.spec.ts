/**
 * `dnsconform analyze` end to end, as a real process, on captures written here: the run
 * directory (evidence with encrypted-DNS contacts, analysis.json naming each capture by
 * path and SHA-256, a signed report that `verify` accepts), the passive checks judged and
 * the others not assessed (INCONCLUSIVE), `--json` valid against its schema, and bad input (missing
 * file, bad --device, a capture cut short) as exit code 2 naming what and where.
 * The captures are only written and read: no packet is ever sent.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateAnalyzeOutput } from '../lib/analysis/analyze-output.ts';
import type { AnalyzeOutput } from '../lib/analysis/analyze-output.ts';
import { encodePcap } from '../lib/capture/capture-writer.ts';
import type { PacketRecord } from '../lib/capture/capture-writer.ts';
import { clientHello, DEVICE_MAC, query, tcpFrame, udpFrame } from '../lib/capture/fixtures/dns-capture.ts';
import type { SegmentEndpoints } from '../lib/capture/frame-builder.ts';
import { LINKTYPE } from '../lib/capture/link-layers.ts';
import { TCP_FLAG } from '../lib/capture/transport.ts';
import { buildResponse } from '../lib/dns/builders.ts';
import { encodeMessage } from '../lib/dns/codec.ts';
import { hashFile } from '../lib/evidence/manifest.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import type { Report } from '../lib/report/report-types.ts';
import { runCli } from './cli-process-test-kit.ts';
import type { CliRun } from './cli-process-test-kit.ts';

/** Addresses written into the capture files only (loopback); the public ones are there to be recognised, never contacted. */
const DEVICE = '127.0.78.10';
const ASSIGNED = '127.0.78.1';
const T0 = 1_767_225_600_000_000;
const SECOND = 1_000_000;

const to = (dst: string, srcPort: number, dstPort = 53): SegmentEndpoints => ({ src: DEVICE, dst, srcPort, dstPort });
const from = (src: string, dstPort: number): SegmentEndpoints => ({ src, dst: DEVICE, srcPort: 53, dstPort });

function answer(id: number, name: string): Buffer {
  return encodeMessage(
    buildResponse({
      id,
      questions: [{ name, type: 'A', class: 'IN' }],
      rcode: 'NOERROR',
      bits: { rd: true, ra: true },
      answers: [{ name, type: 'A', class: 'IN', ttl: 300, data: '127.0.78.200' }],
    }),
  );
}

/** A device that asks its assigned resolver, Google's public one, and opens DoT to 1.1.1.1 and DoH to dns.google. */
function deviceTraffic(): PacketRecord[] {
  const records: PacketRecord[] = [];
  for (let i = 0; i < 12; i += 1) {
    const t = T0 + i * 5 * SECOND;
    const server = i % 4 === 3 ? '8.8.8.8' : ASSIGNED;
    const port = 20000 + i * 977;
    records.push(udpFrame(t, 'device', to(server, port), query(1000 + i * 4099, `n${i}.analyze.example`)));
    records.push(
      udpFrame(t + 20_000, 'resolver', from(server, port), answer(1000 + i * 4099, `n${i}.analyze.example`)),
    );
  }
  records.push(tcpFrame(T0 + 7 * SECOND, true, to('1.1.1.1', 41000, 853), 100, Buffer.alloc(0), TCP_FLAG.SYN));
  records.push(
    tcpFrame(T0 + 7 * SECOND + 30_000, true, to('1.1.1.1', 41000, 853), 101, clientHello('one.one.one.one', ['dot'])),
  );
  records.push(tcpFrame(T0 + 9 * SECOND, true, to('8.8.4.4', 41001, 443), 500, clientHello('dns.google', ['h2'])));
  return records.sort((a, b) => a.timestamp - b.timestamp);
}

describe('dnsconform analyze', () => {
  // Each test runs the CLI (Chromium prints its PDF): 43–71 s each at load 20–30, past the
  // 60 s this once allowed. Mocha's 180 s default is the hang guard.
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let capture: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-analyze-'));
    env = { DNSCONFORM_KEY_DIR: join(dir, 'keys') };
    capture = join(dir, 'device.pcap');
    writeFileSync(capture, encodePcap({ linkType: LINKTYPE.ETHERNET }, deviceTraffic()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const output = (run: CliRun): AnalyzeOutput => {
    const lines = run.stdout.trim().split('\n');
    expect(lines, 'stdout holds one JSON object').to.have.length(1);
    return validateAnalyzeOutput(JSON.parse(lines[0]!));
  };

  it('writes a signed run directory, judges the passive checks and prints schema-valid metrics', async () => {
    const run = await runCli(
      [
        'analyze',
        capture,
        '--device',
        DEVICE_MAC,
        '--resolver',
        ASSIGNED,
        '--out',
        join(dir, 'runs'),
        '--json',
        '--timings',
      ],
      env,
    );
    expect(run.code, run.stderr).to.equal(1);
    const out = output(run);
    // --timings: every stage, in the order the command ran them, each ended no earlier than the one before.
    const timings = /^dnsconform: timings: (.*)$/m.exec(run.stderr);
    expect(timings, run.stderr).to.not.equal(null);
    const stages = timings![1]!.split(' · ').map((part) => /^(.+) ([\d.]+) s \(([\d.]+)\)$/.exec(part)!);
    expect(stages.map((m) => m[1])).to.deep.equal([
      'read',
      'events written',
      'captures hashed',
      'judged',
      'figures',
      'report.json',
      'report.html',
      'printed',
      'signed',
      'sealed',
      'output',
    ]);
    const ends = stages.map((m) => Number(m[3]));
    expect(ends).to.deep.equal([...ends].sort((a, b) => a - b));
    expect(out).to.deep.include({ queries: 12, partial: false, assignedResolvers: [ASSIGNED] });
    expect(out.device).to.deep.equal({
      id: 'capture-02-00-00-00-00-01',
      mac: DEVICE_MAC,
      ip: null,
      addresses: [DEVICE],
    });
    expect(out.resolvers).to.deep.equal({ [ASSIGNED]: 9, '8.8.8.8': 3 });
    expect(out.hardcodedResolvers).to.deep.equal(['1.1.1.1', '8.8.4.4', '8.8.8.8']);
    expect(out.encryptedDns.map((e) => [e.protocol, e.server, e.port, e.sni])).to.deep.equal([
      ['dot', '1.1.1.1', 853, 'one.one.one.one'],
      ['doh', '8.8.4.4', 443, 'dns.google'],
    ]);
    expect(out.sourcePort).to.deep.include({ n: 12, distinct: 12, topShare: 1 / 12 });

    const runDir = out.run!.dir;
    // The capture is referenced, not copied.
    expect(readdirSync(runDir).sort()).to.deep.equal([
      'analysis.json',
      'attestation.intoto.json',
      'events.ndjson',
      'figures',
      'manifest.json',
      'manifest.json.sig',
      'report.html',
      'report.json',
      'report.json.sig',
      'report.pdf',
      'signer.pub.pem',
    ]);
    const analysis = JSON.parse(readFileSync(join(runDir, 'analysis.json'), 'utf8')) as {
      captures: { file: string; sha256: string; bytes: number }[];
    };
    expect(analysis.captures.map((c) => ({ file: c.file, sha256: c.sha256, bytes: c.bytes }))).to.deep.equal([
      { file: capture, ...hashFile(capture) },
    ]);
    const events = loadEvidence(join(runDir, 'events.ndjson')).events;
    expect(events.map((e) => e.seq)).to.deep.equal(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === 'dns.encrypted-contact').map((e) => e.t)).to.deep.equal([
      T0 + 7 * SECOND,
      T0 + 9 * SECOND,
    ]);
    for (const e of events) if (e.type === 'dns.response') expect(events[e.queryRef - 1]?.type).to.equal('dns.query');

    const report = JSON.parse(readFileSync(out.run!.report, 'utf8')) as Report;
    const verdicts = Object.fromEntries(report.results.map((r) => [r.check, r.verdict]));
    expect(verdicts).to.deep.include({
      'resolver-use/assigned-resolver-only': 'FAIL',
      'encryption/encrypted-dns': 'PASS',
      'caching/ttl-honoured': 'INCONCLUSIVE',
    });
    // A capture decides TTL compliance from its answers: here too few had a re-query or a minute after them.
    expect(report.results.find((r) => r.check === 'caching/ttl-honoured')!.observed).to.match(
      /12 answers over 12 names \(0 judged\).*the rule needs at least 10 judged answers/,
    );
    expect(report.results.find((r) => r.check === 'validation/spoofed-answers-rejected')!.observed).to.match(
      /^Not assessed: Needs the spoof-race experiment/,
    );
    expect(report.figures?.map((f) => f.id)).to.deep.equal([
      'source-ports',
      'txids',
      'query-timeline',
      'requery-vs-ttl',
    ]);
    expect(report.results.find((r) => r.check === 'resolver-use/assigned-resolver-only')!.observed).to.contain(
      '8.8.8.8 (Google Public DNS): 3 queries on port 53',
    );
    expect(report.profile.file).to.equal('analysis.json');
    expect(report.resolver.endpoints).to.deep.equal([]);
    const verify = await runCli(['verify', runDir], env);
    expect(verify.code, verify.stdout + verify.stderr).to.equal(0);

    // Every FAIL and INCONCLUSIVE carries its reproduction line; the FAIL's, run as written, judges that one check again: FAIL.
    for (const r of report.results)
      expect(Boolean(r.reproduce), r.check).to.equal(r.verdict === 'FAIL' || r.verdict === 'INCONCLUSIVE');
    const line = report.results.find((r) => r.check === 'resolver-use/assigned-resolver-only')!.reproduce!;
    expect(line).to.equal(
      `dnsconform analyze ${capture} --device ${DEVICE_MAC} --resolver ${ASSIGNED} --checks resolver-use/assigned-resolver-only`,
    );
    const again = await runCli([...line.split(' ').slice(1), '--out', join(dir, 'reproduced')], env);
    expect(again.code, again.stderr).to.equal(1);
    const [reproduced] = readdirSync(join(dir, 'reproduced'));
    const second = JSON.parse(readFileSync(join(dir, 'reproduced', reproduced!, 'report.json'), 'utf8')) as Report;
    expect(second.results.map((r) => [r.check, r.verdict])).to.deep.equal([
      ['resolver-use/assigned-resolver-only', 'FAIL'],
    ]);
    expect(second.scope).to.deep.include({
      checks: 'resolver-use/assigned-resolver-only',
      selected: 1,
      judged: 1,
      complete: false,
    });
  });

  it('without --resolver, calls only the public resolvers and DoH endpoints hard-coded', async () => {
    const bare = await runCli(
      ['analyze', capture, '--device', DEVICE_MAC, '--out', join(dir, 'runs'), '--json', '--no-documents'],
      env,
    );
    expect(bare.stderr, 'no timings unless asked').to.not.match(/timings:/);
    const out = output(bare);
    expect(out.assignedResolvers).to.deep.equal([]);
    expect(out.hardcodedResolvers).to.deep.equal(['1.1.1.1', '8.8.4.4', '8.8.8.8']);
    expect(out.publicResolvers).to.deep.equal({
      '1.1.1.1': 'Cloudflare',
      '8.8.4.4': 'Google Public DNS',
      '8.8.8.8': 'Google Public DNS',
    });
    // A passive analysis judges a subset: stated, never CONFORMANT, and re-judged as it was judged (no resolver endpoint in its profile).
    const report = JSON.parse(readFileSync(out.run!.report, 'utf8')) as Report;
    expect(report.scope).to.deep.include({ mode: 'analyze', complete: false });
    expect(report.scope!.statement).to.match(
      /^\d+ of \d+ checks judged: \d+ not assessed \(an imported capture judges the passive checks only\)/,
    );
    expect(report.overall.verdict).to.not.equal('CONFORMANT');
    const rejudged = await runCli(['verify', '--rejudge', out.run!.dir], env);
    expect(rejudged.code, rejudged.stdout + rejudged.stderr).to.equal(0);
    expect(rejudged.stdout)
      .to.match(/as an imported capture/)
      .and.match(/no differences: every verdict re-judged from the evidence equals the signed one/);
    // --no-documents sealed the run without its renderings; `report --out` prints them from the signed JSON.
    expect(['report.html', 'report.pdf'].filter((f) => existsSync(join(out.run!.dir, f)))).to.deep.equal([]);
    const documents = join(dir, 'documents-later');
    const printed = await runCli(['report', out.run!.dir, '--out', documents], env);
    expect(printed.code, printed.stdout + printed.stderr).to.equal(0);
    expect(readdirSync(documents).sort()).to.deep.equal(['report.html', 'report.pdf']);
  });

  it("pools captures in time order, and names a resolver from the lab's own public list as hard-coded", async () => {
    const second = join(dir, 'second.pcap');
    const isp = '127.0.78.53';
    writeFileSync(
      second,
      encodePcap(
        { linkType: LINKTYPE.ETHERNET },
        [0, 1, 2].map((i) =>
          udpFrame(T0 + (2.5 + 10 * i) * SECOND, 'device', to(isp, 30000 + i), query(7 + i, `isp${i}.analyze.example`)),
        ),
      ),
    );
    const list = join(dir, 'public.txt');
    writeFileSync(list, `# resolvers of the lab's upstream\n${isp}   Lab ISP DNS\n`);
    const run = await runCli(
      [
        'analyze',
        capture,
        second,
        '--device',
        DEVICE_MAC,
        '--public-resolvers',
        list,
        '--out',
        join(dir, 'runs'),
        '--json',
        '--no-documents',
      ],
      env,
    );
    const out = output(run);
    expect(out.queries).to.equal(15);
    expect(out.resolvers).to.deep.equal({ [ASSIGNED]: 9, '8.8.8.8': 3, [isp]: 3 });
    expect(out.hardcodedResolvers).to.deep.equal(['1.1.1.1', isp, '8.8.4.4', '8.8.8.8']);
    expect(out.publicResolvers[isp]).to.equal('Lab ISP DNS');
    const events = loadEvidence(join(out.run!.dir, 'events.ndjson')).events;
    expect(events.map((e) => e.t)).to.deep.equal([...events.map((e) => e.t)].sort((a, b) => a - b));
    const files = new Set(
      events.flatMap((e) =>
        'capture' in e && typeof e.capture === 'object' && e.capture !== null
          ? [(e.capture as { file: string }).file]
          : [],
      ),
    );
    expect([...files].sort()).to.deep.equal([capture, second].sort());
    const report = JSON.parse(readFileSync(out.run!.report, 'utf8')) as Report;
    expect(report.results.find((r) => r.check === 'resolver-use/assigned-resolver-only')!.observed).to.contain(
      `${isp} (Lab ISP DNS): 3 queries on port 53`,
    );

    writeFileSync(list, `${isp} Lab ISP DNS\nnot-an-address Someone\n`);
    const bad = await runCli(
      ['analyze', capture, '--device', DEVICE_MAC, '--public-resolvers', list, '--out', join(dir, 'runs')],
      env,
    );
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain(`${list}: line 2: "not-an-address" is not an IP address`);
  });

  it('on a capture cut short: names the file and byte offset, keeps and judges what was read, marks it partial, exit code 2', async () => {
    const whole = readFileSync(capture);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const run = await runCli(['analyze', cut, '--device', DEVICE_MAC, '--out', join(dir, 'cut-runs'), '--json'], env);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.match(new RegExp(`${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: byte offset \\d+`));
    expect(run.stderr).to.contain('partial');
    const out = output(run);
    expect(out.partial).to.equal(true);
    expect(out.captures[0]!.error!.offset).to.be.within(24, whole.length / 2);
    expect(out.queries).to.be.within(1, 11);
    const report = JSON.parse(readFileSync(out.run!.report, 'utf8')) as Report;
    expect(report.observation.phases[0]!.endReason).to.match(/partial: .*cut\.pcap: byte offset \d+/);
    expect(loadEvidence(join(out.run!.dir, 'events.ndjson')).queries()).to.have.length(out.queries);
  });

  it('refuses a missing capture, a --device that is neither MAC nor IP, or none, exit code 2, writing nothing', async () => {
    const missing = join(dir, 'no-such.pcap');
    const absent = await runCli(['analyze', missing, '--device', DEVICE_MAC, '--out', join(dir, 'bad-runs')], env);
    expect(absent.code).to.equal(2);
    expect(absent.stderr).to.contain(`${missing}: cannot read the capture (ENOENT)`);
    const badDevice = await runCli(
      ['analyze', capture, '--device', 'kitchen-plug', '--out', join(dir, 'bad-runs')],
      env,
    );
    expect(badDevice.code).to.equal(2);
    expect(badDevice.stderr).to.contain('--device: "kitchen-plug" is neither a MAC address nor an IP address');
    const noDevice = await runCli(['analyze', capture, '--out', join(dir, 'bad-runs')], env);
    expect(noDevice.code).to.equal(2);
    expect(noDevice.stderr).to.contain("required option '--device <mac|ip>' not specified");
    expect(existsSync(join(dir, 'bad-runs'))).to.equal(false);
  });

  it('refuses a MAC that sent no DNS query (its address is unknown), exit code 2, leaving no run directory behind', async () => {
    const run = await runCli(
      ['analyze', capture, '--device', '02:00:00:00:00:99', '--out', join(dir, 'silent-runs', 'nested')],
      env,
    );
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain('the captures hold no DNS query from 02:00:00:00:00:99');
    expect(existsSync(join(dir, 'silent-runs')), 'the directories it made for the run are gone again').to.equal(false);
  });
});
