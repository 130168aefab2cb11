/**
 * The orchestrator's lab path end to end: a plan whose phases power-cycle the DUT by the
 * profile's command and ask the operator at a prompt (answered on standard input), with
 * liveness probes sampled through every phase. A failing power-cycle command, or nobody to
 * answer the prompt, stops the run with exit 2 after judging and signing what it has.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEvidence } from '../lib/evidence/load-evidence.ts';
import { claimLoopbackBlock } from '../lib/profile/loopback-block.ts';
import type { LoopbackBlock } from '../lib/profile/loopback-block.ts';
import type { Report } from '../lib/report/report-types.ts';

const ROOT = join(import.meta.dirname, '..');
/**
 * Loopback aliases private to this spec, in a /24 it claims (127.0.52.0/24 when free, so a
 * parallel run of this spec or a demo never collides): the lab resolver and the DUT's "service".
 */
let block: LoopbackBlock;
let HARNESS: string;
let DUT: string;

interface CliRun {
  code: number | null;
  output: string;
}

/** Runs the CLI; `answer` writes Enter each time a prompt appears (or closes stdin at the first). */
function cli(args: string[], answer: 'enter' | 'close'): Promise<CliRun> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'dnsconform.js'), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let prompts = 0;
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    const seen = output.split('>>> ').length - 1;
    while (prompts < seen) {
      prompts++;
      if (answer === 'enter') child.stdin.write('\n');
      else child.stdin.end();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

function listen(host: string): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.end());
    server.listen(0, host, () => resolve(server));
  });
}

