/**
 * Writes the evidence fixtures of `encryption-upgrade/uses-offered-encryption`,
 * deterministically (fixed clock, arithmetic IDs and ports), so re-running it reproduces the
 * committed files byte for byte. Each is one ddr-upgrade phase in which the resolver
 * listens on UDP, DoT and DoH and answers the DUT's DDR query with both endpoints:
 * - pass: the DUT then sends every query over DoT, padded to 128-octet blocks;
 * - fail: the DUT asks DDR, gets the answer, and stays on UDP port 53;
 * - inconclusive: the DUT upgrades but makes too few queries to judge.
 *
 * Usage: npx tsx scripts/make-encryption-fixtures.ts
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUITES_DIR } from '../lib/checks/discover.ts';
import { DEFAULT_RESOLVER_NAME, ddrAnswers } from '../lib/resolver/ddr.ts';
import { FIXTURE_SERVER, FixtureRun } from '../suites/fixture-events.ts';
import type { FixtureChannel } from '../suites/fixture-events.ts';

/** 2026-01-01T00:00:00Z in µs: a fixed clock so the files never change. */
const T0 = 1_767_225_600_000_000;
const SECOND = 1_000_000;
const WINDOW_SECONDS = 90;
const PORTS = { dot: 853, doh: 443 } as const;
const DOT: FixtureChannel = { transport: 'dot', tls: { version: 'TLSv1.3', sni: DEFAULT_RESOLVER_NAME, alpn: 'dot' }, paddingBlock: 128 };
const CHECK = 'encryption-upgrade/uses-offered-encryption';

/** A run whose DUT asks DDR at 2 s, then needs `queries` names 1.5 s apart, over `channel` or UDP. */
function run(kind: string, queries: number, channel: FixtureChannel | undefined): FixtureRun {
  const fixture = new FixtureRun(`fixture-ddr-${kind}`, T0, T0 + WINDOW_SECONDS * SECOND, [
    { name: 'ddr-upgrade', experiment: 'ddr-upgrade', start: T0 + 1_000, end: T0 + WINDOW_SECONDS * SECOND - 1_000, scenario: 'ddr()' },
  ]);
  fixture.listen('udp', FIXTURE_SERVER.port);
  fixture.listen('dot', PORTS.dot);
  fixture.listen('doh', PORTS.doh);
  const designated = { name: DEFAULT_RESOLVER_NAME, endpoints: [
    { transport: 'dot' as const, address: FIXTURE_SERVER.address, port: PORTS.dot },
    { transport: 'doh' as const, address: FIXTURE_SERVER.address, port: PORTS.doh, path: '/dns-query' },
  ] };
  fixture.exchange(
    { t: T0 + 2 * SECOND, name: '_dns.resolver.arpa', type: 'SVCB', sourcePort: 40_001, txid: 0x5e1f, ednsUdpSize: 1232 },
    { latency: 300, rcode: 'NOERROR', records: [], extra: ddrAnswers('_dns.resolver.arpa', designated), manipulations: ['ddr()'] },
  );
  for (let i = 0; i < queries; i += 1) {
    const name = `${['time', 'api', 'cloud'][i % 3]}.fixture.example`;
    fixture.exchange(
      {
        t: T0 + 3 * SECOND + i * 1.5 * SECOND, name, type: 'A', ednsUdpSize: 1232,
        // One DoT connection keeps its port; a UDP stub picks one per query.
        sourcePort: channel ? 41_000 : 42_000 + ((i * 7_919) % 20_000), txid: (i * 40_503 + 17) & 0xffff,
        ...(channel ? { channel } : {}),
      },
      { latency: 400, rcode: 'NOERROR', records: [{ name, type: 'A', ttl: 30, data: `127.0.10.${201 + (i % 3)}` }] },
    );
  }
  return fixture;
}

const fixtures: Record<string, FixtureRun> = {
  pass: run('pass', 50, DOT),
  fail: run('fail', 50, undefined),
  inconclusive: run('inconclusive', 3, DOT),
};
const folder = join(SUITES_DIR, 'encryption-upgrade', 'fixtures');
for (const [kind, fixture] of Object.entries(fixtures)) {
  const file = join(folder, `${CHECK.split('/')[1]}.${kind}.ndjson`);
  const text = fixture.ndjson();
  writeFileSync(file, text);
  console.log(`${file}: ${text.split('\n').length - 1} events, ${text.length} bytes`);
}
