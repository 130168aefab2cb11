/**
 * Acceptance for DoT and DoH: real clients (kdig, and Node's TLS and HTTPS clients for what
 * kdig cannot do) talk to the resolver on loopback with the lab certificate, and the
 * evidence records transport, TLS version, SNI, ALPN, HTTP method and path, and padding.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as http2Connect } from 'node:http2';
import type { SecureClientSessionOptions } from 'node:http2';
import { Agent, request } from 'node:https';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { decodeMessage } from '../dns/codec.ts';
import { DEFAULT_RESOLVER_NAME } from './ddr.ts';
import { LAB_CA_CERT_FILE, ensureLabServerCertificate } from './lab-certificate.ts';
import { AdversarialResolver } from './resolver.ts';
import type { BoundEndpoint } from './resolver.ts';
import { MemorySink, query } from './resolver-test-kit.ts';
import { parseScenario } from './scenario.ts';
import { Zone } from './zone.ts';

const run = promisify(execFile);

/** Loopback aliases private to this spec: resolver, DUT. */
const RESOLVER = '127.0.53.1';
const DUT = '127.0.53.2';

const zone = new Zone([{ name: 'cloud.sim.example', type: 'A', ttl: 30, data: '127.0.53.200' }]);

describe('resolver over DoT and DoH', () => {
  let keyDir: string;
  let resolver: AdversarialResolver;
  let sink: MemorySink;
  let endpoints: BoundEndpoint[];
  const endpoint = (transport: BoundEndpoint['transport']) => endpoints.find((e) => e.transport === transport)!;
  const kdig = async (args: string[]) =>
    (await run('kdig', ['-b', DUT, `@${RESOLVER}`, '+timeout=3', '+retry=0', ...args])).stdout;
  /** kdig's strict privacy profile: the certificate must chain to the lab CA and name the resolver. */
  const verified = () => [`+tls-ca=${join(keyDir, LAB_CA_CERT_FILE)}`, `+tls-hostname=${DEFAULT_RESOLVER_NAME}`];

  before(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'dnsconform-encrypted-'));
    const tls = await ensureLabServerCertificate(keyDir, { names: [DEFAULT_RESOLVER_NAME], addresses: [RESOLVER] });
    sink = new MemorySink();
    resolver = new AdversarialResolver({
      listen: [
        { transport: 'udp', address: RESOLVER, port: 0 },
        { transport: 'dot', address: RESOLVER, port: 0 },
        { transport: 'doh', address: RESOLVER, port: 0, path: '/dns-query' },
      ],
      duts: [{ id: 'dut-e', addresses: [DUT], zone, scenario: await parseScenario(['ddr()'], { canaries: [] }) }],
      sink,
      tls,
    });
    endpoints = await resolver.start();
  });
  after(async () => {
    await resolver.stop();
    rmSync(keyDir, { recursive: true, force: true });
  });
  beforeEach(() => sink.events.splice(0));

  it('kdig +tls resolves over DoT with the lab CA verified; evidence has TLS version, SNI, ALPN and padding', async () => {
    const out = await kdig([
      '-p',
      String(endpoint('dot').port),
      ...verified(),
      `+tls-sni=${DEFAULT_RESOLVER_NAME}`,
      '+padding=128',
      'cloud.sim.example',
      'A',
    ]);
    expect(out).to.match(/cloud\.sim\.example\.\s+30\s+IN\s+A\s+127\.0\.53\.200/);
    const [q] = sink.ofType('dns.query');
    const [r] = sink.ofType('dns.response');
    expect(q).to.include({ transport: 'dot', dut: 'dut-e' });
    expect(q?.tls).to.deep.equal({ version: 'TLSv1.3', sni: DEFAULT_RESOLVER_NAME, alpn: 'dot' });
    expect(q?.edns?.options).to.deep.include({ code: 12, name: 'PADDING', length: 128 });
    expect(r?.tls).to.deep.equal(q?.tls);
    expect(r?.answers[0]).to.include({ type: 'A', data: '127.0.53.200' });
  });

  it('kdig +https resolves over DoH with POST and with GET over HTTP/2', async () => {
    const { port } = endpoint('doh');
    const post = await kdig(['-p', String(port), ...verified(), '+https', 'cloud.sim.example', 'A']);
    expect(post).to.match(/127\.0\.53\.200/);
    const get = await kdig(['-p', String(port), ...verified(), '+https', '+https-get', 'cloud.sim.example', 'A']);
    expect(get).to.match(/127\.0\.53\.200/);
    const queries = sink.ofType('dns.query');
    expect(queries.map((q) => q.transport)).to.deep.equal(['doh', 'doh']);
    expect(queries.map((q) => q.http)).to.deep.equal([
      { method: 'POST', path: '/dns-query', version: '2' },
      { method: 'GET', path: '/dns-query', version: '2' },
    ]);
    expect(queries[0]?.tls).to.include({ version: 'TLSv1.3', alpn: 'h2' });
    expect(sink.ofType('dns.response').map((r) => r.http?.method)).to.deep.equal(['POST', 'GET']);
  });

  it('serves DoH over HTTP/1.1 too, with the DNS media type and a Cache-Control from the TTL', async () => {
    const { port } = endpoint('doh');
    const body = query('cloud.sim.example', 'A', 0x4242);
    const reply = await new Promise<{
      status: number;
      type: string | undefined;
      cache: string | undefined;
      bytes: Buffer;
    }>((resolve, reject) => {
      const req = request(
        {
          host: RESOLVER,
          port,
          path: '/dns-query',
          method: 'POST',
          localAddress: DUT,
          ca: resolverCa(),
          servername: DEFAULT_RESOLVER_NAME,
          agent: new Agent({ ALPNProtocols: ['http/1.1'] }),
          headers: { 'content-type': 'application/dns-message', accept: 'application/dns-message' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              type: res.headers['content-type'],
              cache: res.headers['cache-control'],
              bytes: Buffer.concat(chunks),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(reply).to.include({ status: 200, type: 'application/dns-message', cache: 'max-age=30' });
    const decoded = decodeMessage(reply.bytes);
    expect(decoded.ok && decoded.message.id).to.equal(0x4242);
    const [q] = sink.ofType('dns.query');
    expect(q?.http).to.deep.equal({ method: 'POST', path: '/dns-query', version: '1.1' });
    expect(q?.tls).to.include({ alpn: 'http/1.1', sni: DEFAULT_RESOLVER_NAME });
  });

  it('refuses DoH requests without a DNS message (415, 400, 404, 405), recording the ones on the DoH path', async () => {
    const { port } = endpoint('doh');
    const session = http2Connect(`https://${RESOLVER}:${port}`, {
      ca: resolverCa(),
      servername: DEFAULT_RESOLVER_NAME,
      localAddress: DUT,
    } as SecureClientSessionOptions);
    const status = (headers: Record<string, string>, body?: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const stream = session.request(headers);
        stream.on('response', (h) => resolve(Number(h[':status'])));
        stream.on('error', reject);
        stream.end(body);
      });
    try {
      expect(
        await status(
          { ':method': 'POST', ':path': '/dns-query', 'content-type': 'text/plain' },
          query('cloud.sim.example', 'A'),
        ),
      ).to.equal(415);
      expect(await status({ ':method': 'GET', ':path': '/dns-query?dns=not*base64' })).to.equal(400);
      expect(await status({ ':method': 'GET', ':path': '/elsewhere?dns=AAAA' })).to.equal(404);
      expect(await status({ ':method': 'PUT', ':path': '/dns-query' })).to.equal(405);
    } finally {
      session.close();
    }
    const malformed = sink.ofType('dns.malformed');
    expect(malformed.map((m) => m.error)).to.deep.equal([
      'DoH POST: POST with content-type text/plain, expected application/dns-message',
      'DoH GET: dns parameter is not base64url',
    ]);
    expect(malformed.every((m) => m.transport === 'doh' && m.client.address === DUT)).to.equal(true);
    expect(sink.ofType('dns.query')).to.have.length(0);
  });

  it('records a failed TLS handshake as malformed input on the DoT listener, and keeps serving', async () => {
    const { port } = endpoint('dot');
    await new Promise<void>((resolve) => {
      // TLS 1.1 is below the resolver's minimum: the handshake must fail.
      const tcp = netConnect({ host: RESOLVER, port, localAddress: DUT });
      const socket = connect({ socket: tcp, maxVersion: 'TLSv1.1', minVersion: 'TLSv1', rejectUnauthorized: false });
      socket.on('error', () => resolve());
      socket.on('secureConnect', () => {
        socket.destroy();
        resolve();
      });
    });
    await waitFor(() => sink.ofType('dns.malformed').length > 0);
    const [failure] = sink.ofType('dns.malformed');
    expect(failure).to.include({ transport: 'dot', dut: 'dut-e', size: 0, answered: false });
    expect(failure?.client.address).to.equal(DUT);
    expect(failure?.error).to.match(/^TLS handshake failed: /);
    const out = await kdig(['-p', String(endpoint('dot').port), ...verified(), 'cloud.sim.example', 'A']);
    expect(out).to.match(/127\.0\.53\.200/);
  });

  it('answers DDR over UDP with SVCB records for the DoT and DoH endpoints (alpn, port, hint, dohpath)', async () => {
    const out = await kdig(['-p', String(endpoint('udp').port), '_dns.resolver.arpa', 'SVCB']);
    const dot = endpoint('dot');
    const doh = endpoint('doh');
    // kdig's own SVCB decoder reads our hand-written encoding (kdig 3.2 predates dohpath, key 7).
    expect(out).to.include(`SVCB\t1 ${DEFAULT_RESOLVER_NAME}. alpn=dot port=${dot.port} ipv4hint=${RESOLVER}`);
    expect(out).to.include(
      `SVCB\t2 ${DEFAULT_RESOLVER_NAME}. alpn=h2,http/1.1 port=${doh.port} ipv4hint=${RESOLVER} key7="/dns-query{?dns}"`,
    );
    const [r] = sink.ofType('dns.response');
    expect(r?.manipulations).to.deep.equal(['ddr()']);
    expect(r?.questions[0]?.type).to.equal('SVCB');
    expect(r?.answers.map((a) => a.data)).to.deep.equal([
      `1 ${DEFAULT_RESOLVER_NAME}. alpn=dot port=${dot.port} ipv4hint=${RESOLVER}`,
      `2 ${DEFAULT_RESOLVER_NAME}. alpn=h2,http/1.1 port=${doh.port} ipv4hint=${RESOLVER} dohpath=/dns-query{?dns}`,
    ]);
  });

  /** The lab CA the resolver's certificate chains to. */
  function resolverCa(): string {
    return readFileSync(join(keyDir, LAB_CA_CERT_FILE), 'utf8');
  }
});

async function waitFor(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition() && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}
