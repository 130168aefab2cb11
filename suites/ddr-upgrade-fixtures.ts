/**
 * Runs for the fixtures of the checks judged in the ddr-upgrade experiment, deterministic
 * (fixed clock, arithmetic IDs and ports). Each is one ddr-upgrade phase in which the resolver
 * listens on UDP, DoT and DoH and answers the DUT's DDR query with both endpoints.
 * `encryption-upgrade/uses-offered-encryption`:
 * - pass: the DUT then sends every query over DoT, padded to 128-octet blocks;
 * - fail: the DUT asks DDR, gets the answer, and stays on UDP port 53;
 * - inconclusive: the DUT upgrades but makes too few queries to judge.
 * `encryption/encrypted-queries-padded`: padded DoT (pass), DoT without padding (fail),
 * UDP only (inconclusive). `encryption-upgrade/no-cleartext-downgrade`: DoT throughout
 * (pass), DoT with every fourth query from the 20th on back on UDP (fail), UDP only
 * (inconclusive).
 */
import { DEFAULT_RESOLVER_NAME, ddrAnswers } from '../lib/resolver/ddr.ts';
import { FIXTURE_SERVER, FixtureRun } from './fixture-events.ts';
import type { FixtureChannel } from './fixture-events.ts';

/** 2026-01-01T00:00:00Z in µs: a fixed clock so the files never change. */
const T0 = 1_767_225_600_000_000;
const SECOND = 1_000_000;
const WINDOW_SECONDS = 90;
const PORTS = { dot: 853, doh: 443 } as const;
export const DOT: FixtureChannel = {
  transport: 'dot',
  tls: { version: 'TLSv1.3', sni: DEFAULT_RESOLVER_NAME, alpn: 'dot' },
  paddingBlock: 128,
};
/** DoT as a stub that does not pad sends it. */
export const DOT_UNPADDED: FixtureChannel = { transport: 'dot', tls: DOT.tls };

/**
 * A run whose DUT asks DDR at 2 s, then needs `queries` names 1.5 s apart, over `channel`
 * or UDP; `channelOf` picks the channel per query instead (undefined: UDP).
 */
export function ddrUpgradeRun(
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
