/**
 * The device program's service port and what a datagram over its receive buffer (or, for a
 * service that needs DNS, failing lookups) does to it, in a real child process: the probe
 * the harness's liveness monitor uses sees the difference.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecodedMessage } from '../dns/codec.ts';
import { probeTcp } from '../experiments/liveness.ts';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import { startSimulatedDevice } from './simulated-device-process.ts';
import type { SimulatedDeviceHandle } from './simulated-device-process.ts';
import { aResponse, rcodeResponse, TestResolver, testBehaviour } from './stub-test-kit.ts';

/** Loopback aliases private to this spec. */
const RESOLVER = '127.0.63.30';
const DEVICE = '127.0.63.31';
const SERVICE_PORT = 47_181;

describe('dut/simulated-device service and receive-buffer overflow (a real child process)', () => {
  let resolver: TestResolver;
  let dir: string;
  let handle: SimulatedDeviceHandle | undefined;

  beforeEach(async () => {
    resolver = new TestResolver(RESOLVER);
    await resolver.start();
    dir = mkdtempSync(join(tmpdir(), 'dnsconform-overflow-'));
    // Small answers first; from the third query on, 60 A records (over 512 octets).
    resolver.answer = (q: DecodedMessage, reply) =>
      reply(aResponse(q, '127.0.63.5', { ttl: 0, answers: resolver.seen.length > 2 ? 60 : 1 }));
  });
  afterEach(async () => {
    await handle?.stop();
    handle = undefined;
    await resolver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(overrides: Partial<SimulatedBehaviour>): Promise<SimulatedDeviceHandle> {
    handle = await startSimulatedDevice({
      dutId: 'overflow-spec',
      behaviour: testBehaviour({ service: { port: SERVICE_PORT }, receiveBufferBytes: 512, ...overrides }),
      sourceAddress: DEVICE,
      resolver: { address: RESOLVER, port: resolver.port },
      logFile: join(dir, 'device.log'),
    });
    return handle;
  }
  const large = () => resolver.seen.length > 3;
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 100 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 50));
  };

  it('drop: the service keeps answering after oversize datagrams', async () => {
    await start({ onOverflow: 'drop' });
    expect((await probeTcp(DEVICE, SERVICE_PORT, 500)).alive).to.equal(true);
    await until(large);
    await new Promise((r) => setTimeout(r, 300));
    expect((await probeTcp(DEVICE, SERVICE_PORT, 500)).alive).to.equal(true);
  });

  it('hang: the service stops answering, while DNS goes on', async () => {
    await start({ onOverflow: 'hang' });
    expect((await probeTcp(DEVICE, SERVICE_PORT, 500)).alive).to.equal(true);
    await until(large);
    await new Promise((r) => setTimeout(r, 300));
    const probe = await probeTcp(DEVICE, SERVICE_PORT, 500);
    expect(probe).to.deep.include({ alive: false, detail: 'connection failed: ECONNREFUSED' });
    const before = resolver.seen.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(resolver.seen.length).to.be.greaterThan(before);
  });

  it('needsDns: the service stops while lookups fail and answers again once they work', async () => {
    let failing = false;
    resolver.answer = (q: DecodedMessage, reply) =>
      reply(failing ? rcodeResponse(q, 'SERVFAIL') : aResponse(q, '127.0.63.5', { ttl: 0 }));
    await start({ service: { port: SERVICE_PORT, needsDns: true } });
    expect((await probeTcp(DEVICE, SERVICE_PORT, 500)).alive).to.equal(true);
    failing = true;
    await new Promise((r) => setTimeout(r, 600));
    expect(await probeTcp(DEVICE, SERVICE_PORT, 500)).to.deep.include({
      alive: false,
      detail: 'connection failed: ECONNREFUSED',
    });
    failing = false;
    await new Promise((r) => setTimeout(r, 600));
    expect((await probeTcp(DEVICE, SERVICE_PORT, 500)).alive).to.equal(true);
  });

  it('exit: the process ends with code 70', async () => {
    const device = await start({ onOverflow: 'exit' });
    expect(await device.exited).to.deep.equal({ exitCode: 70, signal: null });
    expect((await probeTcp(DEVICE, SERVICE_PORT, 500)).alive).to.equal(false);
  });
});
