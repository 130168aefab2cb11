/**
 * Liveness probes: sampled through every phase so that "the device stopped working under
 * amplification" is a row of evidence events, not an impression (Recommendation #9).
 * Three kinds, as the profile declares: the DUT keeps querying; a TCP port of the DUT
 * accepts a connection; the DUT answers an ICMP echo (via the system `ping`, since raw
 * ICMP sockets need privileges Node does not expose).
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { nowMicros } from '../evidence/clock.ts';
import type { EvidenceSink } from '../evidence/event-log.ts';
import type { Microseconds } from '../evidence/events.ts';
import type { LivenessProbeSpec, LivenessSpec } from '../profile/profile-types.ts';

/** One probe's finding. */
export interface ProbeSample {
  alive: boolean;
  latencyMs: number | null;
  detail: string | null;
}

/** What the monitor needs to know about the DUT. */
export interface LivenessTarget {
  dutId: string;
  /** The DUT's first address: the default probe target. */
  address: string;
  /** When the DUT last sent a DNS query (for the `queries` probe). */
  lastQueryAt: () => Microseconds | null;
}

/** Whether a TCP connection to `address:port` is accepted within `timeoutMs`. */
export function probeTcp(address: string, port: number, timeoutMs: number): Promise<ProbeSample> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const finish = (sample: ProbeSample) => {
      socket.destroy();
      resolve(sample);
    };
    socket.setTimeout(timeoutMs, () =>
      finish({ alive: false, latencyMs: null, detail: `no connection within ${timeoutMs} ms` }),
    );
    socket.once('connect', () => finish({ alive: true, latencyMs: round(performance.now() - started), detail: null }));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      finish({ alive: false, latencyMs: null, detail: `connection failed: ${error.code ?? error.message}` }),
    );
  });
}

/** Whether `address` answers one ICMP echo within `timeoutMs` (system `ping`, IPv4 or IPv6). */
export function probeIcmp(address: string, timeoutMs: number): Promise<ProbeSample> {
  const waitSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const family = address.includes(':') ? '-6' : '-4';
  return new Promise((resolve) => {
    execFile(
      'ping',
      [family, '-n', '-c', '1', '-W', String(waitSeconds), address],
      { timeout: timeoutMs + 2000 },
      (error, stdout) => {
        const rtt = /time[=<]([\d.]+)\s*ms/.exec(stdout);
        if (!error && rtt) return resolve({ alive: true, latencyMs: Number(rtt[1]), detail: null });
        const code = (error as NodeJS.ErrnoException | null)?.code;
        resolve({
          alive: false,
          latencyMs: null,
          detail: code === 'ENOENT' ? 'ping is not installed' : `no echo reply within ${waitSeconds} s`,
        });
      },
    );
  });
}

/** Whether the DUT queried within the last `silentSeconds` (counting from `since` before its first query). */
export function probeQueries(
  lastQueryAt: Microseconds | null,
  since: Microseconds,
  silentSeconds: number,
  now = nowMicros(),
): ProbeSample {
  const silentMs = (now - (lastQueryAt ?? since)) / 1000;
  if (silentMs <= silentSeconds * 1000) return { alive: true, latencyMs: round(silentMs), detail: null };
  return {
    alive: false,
    latencyMs: null,
    detail:
      lastQueryAt === null
        ? `no query at all in ${round(silentMs / 1000)} s`
        : `silent for ${round(silentMs / 1000)} s`,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The target a probe names in its events. */
function targetOf(probe: LivenessProbeSpec, target: LivenessTarget): string {
  if (probe.probe === 'queries') return target.dutId;
  const address = probe.address ?? target.address;
  return probe.probe === 'tcp' ? `${address.includes(':') ? `[${address}]` : address}:${probe.port}` : address;
}

/**
 * Samples every probe of one DUT each interval and records each sample as a
 * `liveness.probe` event. One sample per probe is in flight at a time, so a hung DUT
 * cannot pile up connections.
 */
export class LivenessMonitor {
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  /** Indexes of probes with a sample in flight. */
  private readonly busy = new Set<number>();
  private readonly startedAt = nowMicros();

  constructor(
    private readonly spec: LivenessSpec,
    private readonly target: LivenessTarget,
    private readonly sink: EvidenceSink,
  ) {}

  start(): void {
    if (this.timer) return;
    this.sampleAll();
    this.timer = setInterval(() => this.sampleAll(), this.spec.intervalSeconds * 1000);
  }

  /** Stops sampling and waits for samples in flight, so their events land before the log closes. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.inFlight);
  }

  private sampleAll(): void {
    this.spec.probes.forEach((probe, index) => {
      if (this.busy.has(index)) return;
      this.busy.add(index);
      const run = this.sample(probe)
        .then((sample) =>
          this.sink.record({
            type: 'liveness.probe',
            t: nowMicros(),
            dut: this.target.dutId,
            probe: probe.probe,
            target: targetOf(probe, this.target),
            ...sample,
          }),
        )
        .finally(() => {
          this.busy.delete(index);
          this.inFlight.delete(run);
        });
      this.inFlight.add(run);
    });
  }

  private sample(probe: LivenessProbeSpec): Promise<ProbeSample> {
    switch (probe.probe) {
      case 'queries':
        return Promise.resolve(probeQueries(this.target.lastQueryAt(), this.startedAt, probe.silentSeconds));
      case 'tcp':
        return probeTcp(probe.address ?? this.target.address, probe.port, probe.timeoutMs);
      case 'icmp':
        return probeIcmp(probe.address ?? this.target.address, probe.timeoutMs);
    }
  }
}
