/**
 * A lab profile whose resolver address and port another program holds (issue 13 point 5):
 * `dnsconform run` says so before anything starts, in one line naming the profile entry and
 * the holder (from `ss`), exits 2, and leaves no run directory. The holder here is this test
 * process, on a loopback /24 it claims for itself (so a parallel test or demo cannot collide).
 */
import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimLoopbackBlock } from '../lib/profile/loopback-block.ts';
import type { LoopbackBlock } from '../lib/profile/loopback-block.ts';
import { runCli } from './cli-process-test-kit.ts';

function holdUdp(address: string): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => socket.bind(0, address, () => resolve(socket)));
}

function holdTcp(address: string, port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => resolve(server));
  });
}

describe('run with a lab profile whose resolver port is taken (end to end on loopback)', function () {
  // Waits on two short `dnsconform run` processes that stop before observing (a few seconds each).
  this.timeout(120_000);
  let work: string;
  let block: LoopbackBlock;
  let harness: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'dnsconform-listen-taken-'));
    block = await claimLoopbackBlock(null);
    harness = `${block.prefix}1`;
  });
  after(async () => {
    await block?.release();
    rmSync(work, { recursive: true, force: true });
  });

  function labProfile(port: number): string {
    const file = join(work, 'lab.yaml');
    writeFileSync(
      file,
      `profileVersion: 1
dut: { id: lab-dut, vendor: Test, model: Lab device, firmware: "1", addresses: [${block.prefix}2] }
device: { kind: lab }
resolver:
  listen:
    - { transport: udp, address: ${harness}, port: ${port} }
    - { transport: tcp, address: ${harness}, port: ${port} }
zone:
  - { name: time.sim.example, type: A, ttl: 2, data: ${block.prefix}201 }
observe: { windowSeconds: 5 }
`,
    );
    return file;
  }

  async function runOn(file: string, out: string) {
    const run = await runCli(['run', '--profile', file, '--out', out, '--keys', join(work, 'keys'), '--no-documents']);
    return { ...run, output: `${run.stdout}${run.stderr}` };
  }

  it('names the UDP entry and this process as the holder, exits 2, and makes no run directory', async () => {
    const held = await holdUdp(harness);
    const { port } = held.address();
    try {
      const file = labProfile(port);
      const out = join(work, 'udp');
      const run = await runOn(file, out);
      expect(run.code, run.output).to.equal(2);
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.match(
        new RegExp(
          `^dnsconform: ${file}: /resolver/listen/0: cannot listen on ${harness}:${port} \\(EADDRINUSE\\): another program already listens there: \\S+ \\(pid ${process.pid}\\)$`,
          'm',
        ),
      );
      expect(run.output).to.not.match(/resolver listening|run did not start/);
      expect(existsSync(out) ? readdirSync(out) : [], 'run directories').to.deep.equal([]);
    } finally {
      held.close();
    }
  });

  it('names the TCP entry when only the TCP port is taken', async () => {
    // A UDP port free at this moment, then its TCP twin held.
    const probe = await holdUdp(harness);
    const { port } = probe.address();
    probe.close();
    const held = await holdTcp(harness, port);
    try {
      const file = labProfile(port);
      const out = join(work, 'tcp');
      const run = await runOn(file, out);
      expect(run.code, run.output).to.equal(2);
      expect(run.stderr).to.include(
        `${file}: /resolver/listen/1: cannot listen on ${harness}:${port} (EADDRINUSE): another program already listens there:`,
      );
      expect(run.stderr).to.include(`(pid ${process.pid})`);
      expect(existsSync(out) ? readdirSync(out) : [], 'run directories').to.deep.equal([]);
    } finally {
      held.close();
    }
  });
});
