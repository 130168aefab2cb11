import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedDevice } from './simulated-device-process.ts';
import type { SimulatedDeviceHandle } from './simulated-device-process.ts';
import { aResponse, DEVICE_ADDRESS, RESOLVER_ADDRESS, TestResolver, testBehaviour } from './stub-test-kit.ts';

describe('dut/simulated-device-process (a real child process on loopback)', () => {
  let resolver: TestResolver;
  let dir: string;

  beforeEach(async () => {
    resolver = new TestResolver();
    await resolver.start();
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-device-'));
  });
  afterEach(async () => {
    await resolver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs from any directory, honours TTLs, and stops cleanly on SIGTERM with its log written', async () => {
    resolver.answer = (q, reply) => reply(aResponse(q, '127.0.31.9', { ttl: 1 }));
    const logFile = join(dir, 'device.log');
    const cwd = process.cwd();
    process.chdir(dir);
    let handle: SimulatedDeviceHandle;
    try {
      handle = await startSimulatedDevice({
        dutId: 'spec',
        behaviour: testBehaviour(),
        sourceAddress: DEVICE_ADDRESS,
        resolver: { address: RESOLVER_ADDRESS, port: resolver.port },
        logFile,
      });
    } finally {
      process.chdir(cwd);
    }
    expect(handle.pid).to.be.above(0);
    await new Promise((r) => setTimeout(r, 1600));
    const exit = await handle.stop();
    expect(exit).to.deep.equal({ exitCode: 0, signal: null });
    expect(await handle.exited).to.deep.equal(exit);
    // Needed every 100 ms, valid for 1 s: about two queries in 1.6 s, the rest from the cache.
    expect(resolver.seen.length).to.be.within(2, 3);
    const lines = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; t: number });
    const events = lines.map((l) => l.event);
    expect(events[0]).to.equal('start');
    expect(events.filter((e) => e === 'query')).to.have.length(resolver.seen.length);
    expect(events).to.include('cache-hit');
    expect(events.at(-1)).to.equal('stop');
    expect(lines.every((l) => Number.isFinite(l.t))).to.equal(true);
  });

  it("rejects with the child's stderr when the device cannot start", async () => {
    const start = startSimulatedDevice({
      dutId: 'broken',
      behaviour: testBehaviour(),
      sourceAddress: DEVICE_ADDRESS,
      resolver: { address: RESOLVER_ADDRESS, port: resolver.port },
      // A directory cannot be appended to, so the first log line fails.
      logFile: dir,
    });
    let failure: unknown;
    await start.catch((error: unknown) => {
      failure = error;
    });
    expect(failure).to.be.instanceOf(Error);
    expect((failure as Error).message).to.match(/simulated device broken exited before it was ready[\s\S]*EISDIR/);
  });
});
