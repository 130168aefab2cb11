/**
 * The capture subprocess's life cycle against stand-in tools (shell scripts that talk like
 * dumpcap), so every way it can go is exercised without privileges: the real dumpcap runs
 * in test/live-capture.e2e.spec.ts.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLiveCapture } from './live-capture.ts';
import type { LiveCaptureStart } from './live-capture.ts';

describe('capture/live-capture: the capture subprocess', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-live-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A stand-in capture tool: `body` is shell, with its arguments in "$@". */
  function tool(body: string): string {
    const path = join(dir, 'fake-dumpcap');
    writeFileSync(path, `#!/bin/sh\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /** Resolves once process `pid` is gone (exited and reaped). */
  async function gone(pid: number): Promise<void> {
    for (;;) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  const start = (toolPath: string): Promise<LiveCaptureStart> =>
    startLiveCapture({
      file: join(dir, 'capture.pcapng'),
      interface: 'lo',
      hosts: ['127.0.64.2', '127.0.64.77'],
      tool: toolPath,
    });

  it('stops the tool when the harness is killed with SIGKILL (no exit handler runs), with SIGINT so the file is finished', async () => {
    const pidFile = join(dir, 'tool.pid');
    const stopped = join(dir, 'stopped-by');
    const toolPath = tool(`echo $$ > ${pidFile}
trap 'echo INT > ${stopped}; exit 0' INT
echo "Capturing on 'Loopback: lo'" >&2
while :; do sleep 0.05; done`);
    const script = `import { startLiveCapture } from ${JSON.stringify(join(import.meta.dirname, 'live-capture.ts'))};
const started = await startLiveCapture({ file: ${JSON.stringify(join(dir, 'capture.pcapng'))}, interface: 'lo', hosts: ['127.0.64.2'], tool: ${JSON.stringify(toolPath)} });
process.stdout.write(started.ok ? 'capturing\\n' : started.reason);
setInterval(() => undefined, 1000);`;
    const harness = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      harness.stdout!.on('data', (chunk: Buffer) =>
        chunk.toString().includes('capturing') ? resolve() : reject(new Error(chunk.toString())),
      );
      harness.once('exit', (code) => reject(new Error(`harness exited ${code} before capturing`)));
    });
    const toolPid = Number(readFileSync(pidFile, 'utf8'));
    harness.kill('SIGKILL');
    await gone(toolPid);
    expect(readFileSync(stopped, 'utf8').trim()).to.equal('INT');
  });

  it('hands the tool the interface, the host filter and the file, and stops it with SIGINT, reading its counts', async () => {
    const args = join(dir, 'args');
    const started = await start(
      tool(`printf '%s\\n' "$@" > ${args}
trap 'echo "Packets captured: 7" >&2; echo "Packets received/dropped on interface '"'"'lo'"'"': 7/2 (pcap:0)" >&2; exit 0' INT
echo "Capturing on 'Loopback: lo'" >&2
while :; do sleep 0.05; done`),
    );
    if (!started.ok) throw new Error(started.reason);
    const summary = await started.capture.stop();
    expect(summary).to.deep.equal({ packets: 7, dropped: 2, exitCode: 0, signal: null, problem: null });
    expect(readFileSync(args, 'utf8').trim().split('\n')).to.deep.equal([
      '-n',
      '-s',
      '0',
      '-i',
      'lo',
      '-f',
      'host 127.0.64.2 or host 127.0.64.77',
      '-w',
      join(dir, 'capture.pcapng'),
    ]);
    expect(await started.capture.stop(), 'stopping twice is one stop').to.deep.equal(summary);
  });

  it('keeps one exit listener for any number of running captures, and none once they stop', async () => {
    const before = process.listenerCount('exit');
    // One tool file for all three: rewriting it while another capture starts it races.
    const fake = tool(`trap 'exit 0' INT
echo "Capturing on 'Loopback: lo'" >&2
while :; do sleep 0.05; done`);
    const captures = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        startLiveCapture({ file: join(dir, `${name}.pcapng`), interface: 'lo', hosts: ['127.0.64.2'], tool: fake }),
      ),
    );
    expect(process.listenerCount('exit')).to.equal(before + 1);
    for (const started of captures) {
      if (!started.ok) throw new Error(started.reason);
      await started.capture.stop();
    }
    expect(process.listenerCount('exit')).to.equal(before);
  });

  it('says why when the tool is missing', async () => {
    const started = await start(join(dir, 'no-such-tool'));
    expect(started).to.deep.include({ ok: false, reason: `capture tool ${join(dir, 'no-such-tool')} not found` });
  });

  it("passes on the tool's own words when it cannot capture (no privilege, no interface)", async () => {
    const started = await start(
      tool(`echo "dumpcap: You don't have permission to capture on that device" >&2; exit 1`),
    );
    expect(started.ok).to.equal(false);
    expect((started as { reason: string }).reason).to.match(
      /exited \(code 1\) before capturing: dumpcap: You don't have permission to capture on that device$/,
    );
  });

  it('reports a capture that ended by itself during the run as a problem', async () => {
    const started = await start(
      tool(
        `echo "Capturing on 'lo'" >&2; while [ ! -e ${dir}/go ]; do sleep 0.02; done; echo "dumpcap: The network adapter went away" >&2; exit 2`,
      ),
    );
    if (!started.ok) throw new Error(started.reason);
    writeFileSync(join(dir, 'go'), '');
    await gone(started.capture.pid);
    const summary = await started.capture.stop();
    expect(summary.exitCode).to.equal(2);
    expect(summary.problem).to.match(/ended during the run \(code 2\): .*The network adapter went away/);
  });

  it('reports a tool that did not stop cleanly when asked', async () => {
    const started = await start(
      tool(
        `trap '' INT; echo "Capturing on 'lo'" >&2; while [ ! -e ${dir}/go ]; do sleep 0.02; done; echo "dumpcap: write error" >&2; exit 2`,
      ),
    );
    if (!started.ok) throw new Error(started.reason);
    const stopping = started.capture.stop();
    writeFileSync(join(dir, 'go'), '');
    expect((await stopping).problem).to.match(/ended uncleanly \(code 2\): dumpcap: write error/);
  });

  it('refuses to overwrite an existing capture file', () => {
    writeFileSync(join(dir, 'capture.pcapng'), 'evidence');
    expect(() => start(tool('exit 0'))).to.throw(/capture file already exists/);
  });
});
