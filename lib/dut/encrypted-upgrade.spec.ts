/**
 * The simulated device's DDR upgrade against the real resolver on loopback: it discovers
 * the designated resolvers, verifies them (lab CA, name, the designating IP) and moves its
 * queries to DoT or DoH; it stays on port 53 when nothing is offered, when it ignores DDR,
 * or when verification fails.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import { DEFAULT_RESOLVER_NAME } from '../resolver/ddr.ts';
import { ensureLabCa, ensureLabServerCertificate } from '../resolver/lab-certificate.ts';
import type { LabTlsCredentials } from '../resolver/lab-certificate.ts';
import { AdversarialResolver } from '../resolver/resolver.ts';
import { MemorySink } from '../resolver/resolver-test-kit.ts';
import { parseScenario } from '../resolver/scenario.ts';
import { Zone } from '../resolver/zone.ts';
import { QUERY_PADDING_BLOCK, encryptedUpgradeFor } from './encrypted-upgrade.ts';
import { StubResolver } from './stub-resolver.ts';
import { memoryLog, testBehaviour } from './stub-test-kit.ts';

/** Loopback aliases private to this spec. */
const RESOLVER = '127.0.53.11';
const DEVICE = '127.0.53.12';

const zone = new Zone([{ name: 'cloud.sim.example', type: 'A', ttl: 30, data: '127.0.53.210' }]);

