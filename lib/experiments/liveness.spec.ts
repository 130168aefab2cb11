import { expect } from 'chai';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { MemorySink } from '../resolver/resolver-test-kit.ts';
import { LivenessMonitor, probeIcmp, probeQueries, probeTcp } from './liveness.ts';

const HOST = '127.0.51.1';
const SECOND = 1_000_000;

function listen(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.end());
    server.listen(0, HOST, () => resolve(server));
  });
}

describe('experiments/liveness', () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = await listen();
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('tcp: alive when the port accepts, dead (refused) once it is closed', async () => {
    const alive = await probeTcp(HOST, port, 1000);
    expect(alive.alive).to.equal(true);
    expect(alive.latencyMs).to.be.a('number');
    const closed = await listen();
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const dead = await probeTcp(HOST, closedPort, 1000);
    expect(dead).to.deep.equal({ alive: false, latencyMs: null, detail: 'connection failed: ECONNREFUSED' });
  });

  it('icmp: loopback answers an echo', async () => {
    const sample = await probeIcmp('127.0.0.1', 1000);
    expect(sample.alive, sample.detail ?? '').to.equal(true);
  });

  it('queries: alive within the silence allowed, dead after it, counting from the start before any query', () => {
    const start = 1_000 * SECOND;
    expect(probeQueries(start + 5 * SECOND, start, 10, start + 14 * SECOND).alive).to.equal(true);
    expect(probeQueries(start + 5 * SECOND, start, 10, start + 16 * SECOND)).to.include({
      alive: false,
      detail: 'silent for 11 s',
    });
    expect(probeQueries(null, start, 10, start + 12 * SECOND)).to.include({
      alive: false,
      detail: 'no query at all in 12 s',
    });
  });

  it('a monitor samples every probe each interval, records the samples as evidence, and stops cleanly', async () => {
    const sink = new MemorySink();
    const monitor = new LivenessMonitor(
      {
        intervalSeconds: 0.2,
        probes: [
          { probe: 'tcp', port, timeoutMs: 500 },
          { probe: 'queries', silentSeconds: 60 },
        ],
      },
      { dutId: 'dut-a', address: HOST, lastQueryAt: () => null },
      sink,
    );
    monitor.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await monitor.stop();
    const samples = sink.ofType('liveness.probe');
    const tcp = samples.filter((s) => s.probe === 'tcp');
    expect(tcp.length).to.be.within(2, 4);
    expect(tcp.every((s) => s.alive && s.target === `${HOST}:${port}` && s.dut === 'dut-a')).to.equal(true);
    expect(samples.filter((s) => s.probe === 'queries').every((s) => s.alive && s.target === 'dut-a')).to.equal(true);
    const after = sink.events.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.events.length).to.equal(after);
  });
});
