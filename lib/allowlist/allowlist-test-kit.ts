/**
 * A device's evidence for allow-list specs: in a baseline phase it resolves
 * `time.sim.example` (A), `api.sim.example` (a CNAME to `edge.cdn.example`, then A and
 * AAAA) and asks `gone.sim.example` (NXDOMAIN); in a forged-CNAME phase it follows a forged
 * answer to `lure.canary.example`, which must not be allowed.
 */
import { Evidence } from '../evidence/evidence.ts';
import { FIXTURE_DUT, FixtureRun } from '../../suites/fixture-events.ts';
import type { Report } from '../report/report-types.ts';
import type { AllowlistRun } from './write-allowlist.ts';

const T0 = 1_770_000_000_000_000;
const SECOND = 1_000_000;

/** The fixture run as `allowlist` gets it (a verified run's report fields the allow-list reads). */
export function allowlistFixtureRun(mudUrl: string | null = 'https://mud.sim.example/fixture.json'): AllowlistRun {
  const fixture = new FixtureRun('allowlist-fixture', T0 - SECOND, T0 + 41 * SECOND, [
    { name: 'baseline', experiment: 'baseline', start: T0, end: T0 + 20 * SECOND, scenario: 'pass-through' },
    {
      name: 'forged-cname',
      experiment: 'forged-cname',
      start: T0 + 20 * SECOND,
      end: T0 + 40 * SECOND,
      scenario: 'forgeCNAME(127.0.10.77)',
    },
  ]);
  let port = 40000;
  const ask = (at: number, name: string, type: 'A' | 'AAAA', answer: Parameters<FixtureRun['exchange']>[1]) =>
    fixture.exchange({ t: T0 + at * SECOND, name, type, sourcePort: port++, txid: port, ednsUdpSize: 1232 }, answer);
  ask(1, 'time.sim.example', 'A', {
    latency: 1000,
    rcode: 'NOERROR',
    records: [{ name: 'time.sim.example', type: 'A', ttl: 300, data: '127.0.10.201' }],
  });
  ask(2, 'API.sim.example', 'A', {
    latency: 1000,
    rcode: 'NOERROR',
    records: [
      { name: 'api.sim.example', type: 'CNAME', ttl: 300, data: 'edge.cdn.example' },
      { name: 'edge.cdn.example', type: 'A', ttl: 300, data: '127.0.10.202' },
    ],
  });
  ask(3, 'api.sim.example', 'AAAA', {
    latency: 1000,
    rcode: 'NOERROR',
    records: [
      { name: 'api.sim.example', type: 'CNAME', ttl: 300, data: 'edge.cdn.example' },
      { name: 'edge.cdn.example', type: 'AAAA', ttl: 300, data: 'fd00::202' },
    ],
  });
  ask(4, 'gone.sim.example', 'A', { latency: 1000, rcode: 'NXDOMAIN', records: [] });
  ask(21, 'cloud.sim.example', 'A', {
    latency: 1000,
    rcode: 'NOERROR',
    manipulations: ['forgeCNAME'],
    records: [{ name: 'cloud.sim.example', type: 'CNAME', ttl: 300, data: 'lure.canary.example' }],
  });
  ask(22, 'lure.canary.example', 'A', {
    latency: 1000,
    rcode: 'NOERROR',
    manipulations: ['forgeCNAME'],
    records: [{ name: 'lure.canary.example', type: 'A', ttl: 300, data: '127.0.10.77' }],
  });
  const report = {
    runId: 'allowlist-fixture',
    startedAt: new Date(T0 / 1000).toISOString(),
    endedAt: new Date((T0 + 40 * SECOND) / 1000).toISOString(),
    dut: {
      id: FIXTURE_DUT,
      vendor: 'dnsconform reference devices',
      model: 'Fixture device',
      firmware: 'fx-1',
      addresses: ['127.0.10.9'],
    },
  } as unknown as Report;
  return { input: 'fixture', report, evidence: new Evidence(fixture.events()), mudUrl };
}