describe('dut/encrypted-upgrade', () => {
  let keyDir: string;
  let credentials: LabTlsCredentials;
  let resolver: AdversarialResolver | undefined;
  let sink: MemorySink;

  before(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'dnsconform-upgrade-'));
    credentials = await ensureLabServerCertificate(keyDir, { names: [DEFAULT_RESOLVER_NAME], addresses: [RESOLVER] });
  });
  after(() => rmSync(keyDir, { recursive: true, force: true }));
  afterEach(async () => {
    await resolver?.stop();
    resolver = undefined;
  });

  /** Starts the resolver with UDP, DoT and DoH, the scenario given, and `tls` as its certificate. */
  async function startResolver(
    scenario: string[],
    tls: LabTlsCredentials = credentials,
  ): Promise<{ address: string; port: number }> {
    sink = new MemorySink();
    resolver = new AdversarialResolver({
      listen: [
        { transport: 'udp', address: RESOLVER, port: 0 },
        { transport: 'dot', address: RESOLVER, port: 0 },
        { transport: 'doh', address: RESOLVER, port: 0 },
      ],
      duts: [{ id: 'dev', addresses: [DEVICE], zone, scenario: await parseScenario(scenario, { canaries: [] }) }],
      sink,
      tls,
    });
    const endpoints = await resolver.start();
    return endpoints.find((e) => e.transport === 'udp')!;
  }

  /** Resolves the name twice with a device of the given DDR behaviour; returns its log. */
  async function lookUp(
    behaviour: SimulatedBehaviour,
    resolverEnd: { address: string; port: number },
    trustedCa: string | undefined = credentials.caCertPem,
  ) {
    const { log, lines, events } = memoryLog();
    const upgrade = encryptedUpgradeFor(behaviour, { sourceAddress: DEVICE, resolver: resolverEnd, trustedCa, log });
    const stub = new StubResolver({
      behaviour,
      sourceAddress: DEVICE,
      resolver: resolverEnd,
      log,
      ...(upgrade ? { upgrade } : {}),
    });
    try {
      for (let i = 0; i < 2; i += 1) {
        const resolution = await stub.resolve({ name: 'cloud.sim.example', type: 'A' });
        expect(resolution).to.deep.include({ outcome: 'answer', addresses: ['127.0.53.210'] });
      }
    } finally {
      await stub.close();
    }
    return { lines, events };
  }

  const upgrading = (prefer: 'dot' | 'doh') =>
    testBehaviour({
      encryption: { ddr: 'upgrade', prefer, cleartextFallback: true },
      edns: { enabled: true, udpSize: 1232 },
    });
  const addressQueries = () => sink.ofType('dns.query').filter((q) => q.questions[0]?.type === 'A');

  for (const prefer of ['dot', 'doh'] as const) {
    it(`discovers DDR and sends its queries over ${prefer}, verified and padded to ${QUERY_PADDING_BLOCK}-octet blocks`, async () => {
      const udp = await startResolver(['ddr()']);
      const { events } = await lookUp(upgrading(prefer), udp);
      expect(events('ddr-upgraded')[0]).to.include({ transport: prefer, name: DEFAULT_RESOLVER_NAME });
      const ddrQuery = sink.ofType('dns.query').find((q) => q.questions[0]?.type === 'SVCB');
      expect(ddrQuery).to.include({ transport: 'udp' });
      const queries = addressQueries();
      expect(queries.map((q) => q.transport)).to.deep.equal(
        [prefer, prefer],
        'both lookups went encrypted, one connection',
      );
      for (const q of queries) {
        expect(q.size % QUERY_PADDING_BLOCK).to.equal(0);
        expect(q.edns?.options.map((o) => o.name)).to.include('PADDING');
        expect(q.tls).to.include({ sni: DEFAULT_RESOLVER_NAME, alpn: prefer === 'dot' ? 'dot' : 'h2' });
      }
      expect(new Set(queries.map((q) => q.client.port)).size).to.equal(1, 'the connection is reused');
    });
  }

  it('once upgraded, retries a failed encrypted exchange over port 53 only when it falls back to cleartext', async () => {
    for (const cleartextFallback of [true, false]) {
      const udp = await startResolver(['ddr()']);
      const behaviour = testBehaviour({
        encryption: { ddr: 'upgrade', prefer: 'dot', cleartextFallback },
        edns: { enabled: true, udpSize: 1232 },
        retry: { timeoutMs: 300, attempts: 1, backoff: 1, maxTimeoutMs: 300 },
      });
      const { log, events } = memoryLog();
      const upgrade = encryptedUpgradeFor(behaviour, {
        sourceAddress: DEVICE,
        resolver: udp,
        trustedCa: credentials.caCertPem,
        log,
      });
      const stub = new StubResolver({
        behaviour,
        sourceAddress: DEVICE,
        resolver: udp,
        log,
        ...(upgrade ? { upgrade } : {}),
      });
      try {
        expect(await stub.resolve({ name: 'cloud.sim.example', type: 'A' })).to.deep.include({ outcome: 'answer' });
        // The resolver goes silent on every transport: the DoT exchange times out.
        resolver!.setScenario('dev', await parseScenario(['drop()'], { canaries: [] }));
        await resolver!.settled();
        const after = await stub.resolve({ name: 'cloud.sim.example', type: 'A' });
        expect(after.outcome).to.equal('failure');
      } finally {
        await stub.close();
      }
      const transports = addressQueries().map((q) => q.transport);
      if (cleartextFallback) {
        expect(transports).to.deep.equal(['dot', 'dot', 'udp'], 'the failed lookup went on in cleartext');
        expect(events('encrypted-fallback')).to.have.length(1);
      } else {
        expect(transports).to.deep.equal(['dot', 'dot'], 'no cleartext after the upgrade');
        expect(events('encrypted-failed')).to.have.length(1);
      }
      await resolver!.stop();
      resolver = undefined;
    }
  });

  it('stays on port 53 when the resolver offers no DDR, or when the device ignores it', async () => {
    const udp = await startResolver([]);
    const unoffered = await lookUp(upgrading('dot'), udp);
    expect(unoffered.events('ddr-discovered')[0]?.endpoints).to.deep.equal([]);
    expect(addressQueries().map((q) => q.transport)).to.deep.equal(['udp', 'udp']);
    await resolver!.stop();

    const offered = await startResolver(['ddr()']);
    const ignoring = await lookUp(testBehaviour({ encryption: { ddr: 'ignore' } }), offered);
    expect(ignoring.events('ddr-discovered')).to.have.length(0);
    expect(sink.ofType('dns.query').map((q) => `${q.transport} ${q.questions[0]?.type}`)).to.deep.equal([
      'udp A',
      'udp A',
    ]);
  });

  it('refuses a designated resolver whose certificate does not cover the designating IP (RFC 9462 §4.2)', async () => {
    const elsewhere = await ensureLabServerCertificate(keyDir, {
      names: [DEFAULT_RESOLVER_NAME],
      addresses: ['127.0.53.99'],
    });
    const udp = await startResolver(['ddr()'], elsewhere);
    const { events } = await lookUp(upgrading('dot'), udp);
    const rejected = events('ddr-rejected');
    expect(rejected.map((r) => r.transport)).to.deep.equal(['dot', 'doh']);
    expect(String(rejected[0]?.reason)).to.match(/IP: 127\.0\.53\.11 is not in the cert's list/);
    expect(addressQueries().map((q) => q.transport)).to.deep.equal(['udp', 'udp']);
  });

  it('refuses a designated resolver whose certificate does not chain to the CA it trusts', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'dnsconform-upgrade-other-'));
    try {
      const stranger = await ensureLabCa(otherDir);
      const udp = await startResolver(['ddr()']);
      const { events } = await lookUp(upgrading('doh'), udp, stranger.certPem);
      expect(events('ddr-rejected').map((r) => String(r.reason))).to.satisfy(
        (reasons: string[]) => reasons.length === 2 && reasons.every((r) => /certificate/i.test(r)),
      );
      expect(addressQueries().map((q) => q.transport)).to.deep.equal(['udp', 'udp']);
      // The failed handshakes are evidence on the resolver's side too.
      expect(
        sink
          .ofType('dns.malformed')
          .map((m) => m.transport)
          .sort(),
      ).to.deep.equal(['doh', 'dot']);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});
