/**
 * The canary sink inside a real run: `dnsconform run` with a lab profile listens on the
 * profile's canaries, and a connection from the DUT's address becomes a canary.contact in
 * the run's evidence; a canary the host does not have is bad input naming the profile entry.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';

const ROOT = join(import.meta.dirname, '..');
/** Loopback aliases private to this spec: the lab resolver, the DUT, the canary. */
const HARNESS = '127.0.57.101';
const DUT = '127.0.57.102';
const CANARY = '127.0.57.177';
/** Not configured on any test host. */
const ABSENT = '10.255.255.1';

function labProfile(dir: string, canaries: string[]): string {
  const file = join(dir, 'lab.yaml');
  writeFileSync(file, `profileVersion: 1
dut: { id: lab-dut, vendor: Test, model: Lab device, firmware: "1", addresses: [${DUT}] }
device: { kind: lab }
resolver:
  listen:
    - { transport: udp, address: ${HARNESS}, port: 0 }
zone:
  - { name: time.sim.example, type: A, ttl: 2, data: 127.0.57.201 }
canaries: [${canaries.join(', ')}]
canarySink: { tcp: [47020] }
observe: { windowSeconds: 4 }
`);
  return file;
}

/** Runs dnsconform; `whenObserving` runs once the canary sink is up and the first phase has begun. */
async function run(args: string[], whenObserving?: () => Promise<void>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'dnsconform.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let started = false;
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString();
    if (!started && whenObserving && output.includes('canary sink listening') && output.includes('phase 1/')) {
      started = true;
      void whenObserving();
    }
  });
  child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { code, output };
}

describe('canary sink in a run (end to end on loopback)', function () {
  this.timeout(60_000);
  let work: string;
  before(() => { work = mkdtempSync(join(tmpdir(), 'dnsconform-canary-')); });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('records a contact from the DUT on a port the profile added as evidence of the run', async () => {
    const out = join(work, 'ok');
    let contacted: Promise<void> = Promise.resolve();
    const { output } = await run(['run', '--profile', labProfile(work, [CANARY]), '--out', out, '--keys', join(work, 'keys')], async () => {
      contacted = new Promise((resolve, reject) => {
        const socket = connect({ host: CANARY, port: 47020, localAddress: DUT });
        socket.on('error', reject);
        socket.on('connect', () => socket.end('MQTT hello'));
        socket.on('close', () => resolve());
      });
      await contacted;
    });
    await contacted;
    expect(output).to.include(`canary sink listening on ${CANARY}`);
    const [runId] = readdirSync(out);
    const evidence = loadEvidence(join(out, runId!, 'events.ndjson'));
    const contacts = evidence.events.filter((e) => e.type === 'canary.contact');
    expect(contacts.map((c) => c.type === 'canary.contact' && [c.dut, c.canary.port, Buffer.from(c.payload, 'base64').toString(), c.phase])).to.deep.equal([['lab-dut', 47020, 'MQTT hello', 'baseline']]);
  });

  it('exits 2 naming the profile entry when a canary address is not on this host, keeping the evidence written', async () => {
    const out = join(work, 'bad');
    const file = labProfile(work, [CANARY, ABSENT]);
    const { code, output } = await run(['run', '--profile', file, '--out', out, '--keys', join(work, 'keys')]);
    expect(code, output).to.equal(2);
    expect(output).to.include(`${file}: /canaries/1: canary sink cannot listen on tcp ${ABSENT}:`);
    expect(output).to.include('EADDRNOTAVAIL');
    const [runId] = readdirSync(out);
    const lines = readFileSync(join(out, runId!, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; reason?: string });
    expect(lines.at(-1)).to.deep.include({ type: 'run.end' });
    expect(lines.at(-1)?.reason).to.match(/canaries\/1/);
  });
});
