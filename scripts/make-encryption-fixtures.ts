/**
 * Writes the evidence fixtures of the checks judged in the ddr-upgrade experiment,
 * deterministically (fixed clock, arithmetic IDs and ports), so re-running it reproduces the
 * committed files byte for byte. Each is one ddr-upgrade phase in which the resolver
 * listens on UDP, DoT and DoH and answers the DUT's DDR query with both endpoints.
 * `encryption-upgrade/uses-offered-encryption`:
 * - pass: the DUT then sends every query over DoT, padded to 128-octet blocks;
 * - fail: the DUT asks DDR, gets the answer, and stays on UDP port 53;
 * - inconclusive: the DUT upgrades but makes too few queries to judge.
 * `encryption/encrypted-queries-padded`: padded DoT (pass), DoT without padding (fail),
 * UDP only (inconclusive). `encryption-upgrade/no-cleartext-downgrade`: DoT throughout
 * (pass), DoT with every fourth query from the 20th on back on UDP (fail), UDP only
 * (inconclusive).
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
const DOT: FixtureChannel = {
  transport: 'dot',
  tls: { version: 'TLSv1.3', sni: DEFAULT_RESOLVER_NAME, alpn: 'dot' },
  paddingBlock: 128,
};
/** DoT as a stub that does not pad sends it. */
const DOT_UNPADDED: FixtureChannel = { transport: 'dot', tls: DOT.tls };

/**
 * A run whose DUT asks DDR at 2 s, then needs `queries` names 1.5 s apart, over `channel`
 * or UDP; `channelOf` picks the channel per query instead (undefined: UDP).
 */
function run(
  kind: string,
  queries: number,
  channel: FixtureChannel | undefined,
  channelOf: (i: number) => FixtureChannel | undefined = () => channel,
): FixtureRun {
  const fixture = new FixtureRun(`fixture-ddr-${kind}`, T0, T0 + WINDOW_SECONDS * SECOND, [
    {
      name: 'ddr-upgrade',
      experiment: 'ddr-upgrade',
      start: T0 + 1_000,
      end: T0 + WINDOW_SECONDS * SECOND - 1_000,
      scenario: 'ddr()',
    },
  ]);
  fixture.listen('udp', FIXTURE_SERVER.port);
  fixture.listen('dot', PORTS.dot);
  fixture.listen('doh', PORTS.doh);
  const designated = {
    name: DEFAULT_RESOLVER_NAME,
    endpoints: [
      { transport: 'dot' as const, address: FIXTURE_SERVER.address, port: PORTS.dot },
      { transport: 'doh' as const, address: FIXTURE_SERVER.address, port: PORTS.doh, path: '/dns-query' },
    ],
  };
  fixture.exchange(
    {
      t: T0 + 2 * SECOND,
      name: '_dns.resolver.arpa',
      type: 'SVCB',
      sourcePort: 40_001,
      txid: 0x5e1f,
      ednsUdpSize: 1232,
    },
    {
      latency: 300,
      rcode: 'NOERROR',
      records: [],
      extra: ddrAnswers('_dns.resolver.arpa', designated),
      manipulations: ['ddr()'],
    },
  );
  for (let i = 0; i < queries; i += 1) {
    const name = `${['time', 'api', 'cloud'][i % 3]}.fixture.example`;
    const channel = channelOf(i);
    fixture.exchange(
      {
        t: T0 + 3 * SECOND + i * 1.5 * SECOND,
        name,
        type: 'A',
        ednsUdpSize: 1232,
        // One DoT connection keeps its port; a UDP stub picks one per query.
        sourcePort: channel ? 41_000 : 42_000 + ((i * 7_919) % 20_000),
        txid: (i * 40_503 + 17) & 0xffff,
        ...(channel ? { channel } : {}),
      },
      { latency: 400, rcode: 'NOERROR', records: [{ name, type: 'A', ttl: 30, data: `127.0.10.${201 + (i % 3)}` }] },
    );
  }
  return fixture;
}

const fixtures: Record<string, Record<string, FixtureRun>> = {
  'encryption-upgrade/uses-offered-encryption': {
    pass: run('pass', 50, DOT),
    fail: run('fail', 50, undefined),
    inconclusive: run('inconclusive', 3, DOT),
  },
  'encryption/encrypted-queries-padded': {
    pass: run('padded-pass', 20, DOT),
    fail: run('padded-fail', 20, DOT_UNPADDED),
    inconclusive: run('padded-inconclusive', 20, undefined),
  },
  'encryption-upgrade/no-cleartext-downgrade': {
    pass: run('downgrade-pass', 40, DOT),
    // Upgraded, then every fourth lookup falls back to port 53 (an encrypted exchange that failed).
    fail: run('downgrade-fail', 40, undefined, (i) => (i >= 20 && i % 4 === 0 ? undefined : DOT)),
    inconclusive: run('downgrade-inconclusive', 40, undefined),
  },
};
for (const [check, kinds] of Object.entries(fixtures)) {
  const [topic, name] = check.split('/') as [string, string];
  for (const [kind, fixture] of Object.entries(kinds)) {
    const file = join(SUITES_DIR, topic, 'fixtures', `${name}.${kind}.ndjson`);
    const text = fixture.ndjson();
    writeFileSync(file, text);
    console.log(`${file}: ${text.split('\n').length - 1} events, ${text.length} bytes`);
  }
}
