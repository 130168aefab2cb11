/**
 * The device's DoT client against a TLS server that misbehaves on purpose: it closes the
 * connection after each reply, or before replying. The client must reconnect for the next
 * query, and fail a query in flight at once when its connection goes, not at the timeout.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';
import type { Server } from 'node:tls';
import { decodeMessage } from '../dns/codec.ts';
import { DEFAULT_RESOLVER_NAME } from '../resolver/ddr.ts';
import { ensureLabServerCertificate } from '../resolver/lab-certificate.ts';
import type { LabTlsCredentials } from '../resolver/lab-certificate.ts';
import { query } from '../resolver/resolver-test-kit.ts';
import { DotTransport } from './encrypted-transport.ts';

/** Loopback aliases private to this spec. */
const SERVER = '127.0.53.31';
const DEVICE = '127.0.53.32';

describe('dut/encrypted-transport DoT client', () => {
  let keyDir: string;
  let tls: LabTlsCredentials;
  let server: Server;
  let connections = 0;
  /** What the server does with each whole message: echo it back (then maybe close), or close at once. */
  let behaviour: 'echo' | 'echo-then-close' | 'close' = 'echo-then-close';

  before(async () => {
    keyDir = mkdtempSync(join(tmpdir(), 'dnsconform-dot-client-'));
    tls = await ensureLabServerCertificate(keyDir, { names: [DEFAULT_RESOLVER_NAME], addresses: [SERVER] });
    server = createServer({ key: tls.keyPem, cert: tls.certPem, ALPNProtocols: ['dot'] }, (socket) => {
      connections += 1;
      // Echoing the query back is enough: the client matches replies by transaction ID only.
      if (behaviour === 'echo') {
        socket.pipe(socket);
        return;
      }
      socket.once('data', (framed: Buffer) => {
        if (behaviour === 'close') {
          socket.destroy();
          return;
        }
        socket.end(framed);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, SERVER, () => resolve()));
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(keyDir, { recursive: true, force: true });
  });

  const client = () =>
    new DotTransport({
      endpoint: {
        transport: 'dot',
        name: DEFAULT_RESOLVER_NAME,
        address: SERVER,
        port: (server.address() as { port: number }).port,
        priority: 1,
      },
      localAddress: DEVICE,
      trustedCa: tls.caCertPem,
      designatingAddress: SERVER,
    });

  it('opens a new verified connection when the server closed the last one', async () => {
    behaviour = 'echo-then-close';
    connections = 0;
    const dot = client();
    try {
      for (const id of [0x0101, 0x0202, 0x0303]) {
        const reply = await dot.exchange(query('cloud.sim.example', 'A', id), 2000);
        expect(reply.readUInt16BE(0)).to.equal(id);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(connections).to.equal(3);
    } finally {
      await dot.close();
    }
  });

  it('pipelines queries that share a transaction ID under distinct IDs, each reply to its own query', async () => {
    behaviour = 'echo';
    const dot = client();
    try {
      const names = ['time.sim.example', 'api.sim.example', 'cloud.sim.example'];
      const replies = await Promise.all(names.map((name) => dot.exchange(query(name, 'A', 0x5151), 2000)));
      for (const [i, reply] of replies.entries()) {
        expect(reply.readUInt16BE(0)).to.equal(0x5151);
        const decoded = decodeMessage(reply);
        expect(decoded.ok && decoded.message.questions?.[0]?.name).to.equal(names[i]);
      }
    } finally {
      await dot.close();
    }
  });

  it('fails a query at once when the server drops the connection before answering', async () => {
    behaviour = 'close';
    const dot = client();
    const started = Date.now();
    try {
      await dot.exchange(query('cloud.sim.example', 'A', 0x0404), 5000).then(
        () => expect.fail('a dropped connection cannot answer'),
        (error: Error) => expect(error.message).to.match(/closed/),
      );
      expect(Date.now() - started).to.be.below(4000);
    } finally {
      await dot.close();
    }
  });
});
