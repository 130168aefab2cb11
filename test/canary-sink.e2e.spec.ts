/**
 * The canary sink inside a real run: `dnsconform run` with a lab profile listens on the
 * profile's canaries, and a connection from the DUT's address becomes a canary.contact in
 * the run's evidence (by the sink on its ports, from the capture on any other); a canary the host does not have is bad input naming the profile entry.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import { claimLoopbackBlock } from '../lib/profile/loopback-block.ts';
import type { LoopbackBlock } from '../lib/profile/loopback-block.ts';

const ROOT = join(import.meta.dirname, '..');
/**
 * Loopback aliases private to this spec, in a /24 it claims (127.0.57.0/24 when free, so a
 * parallel run of this spec never collides on the sink's fixed ports): the lab resolver, the DUT, the canary.
 */
let block: LoopbackBlock;
let HARNESS: string;
let DUT: string;
let CANARY: string;
/** Not configured on any test host. */
const ABSENT = '10.255.255.1';

function labProfile(dir: string, canaries: string[]): string {
  const file = join(dir, 'lab.yaml');
  writeFileSync(
    file,
    `profileVersion: 1
dut: { id: lab-dut, vendor: Test, model: Lab device, firmware: "1", addresses: [${DUT}] }
device: { kind: lab }
resolver:
  listen:
    - { transport: udp, address: ${HARNESS}, port: 0 }
zone:
  - { name: time.sim.example, type: A, ttl: 2, data: ${block.prefix}201 }
canaries: [${canaries.join(', ')}]
canarySink: { tcp: [47020] }
observe: { windowSeconds: 4 }
`,
  );
  return file;
}

/** Runs dnsconform; `whenObserving` runs once the canary sink is up and the first phase has begun. */
async function run(
  args: string[],
  whenObserving?: () => Promise<void>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'dnsconform.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let started = false;
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString();
    if (!started && whenObserving && output.includes('canary sink listening') && output.includes('phase 1/')) {
      started = true;
      void whenObserving();
    }
  });
  child.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { code, output };
}

describe('canary sink in a run (end to end on loopback)', function () {
  // Waits on short runs (a 4 s window each): 40 s at load 45; the limit only bounds a hang.
  this.timeout(240_000);
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-canary-'));
    block = await claimLoopbackBlock('127.0.57.');
    [HARNESS, DUT, CANARY] = [101, 102, 177].map((n) => `${block.prefix}${n}`) as [string, string, string];
  });
  after(async () => {
    await block?.release();
    if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });
  });

  it('records contacts from the DUT: on a sink port by the sink, on any other port from the capture', async () => {
    const out = join(work, 'ok');
    let contacted: Promise<void> = Promise.resolve();
    const { output } = await run(
      ['run', '--profile', labProfile(work, [CANARY]), '--out', out, '--keys', join(work, 'keys'), '--no-documents'],
      async () => {
        contacted = (async () => {
          await new Promise<void>((resolve, reject) => {
            const socket = connect({ host: CANARY, port: 47020, localAddress: DUT });
            socket.on('error', reject);
            socket.on('connect', () => socket.end('MQTT hello'));
            socket.on('close', () => resolve());
          });
          // Ports nothing listens on: a refused TCP connection and a UDP datagram.
          await new Promise<void>((resolve) => {
            const socket = connect({ host: CANARY, port: 47555, localAddress: DUT });
            socket.on('error', () => resolve());
            socket.on('connect', () => {
              socket.destroy();
              resolve();
            });
          });
          await new Promise<void>((resolve, reject) => {
            const socket = createSocket('udp4');
            socket.bind(0, DUT, () =>
              socket.send('coap?', 47999, CANARY, (error) => {
                socket.close();
                if (error) reject(error);
                else resolve();
              }),
            );
          });
        })();
        await contacted;
      },
    );
    await contacted;
    expect(output).to.include(`canary sink listening on ${CANARY}`);
    const [runId] = readdirSync(out);
    const evidence = loadEvidence(join(out, runId!, 'events.ndjson'));
    const contacts = evidence.events.filter((e) => e.type === 'canary.contact');
    const seen = contacts.map(
      (c) =>
        c.type === 'canary.contact' && [
          c.source,
          c.transport,
          c.dut,
          c.canary.port,
          Buffer.from(c.payload, 'base64').toString(),
          c.phase,
        ],
    );
    expect(seen).to.deep.equal([
      ['sink', 'tcp', 'lab-dut', 47020, 'MQTT hello', 'baseline'],
      ['capture', 'udp', 'lab-dut', 47999, 'coap?', 'baseline'],
      // A connection that never sent anything comes last, when the capture ends.
      ['capture', 'tcp', 'lab-dut', 47555, '', 'baseline'],
    ]);
  });

  it('exits 2 naming the profile entry when a canary address is not on this host, keeping the evidence written', async () => {
    const out = join(work, 'bad');
    const file = labProfile(work, [CANARY, ABSENT]);
    const { code, output } = await run([
      'run',
      '--profile',
      file,
      '--out',
      out,
      '--keys',
      join(work, 'keys'),
      '--no-documents',
    ]);
    expect(code, output).to.equal(2);
    expect(output).to.include(`${file}: /canaries/1: canary sink cannot listen on tcp ${ABSENT}:`);
    expect(output).to.include('EADDRNOTAVAIL');
    const [runId] = readdirSync(out);
    const lines = readFileSync(join(out, runId!, 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; reason?: string });
    expect(lines.at(-1)).to.deep.include({ type: 'run.end' });
    expect(lines.at(-1)?.reason).to.match(/canaries\/1/);
  });
});