describe('orchestrator: power-cycle command, operator prompt, liveness (lab profile, end to end)', function () {
  // Waits on short lab runs (1 s phases, a power-cycle command, prompts): about 50 s at load 45; the limit only bounds a hang.
  this.timeout(240_000);
  let work: string;
  let service: Server;
  let servicePort: number;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-orch-'));
    block = await claimLoopbackBlock('127.0.52.');
    [HARNESS, DUT] = [`${block.prefix}1`, `${block.prefix}2`];
    service = await listen(DUT);
    servicePort = (service.address() as AddressInfo).port;
  });
  after(async () => {
    service.close();
    await block?.release();
    rmSync(work, { recursive: true, force: true });
  });

  /** A lab profile; without a command the operator power-cycles the device. */
  function profile(name: string, command: string | null): string {
    const file = join(work, `${name}.yaml`);
    writeFileSync(
      file,
      `profileVersion: 1
dut: { id: ${name}, vendor: Test, model: Lab device, addresses: [${DUT}] }
device:
  kind: lab
${command === null ? '' : `  powerCycle: { command: ${JSON.stringify(command)}, timeoutSeconds: 5 }\n`}resolver:
  listen:
    - { transport: udp, address: ${HARNESS}, port: 0 }
zone:
  - { name: time.sim.example, type: A, ttl: 2, data: ${block.prefix}201 }
liveness:
  intervalSeconds: 0.5
  probes:
    - { probe: tcp, port: ${servicePort}, timeoutMs: 500 }
    - { probe: queries, silentSeconds: 60 }
`,
    );
    return file;
  }

  function plan(): string {
    const file = join(work, 'plan.yaml');
    writeFileSync(
      file,
      `description: Orchestrator test plan.
select: all
phases:
  - { experiment: baseline, windowSeconds: 1.5 }
  - { trigger: power-cycle, experiment: ttl-zero, windowSeconds: 1.5 }
  - { trigger: operator, prompt: "unplug the Ethernet cable", experiment: resolver-silent, windowSeconds: 1.5 }
`,
    );
    return file;
  }

  /** `dnsconform run` of the plan for one lab profile into `out`, answering its prompts (or not). */
  function runPlan(profileFile: string, out: string, answer: 'enter' | 'close'): Promise<CliRun> {
    return cli(
      ['run', '--profile', profileFile, '--plan', plan(), '--out', out, '--keys', join(work, 'keys'), '--no-documents'],
      answer,
    );
  }

  function runDirOf(out: string): string {
    const [dir] = readdirSync(out);
    return join(out, dir!);
  }

  it('runs the power-cycle command, asks the operator, samples liveness, and records all of it', async () => {
    const marker = join(work, 'cycled');
    const out = join(work, 'ok');
    const run = await runPlan(profile('lab-ok', `echo cycled >> ${marker}`), out, 'enter');
    expect(run.output).to.include('>>> lab-ok: unplug the Ethernet cable, then press Enter');
    expect(run.code, run.output).to.equal(1); // no queries: INCOMPLETE, never CONFORMANT
    expect(readFileSync(marker, 'utf8')).to.equal('cycled\n');

    const evidence = loadEvidence(join(runDirOf(out), 'events.ndjson'));
    const triggers = evidence.ofType('trigger');
    // The command power-cycles the device between the phases; the operator's prompt is the phase's own.
    expect(triggers.map((t) => [t.trigger, t.phase, t.exitCode])).to.deep.equal([
      ['power-cycle', null, 0],
      ['operator', 'resolver-silent', null],
    ]);
    // Cycled before ttl-zero starts, after baseline ended: no instance holding baseline's cache meets ttl-zero.
    const edge = (type: 'phase.start' | 'phase.end', name: string) =>
      evidence.ofType(type).find((e) => e.name === name)!;
    const cycle = triggers[0]!;
    expect(cycle.seq).to.be.greaterThan(edge('phase.end', 'baseline').seq);
    expect(cycle.seq).to.be.lessThan(edge('phase.start', 'ttl-zero').seq);
    expect(cycle.t).to.be.at.most(edge('phase.start', 'ttl-zero').t);
    const samples = evidence.events.filter((e) => e.type === 'liveness.probe');
    const tcp = samples.filter((s) => s.probe === 'tcp');
    expect(tcp.length).to.be.greaterThan(4);
    expect(tcp.every((s) => s.alive && s.target === `${DUT}:${servicePort}`)).to.equal(true);
    expect(new Set(samples.map((s) => s.phase))).to.include.members(['baseline', 'ttl-zero', 'resolver-silent']);
  });

  it('asks the operator to power-cycle a device without a command once its phase started, and records a power-cycle', async () => {
    const out = join(work, 'by-hand');
    const run = await runPlan(profile('lab-hand', null), out, 'enter');
    expect(run.output).to.include(`>>> lab-hand: power-cycle lab-hand (${DUT}) now, then press Enter`);
    expect(run.code, run.output).to.equal(1);
    const evidence = loadEvidence(join(runDirOf(out), 'events.ndjson'));
    // A power-cycle, so the TTL checks see the restart; in the phase, as the harness cannot tell when it was powered on.
    expect(evidence.ofType('trigger').map((t) => [t.trigger, t.phase, t.exitCode])).to.deep.equal([
      ['power-cycle', 'ttl-zero', null],
      ['operator', 'resolver-silent', null],
    ]);
  });

  it('a failing power-cycle command stops the run with exit 2, naming the profile pointer, and keeps signed evidence', async () => {
    const out = join(work, 'fail');
    const run = await runPlan(profile('lab-fail', 'echo relay stuck >&2; exit 3'), out, 'enter');
    expect(run.code, run.output).to.equal(2);
    expect(run.output).to.match(/lab-fail\.yaml: \/device\/powerCycle\/command: .* exited with 3: relay stuck/);
    const dir = runDirOf(out);
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
    // The command runs before ttl-zero would start: that phase never ran, and the report says why.
    expect(report.observation.phases.map((p) => p.name)).to.deep.equal(['baseline']);
    expect(report.observation.notRun?.map((p) => p.name)).to.deep.equal(['ttl-zero']);
    expect(report.observation.notRun![0]!.reason).to.match(/^the run stopped: .*exited with 3: relay stuck/);
    expect(existsSync(join(dir, 'report.json.sig'))).to.equal(true);
    const trigger = loadEvidence(join(dir, 'events.ndjson')).events.find((e) => e.type === 'trigger');
    expect(trigger).to.include({ trigger: 'power-cycle', exitCode: 3 });
  });

  it('a prompt nobody can answer (standard input closed) stops the run with exit 2', async () => {
    const out = join(work, 'absent');
    const run = await runPlan(profile('lab-absent', 'true'), out, 'close');
    expect(run.code, run.output).to.equal(2);
    expect(run.output).to.include(
      'no answer to "lab-absent: unplug the Ethernet cable, then press Enter": standard input closed',
    );
    expect(existsSync(join(runDirOf(out), 'report.json'))).to.equal(true);
  });
});
