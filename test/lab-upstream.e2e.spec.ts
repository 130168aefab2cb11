/**
 * Two lab devices in one run, their unknown names answered by a real upstream resolver
 * (Debian's dnsmasq serving a local zone on loopback), recorded; then a re-test of one of
 * them replaying the recorded answers with the upstream gone. `dnsconform run --profile A
 * --profile B` starts nothing: two simulated devices play the lab devices from outside.
 * Each run ends with Ctrl-C once its evidence shows what the spec awaits, so the test
 * waits on events, not on windows.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { decodeMessage, encodeMessage } from '../lib/dns/codec.ts';
import { buildQuery } from '../lib/dns/builders.ts';
import { startSimulatedDevice } from '../lib/dut/simulated-device-process.ts';
import type { SimulatedDeviceHandle } from '../lib/dut/simulated-device-process.ts';
import { parseEvents } from '../lib/evidence/load-evidence.ts';
import type { EvidenceEvent, ResponseEvent, UpstreamAnswerEvent } from '../lib/evidence/events.ts';
import type { SimulatedBehaviour } from '../lib/profile/profile-types.ts';
import { REPORT_SIGNATURE_FILE } from '../lib/report/bundle-files.ts';
import type { Report } from '../lib/report/report-types.ts';
import { claimLoopbackBlock } from '../lib/profile/loopback-block.ts';
import type { LoopbackBlock } from '../lib/profile/loopback-block.ts';
import { runCli } from './cli-process-test-kit.ts';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'dnsconform.js');
/**
 * Loopback aliases private to this spec, in a /24 it claims (127.0.67.0/24 when free, so a
 * parallel run of this spec or a demo never collides): the harness, two lab devices, the
 * lab's upstream, a canary, and what the upstream's local zone says.
 */
let block: LoopbackBlock;
let HARNESS: string;
let DEVICE_A: string;
let DEVICE_B: string;
let UPSTREAM: string;
let CANARY: string;
let UPSTREAM_ADDRESS: string;

async function freePort(address: string): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, address, () => r()));
  const { port } = socket.address();
  await new Promise<void>((r) => socket.close(() => r()));
  return port;
}

/** Resolves when `probe` says yes, polling every `everyMs`; rejects saying what was awaited when `give` ends first. */
function waitFor(
  what: string,
  probe: () => boolean | Promise<boolean>,
  gaveUp: Promise<string>,
  everyMs = 100,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const poll = async () => {
      if (done) return;
      if (await probe()) {
        done = true;
        resolve();
        return;
      }
      setTimeout(() => void poll(), everyMs);
    };
    void gaveUp.then((why) => {
      if (!done) {
        done = true;
        reject(new Error(`${what}: ${why}`));
      }
    });
    void poll();
  });
}

