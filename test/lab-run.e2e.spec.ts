/**
 * The lab path end to end: `dnsconform run` with a real-device profile starts nothing and
 * only listens; a device the harness does not control queries it; a stranger and garbage
 * arrive too; the operator presses Ctrl-C before the window ends. Evidence is kept, judged
 * and signed, and the stranger is refused and logged.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { buildQuery } from '../lib/dns/builders.ts';
import { encodeMessage } from '../lib/dns/codec.ts';
import { startSimulatedDevice } from '../lib/dut/simulated-device-process.ts';
import { claimLoopbackBlock } from '../lib/profile/loopback-block.ts';
import type { LoopbackBlock } from '../lib/profile/loopback-block.ts';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import type { SimulatedBehaviour } from '../lib/profile/profile-types.ts';
import type { Report } from '../lib/report/report-types.ts';

const ROOT = join(import.meta.dirname, '..');
/**
 * Loopback aliases private to this spec, in a /24 it claims (127.0.32.0/24 when free, so a
 * parallel run of this spec or a demo never collides): the lab resolver, the DUT, a stranger.
 */
let block: LoopbackBlock;
let HARNESS: string;
let DUT: string;
let STRANGER: string;

async function freePort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, HARNESS, () => r()));
  const { port } = socket.address();
  await new Promise<void>((r) => socket.close(() => r()));
  return port;
}

async function sendFrom(address: string, port: number, bytes: Buffer): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, address, () => r()));
  await new Promise<void>((r) => socket.send(bytes, port, HARNESS, () => r()));
  await new Promise((r) => setTimeout(r, 100));
  socket.close();
}

describe('run with a lab profile, interrupted by Ctrl-C (end to end on loopback)', function () {
  this.timeout(90_000);
  let work: string;
  /** The run under test, ended by `after` when an assertion failed while it observed. */
  let running: ChildProcess | undefined;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-lab-'));
    block = await claimLoopbackBlock('127.0.32.');
    [HARNESS, DUT, STRANGER] = [1, 2, 3].map((n) => `${block.prefix}${n}`) as [string, string, string];
  });
  after(async () => {
    // A failed assertion leaves the run observing its 600 s window: end it, or mocha waits on it.
    if (running && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((r) => running!.once('exit', r));
      running.kill('SIGINT');
      await exited;
    }
    await block?.release();
    rmSync(work, { recursive: true, force: true });
  });

  it('observes a device it did not start, refuses strangers, and keeps, judges and signs the evidence', async () => {
    const port = await freePort();
    const labProfile = join(work, 'lab.yaml');
    writeFileSync(
      labProfile,
      `profileVersion: 1
dut: { id: lab-dut, vendor: Test, model: Lab device, firmware: "1", addresses: [${DUT}] }
device: { kind: lab, instructions: Power-cycle the device now. }
resolver:
  listen:
    - { transport: udp, address: ${HARNESS}, port: ${port} }
    - { transport: tcp, address: ${HARNESS}, port: ${port} }
zone:
  - { name: time.sim.example, type: A, ttl: 2, data: ${block.prefix}201 }
  - { name: api.sim.example, type: A, ttl: 2, data: ${block.prefix}202 }
observe: { windowSeconds: 600 }
`,
    );
    const out = join(work, 'reports');
    const run = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'dnsconform.js'),
        'run',
        '--profile',
        labProfile,
        '--out',
        out,
        '--keys',
        join(work, 'keys'),
        '--no-documents',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    running = run;
    let output = '';
    run.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    run.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const exited = new Promise<number | null>((r) => run.once('exit', (code) => r(code)));
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (output.includes('observing for')) {
          clearInterval(poll);
          resolve();
        }
      }, 50);
      void exited.then(() => {
        clearInterval(poll);
        reject(new Error(`run ended early:\n${output}`));
      });
    });
    // The DUT's address as the profile above was written, in whichever block was claimed.
    expect(output).to.include(`lab-dut: lab device at ${DUT}; nothing started. Power-cycle the device now.`);

    const sim = parse(readFileSync(join(ROOT, 'profiles', 'sim-good.yaml'), 'utf8')) as {
      device: { behaviour: SimulatedBehaviour };
    };
    const device = await startSimulatedDevice({
      dutId: 'lab-dut',
      behaviour: {
        ...sim.device.behaviour,
        lookups: [
          { name: 'time.sim.example', type: 'A', everyMs: 200 },
          { name: 'api.sim.example', type: 'A', everyMs: 200 },
        ],
      },
      sourceAddress: DUT,
      resolver: { address: HARNESS, port },
      logFile: join(work, 'device.log'),
    });
    await sendFrom(STRANGER, port, encodeMessage(buildQuery({ id: 0x5151, name: 'time.sim.example', type: 'A' })));
    await sendFrom(DUT, port, Buffer.from('not a DNS message at all'));
    await new Promise((r) => setTimeout(r, 4500));
    run.kill('SIGINT');
    const code = await exited;
    await device.stop();

    expect(output).to.match(/interrupted: ending observation/);
    expect(code, output).to.equal(1);
    const [runId] = readdirSync(out);
    const dir = join(out, runId!);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    expect(report.device.kind).to.equal('lab');
    expect(report.resolver.endpoints).to.deep.include({ transport: 'udp', address: HARNESS, port });
    expect(report.observation.phases[0]?.endReason).to.equal('interrupted');
    // Too short for the randomness rules: INCONCLUSIVE with the numbers, never PASS.
    expect(report.results.find((r) => r.check === 'randomness/source-port-randomised')?.verdict).to.equal(
      'INCONCLUSIVE',
    );
    expect(report.overall.verdict).to.equal('INCOMPLETE');

    const evidence = loadEvidence(join(dir, 'events.ndjson'));
    expect(evidence.queries('lab-dut').length).to.be.at.least(4);
    const stranger = evidence.exchanges().find((x) => x.query.client.address === STRANGER);
    expect(stranger?.query.dut).to.equal(null);
    expect(stranger?.response?.flags.rcode).to.equal('REFUSED');
    const malformed = evidence.events.filter((e) => e.type === 'dns.malformed');
    expect(malformed).to.have.length(1);
    expect(malformed[0]).to.include({ dut: 'lab-dut', answered: true });
    expect(evidence.events.at(-1)).to.include({ type: 'run.end', reason: 'interrupted' });

    const verify = spawn(process.execPath, [join(ROOT, 'bin', 'dnsconform.js'), 'verify', dir], { stdio: 'ignore' });
    expect(await new Promise((r) => verify.once('exit', r))).to.equal(0);
  });
});