/** A real upstream: dnsmasq answering `*.up.example` from its own local data (NXDOMAIN for other names there), nothing else. */
async function startDnsmasq(port: number, logFile: string): Promise<ChildProcess> {
  const dnsmasq = spawn(
    'dnsmasq',
    [
      '--keep-in-foreground',
      `--port=${port}`,
      `--listen-address=${UPSTREAM}`,
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      '--conf-file=/dev/null',
      '--pid-file=',
      '--user=root',
      '--local=/up.example/',
      '--local-ttl=60',
      `--host-record=www.up.example,${UPSTREAM_ADDRESS}`,
      '--log-queries',
      `--log-facility=${logFile}`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<string>((r) =>
    dnsmasq.once('exit', (code) => r(`dnsmasq exited (${code}); see ${logFile}`)),
  );
  // Ready when it answers a query.
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  let answered = false;
  socket.on('message', (bytes) => {
    answered ||= decodeMessage(bytes).ok;
  });
  await waitFor(
    'dnsmasq answering',
    () => {
      if (!answered)
        socket.send(encodeMessage(buildQuery({ id: 1, name: 'www.up.example', type: 'A' })), port, UPSTREAM);
      return answered;
    },
    exited,
    200,
  );
  socket.close();
  return dnsmasq;
}

function labProfile(id: string, address: string, port: number, upstreamPort: number, scenario: string[]): string {
  return `profileVersion: 1
dut: { id: ${id}, vendor: Test, model: Lab device ${id}, firmware: "1", addresses: [${address}] }
device: { kind: lab, instructions: Plug ${id} in. }
resolver:
  listen:
    - { transport: udp, address: ${HARNESS}, port: ${port} }
    - { transport: tcp, address: ${HARNESS}, port: ${port} }
  upstream: ${UPSTREAM}:${upstreamPort}
zone:
  - { name: time.sim.example, type: A, ttl: 2, data: ${block.prefix}201 }
scenario: [${scenario.join(', ')}]
canaries: [${CANARY}]
observe: { windowSeconds: 600 }
`;
}

/** A `dnsconform run` in its own process, with its output and evidence at hand. */
class RunProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;
  readonly ended: Promise<string>;

  constructor(
    args: string[],
    readonly out: string,
  ) {
    this.child = spawn(process.execPath, [CLI, 'run', ...args, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c: Buffer) => {
      this.output += c.toString();
    });
    this.child.stderr!.on('data', (c: Buffer) => {
      this.output += c.toString();
    });
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
    this.ended = this.exited.then((code) => `the run ended (exit ${code}) first:\n${this.output}`);
  }

  observing(): Promise<void> {
    return waitFor('the run observing', () => this.output.includes('observing for'), this.ended);
  }

  /** The events of the DUT's run directory so far (the log is appended line by line). */
  events(dutId: string): EvidenceEvent[] {
    const dir = existsSync(this.out) ? readdirSync(this.out).find((d) => d.endsWith(`-${dutId}`)) : undefined;
    if (!dir || !existsSync(join(this.out, dir, 'events.ndjson'))) return [];
    const text = readFileSync(join(this.out, dir, 'events.ndjson'), 'utf8');
    return parseEvents(text.slice(0, text.lastIndexOf('\n') + 1), 'events.ndjson');
  }

  runDir(dutId: string): string {
    return join(this.out, readdirSync(this.out).find((d) => d.endsWith(`-${dutId}`))!);
  }

  async interrupt(): Promise<number | null> {
    this.child.kill('SIGINT');
    return this.exited;
  }
}

const upstreamAnswers = (events: EvidenceEvent[]) =>
  events.filter((e): e is UpstreamAnswerEvent => e.type === 'upstream.answer');
const responses = (events: EvidenceEvent[]) => events.filter((e): e is ResponseEvent => e.type === 'dns.response');

describe('lab devices with a real upstream, recorded and replayed (end to end on loopback)', function () {
  // Two runs under load: each waits on its evidence, this only bounds a hang.
  this.timeout(240_000);
  let work: string;
  let dnsmasq: ChildProcess | null = null;
  const devices: SimulatedDeviceHandle[] = [];
  const runs: RunProcess[] = [];

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-upstream-'));
    block = await claimLoopbackBlock('127.0.67.');
    [HARNESS, DEVICE_A, DEVICE_B, UPSTREAM, CANARY, UPSTREAM_ADDRESS] = [1, 2, 3, 53, 77, 100].map(
      (n) => `${block.prefix}${n}`,
    ) as [string, string, string, string, string, string];
  });
  after(async () => {
    for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
    await Promise.all(devices.map((d) => d.stop()));
    dnsmasq?.kill('SIGTERM');
    await block?.release();
    rmSync(work, { recursive: true, force: true });
  });

  it('certifies two devices in one run with one report each, records upstream answers, forges them in a forged phase, and replays them without upstream', async () => {
    const port = await freePort(HARNESS);
    const upstreamPort = await freePort(UPSTREAM);
    dnsmasq = await startDnsmasq(upstreamPort, join(work, 'dnsmasq.log'));
    writeFileSync(join(work, 'a.yaml'), labProfile('lab-a', DEVICE_A, port, upstreamPort, []));
    writeFileSync(join(work, 'b.yaml'), labProfile('lab-b', DEVICE_B, port, upstreamPort, [`forgeA(${CANARY})`]));
    const keys = ['--keys', join(work, 'keys'), '--checks', 'randomness'];
    const sim = parse(readFileSync(join(ROOT, 'profiles', 'sim-good.yaml'), 'utf8')) as {
      device: { behaviour: SimulatedBehaviour };
    };
    // No cache: every lookup reaches the harness, so upstream is asked each time.
    const { encryption: _ddr, ...plain } = sim.device.behaviour;
    const behaviour: SimulatedBehaviour = {
      ...plain,
      ttl: { mode: 'ignore' },
      lookups: [
        { name: 'time.sim.example', type: 'A', everyMs: 150 },
        { name: 'www.up.example', type: 'A', everyMs: 150 },
        { name: 'gone.up.example', type: 'A', everyMs: 150 },
      ],
    };
    const device = (dutId: string, address: string) =>
      startSimulatedDevice({
        dutId,
        behaviour,
        sourceAddress: address,
        resolver: { address: HARNESS, port },
        logFile: join(work, `${dutId}-${devices.length}.log`),
      });

    // 1. Both devices in one run, upstream asked.
    const first = new RunProcess(
      ['--profile', join(work, 'a.yaml'), '--profile', join(work, 'b.yaml'), ...keys],
      join(work, 'first'),
    );
    runs.push(first);
    await first.observing();
    // The upstream as the profile was written, in whichever block was claimed.
    expect(first.output).to.include(
      `lab-a: names outside the zone asked of upstream ${UPSTREAM}:${upstreamPort}, every answer recorded`,
    );
    devices.push(await device('lab-a', DEVICE_A), await device('lab-b', DEVICE_B));
    const answered = (dut: string) => {
      const names = new Set(upstreamAnswers(first.events(dut)).map((e) => e.question.name));
      return (
        names.has('www.up.example') &&
        names.has('gone.up.example') &&
        responses(first.events(dut)).some((r) => r.answerSource === 'zone')
      );
    };
    await waitFor(
      'both devices answered from zone and upstream',
      () => answered('lab-a') && answered('lab-b'),
      first.ended,
    );
    await Promise.all(devices.splice(0).map((d) => d.stop()));
    expect(await first.interrupt(), first.output).to.equal(1);

    const recordedA = upstreamAnswers(first.events('lab-a'));
    const www = recordedA.find((e) => e.question.name === 'www.up.example')!;
    expect(www).to.deep.include({
      source: 'upstream',
      upstream: { address: UPSTREAM, port: upstreamPort },
      rcode: 'NOERROR',
      failure: null,
    });
    expect(www.answers).to.deep.equal([
      { name: 'www.up.example', type: 'A', class: 'IN', ttl: 60, data: UPSTREAM_ADDRESS },
    ]);
    expect(recordedA.find((e) => e.question.name === 'gone.up.example')).to.include({
      rcode: 'NXDOMAIN',
      failure: null,
    });
    // Each device's evidence holds its own exchanges only: told apart by address.
    expect(
      first
        .events('lab-a')
        .filter((e) => e.type === 'dns.query')
        .every((q) => q.dut === 'lab-a'),
    ).to.equal(true);
    const sentToA = responses(first.events('lab-a')).filter(
      (r) => r.answerSource === 'upstream' && r.questions[0]?.name === 'www.up.example',
    );
    expect(sentToA.length).to.be.at.least(1);
    expect(sentToA.every((r) => r.answers[0]?.data === UPSTREAM_ADDRESS && r.manipulations.length === 0)).to.equal(
      true,
    );
    // The forged phase of lab-b changes upstream answers as it changes zone answers.
    const sentToB = responses(first.events('lab-b')).filter(
      (r) => r.answerSource === 'upstream' && r.questions[0]?.name === 'www.up.example',
    );
    expect(sentToB.length).to.be.at.least(1);
    expect(
      sentToB.every(
        (r) => r.answers.length === 1 && r.answers[0]!.data === CANARY && r.manipulations.includes(`forgeA(${CANARY})`),
      ),
    ).to.equal(true);
    expect(
      upstreamAnswers(first.events('lab-b')).find((e) => e.question.name === 'www.up.example')?.answers[0]?.data,
      'the evidence keeps the genuine answer',
    ).to.equal(UPSTREAM_ADDRESS);

    const reports = ['lab-a', 'lab-b'].map(
      (id) => JSON.parse(readFileSync(join(first.runDir(id), 'report.json'), 'utf8')) as Report,
    );
    expect(reports.map((r) => r.dut.id)).to.deep.equal(['lab-a', 'lab-b']);
    // A --checks run judged a subset: it says so, is never CONFORMANT, and re-judges exactly the checks it selected.
    for (const report of reports) {
      expect(report.scope).to.deep.include({ checks: 'randomness', selected: 2, complete: false });
      expect(report.overall.verdict).to.not.equal('CONFORMANT');
    }
    const rejudged = await runCli(['verify', '--rejudge', first.runDir('lab-a')]);
    expect(rejudged.code, rejudged.stdout + rejudged.stderr).to.equal(0);
    expect(rejudged.stdout)
      .to.match(/^re-judged 2 checks selected by --checks randomness/m)
      .and.match(/no differences/);
    for (const id of ['lab-a', 'lab-b'])
      expect(existsSync(join(first.runDir(id), REPORT_SIGNATURE_FILE)), `${id} signed`).to.equal(true);
    const sources = reports[0]!.answerSources!;
    expect(sources.responses.zone).to.be.at.least(1);
    expect(sources.responses.upstream).to.be.at.least(2);
    expect(sources.responses.replay).to.equal(0);
    expect(sources.upstream).to.deep.equal([`${UPSTREAM}:${upstreamPort}`]);
    expect(sources.names.find((n) => n.name === 'www.up.example')).to.deep.include({
      type: 'A',
      source: 'upstream',
      failures: 0,
      rcodes: ['NOERROR'],
      records: [`A ${UPSTREAM_ADDRESS}`],
    });
    const html = readFileSync(join(first.runDir('lab-a'), 'report.html'), 'utf8');
    expect(html).to.include('Where the answers came from').and.include('www.up.example');

    // A recorded run that no longer verifies is not replayed.
    const tampered = join(work, 'tampered');
    cpSync(first.runDir('lab-a'), tampered, { recursive: true });
    appendFileSync(join(tampered, 'events.ndjson'), '\n');
    const refused = await runCli([
      'run',
      '--profile',
      join(work, 'a.yaml'),
      '--replay-zone',
      tampered,
      '--out',
      join(work, 'refused'),
      ...keys,
    ]);
    expect(refused.code, refused.stderr).to.equal(2);
    expect(refused.stderr).to.match(
      /--replay-zone .*tampered: the run does not verify, so its answers are not replayed: events\.ndjson: /,
    );

    // 2. The upstream is gone; a re-test of lab-a replays what it recorded.
    dnsmasq.kill('SIGTERM');
    await new Promise((r) => dnsmasq!.once('exit', r));
    dnsmasq = null;
    const second = new RunProcess(
      ['--profile', join(work, 'a.yaml'), '--replay-zone', first.runDir('lab-a'), ...keys],
      join(work, 'second'),
    );
    runs.push(second);
    await second.observing();
    expect(second.output).to.match(
      /lab-a: names outside the zone answered from run \S+-lab-a \(\d+ recorded questions; upstream is not asked\)/,
    );
    devices.push(await device('lab-a', DEVICE_A));
    await waitFor(
      'lab-a answered from the replay',
      () => new Set(upstreamAnswers(second.events('lab-a')).map((e) => e.question.name)).size >= 2,
      second.ended,
    );
    await Promise.all(devices.splice(0).map((d) => d.stop()));
    expect(await second.interrupt(), second.output).to.equal(1);

    const replayed = upstreamAnswers(second.events('lab-a'));
    expect(
      replayed.every((e) => e.source === 'replay' && e.replayOf === reports[0]!.runId && e.upstream === null),
    ).to.equal(true);
    expect(replayed.find((e) => e.question.name === 'www.up.example')).to.deep.include({
      rcode: 'NOERROR',
      failure: null,
    });
    expect(replayed.find((e) => e.question.name === 'gone.up.example')).to.deep.include({
      rcode: 'NXDOMAIN',
      failure: null,
    });
    const served = responses(second.events('lab-a')).filter(
      (r) => r.answerSource === 'replay' && r.questions[0]?.name === 'www.up.example',
    );
    expect(served.length).to.be.at.least(1);
    expect(served.every((r) => r.answers[0]?.data === UPSTREAM_ADDRESS && r.answers[0]?.ttl === 60)).to.equal(true);
    const again = JSON.parse(readFileSync(join(second.runDir('lab-a'), 'report.json'), 'utf8')) as Report;
    expect(again.answerSources).to.deep.include({ replayOf: [reports[0]!.runId], upstream: [] });
    expect(again.answerSources!.responses.upstream).to.equal(0);
  });
});
