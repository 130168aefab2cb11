/**
 * The allow-list's RPZ zone in a real Protective DNS resolver: Debian's Unbound loads it in
 * an `rpz:` clause, listening on a free loopback port and forwarding to a stub upstream on
 * loopback that answers every name; queried from loopback, the allowed names (and a CNAME
 * target) resolve, every other name, beside, below or far from them, gets NXDOMAIN.
 */
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import packet from 'dns-packet';
import { allowlistFixtureRun } from '../lib/allowlist/allowlist-test-kit.ts';
import { buildAllowlist } from '../lib/allowlist/write-allowlist.ts';

/** The address the stub upstream answers every A question with. */
const UPSTREAM_ANSWER = '127.0.0.9';

/** A UDP port free on 127.0.0.1 now (Unbound binds it a moment later; a lost race shows as Unbound's bind error). */
async function freePort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Asks `server` one A question; resends each second until an answer comes (the mocha timeout bounds it). */
async function ask(port: number, name: string): Promise<{ rcode: string; addresses: string[] }> {
  const socket = dgram.createSocket('udp4');
  const id = Math.floor(Math.random() * 65536);
  const query = packet.encode({
    id,
    type: 'query',
    flags: packet.RECURSION_DESIRED,
    questions: [{ name, type: 'A', class: 'IN' }],
  });
  try {
    const decoded = await new Promise<packet.DecodedPacket>((resolve) => {
      socket.on('message', (message) => {
        const decoded = packet.decode(message);
        if (decoded.id === id) resolve(decoded);
      });
      const send = () => socket.send(query, port, '127.0.0.1');
      send();
      const timer = setInterval(send, 1000);
      socket.once('close', () => clearInterval(timer));
    });
    return {
      rcode: (decoded as packet.DecodedPacket & { rcode?: string }).rcode ?? 'NOERROR',
      addresses: (decoded.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : [])),
    };
  } finally {
    socket.close();
  }
}

describe('allowlist RPZ zone in Unbound (loopback)', function () {
  this.timeout(60_000);
  let work: string;
  let upstream: dgram.Socket;
  let unbound: ChildProcess | undefined;
  let port: number;
  let log = '';

  before(async function () {
    if (spawnSync('unbound', ['-V']).error) this.skip();
    work = mkdtempSync(join(tmpdir(), 'dnsconform-rpz-'));
    const built = buildAllowlist([allowlistFixtureRun()]);
    writeFileSync(join(work, 'allow.rpz'), built.rpz);
    upstream = dgram.createSocket('udp4');
    upstream.on('message', (message, from) => {
      const query = packet.decode(message);
      const question = query.questions![0]!;
      upstream.send(
        packet.encode({
          id: query.id,
          type: 'response',
          flags: packet.RECURSION_AVAILABLE | packet.RECURSION_DESIRED,
          questions: [question],
          answers: [{ name: question.name, type: 'A', class: 'IN', ttl: 60, data: UPSTREAM_ANSWER }],
        }),
        from.port,
        from.address,
      );
    });
    await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
    port = await freePort();
    writeFileSync(
      join(work, 'unbound.conf'),
      [
        'server:',
        `  interface: 127.0.0.1@${port}`,
        '  do-daemonize: no',
        '  username: ""',
        '  chroot: ""',
        `  directory: "${work}"`,
        '  pidfile: ""',
        '  use-syslog: no',
        '  verbosity: 1',
        '  do-ip6: no',
        '  do-not-query-localhost: no',
        '  module-config: "respip iterator"',
        '  access-control: 127.0.0.0/8 allow',
        'remote-control:',
        '  control-enable: no',
        'forward-zone:',
        '  name: "."',
        `  forward-addr: 127.0.0.1@${upstream.address().port}`,
        'rpz:',
        `  name: "${built.allowlist.rpzOrigin}"`,
        `  zonefile: "${join(work, 'allow.rpz')}"`,
        '',
      ].join('\n'),
    );
    const check = spawnSync('unbound-checkconf', [join(work, 'unbound.conf')], { encoding: 'utf8' });
    expect(check.status, `${check.stdout}${check.stderr}`).to.equal(0);
    const started = spawn('unbound', ['-d', '-c', join(work, 'unbound.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    unbound = started;
    // Ready when it logs "start of service"; an exit before that fails with what it said.
    await new Promise<void>((resolve, reject) => {
      const see = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('start of service')) resolve();
      };
      started.stdout!.on('data', see);
      started.stderr!.on('data', see);
      started.once('exit', (code) => reject(new Error(`unbound exited (${code}) before serving:\n${log}`)));
    });
  });

  after(() => {
    if (unbound && unbound.exitCode === null) unbound.kill('SIGTERM');
    upstream?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('resolves the allowed names and the CNAME target through the upstream', async () => {
    for (const name of ['time.sim.example', 'api.sim.example', 'edge.cdn.example']) {
      const answer = await ask(port, name);
      expect(answer.rcode, `${name}\n${log}`).to.equal('NOERROR');
      expect(answer.addresses, name).to.deep.equal([UPSTREAM_ANSWER]);
    }
  });

  it('answers NXDOMAIN for names it did not see resolved: beside, below, forged, elsewhere', async () => {
    for (const name of [
      'other.sim.example',
      'x.time.sim.example',
      'lure.canary.example',
      'gone.sim.example',
      'unrelated.org',
    ]) {
      const answer = await ask(port, name);
      expect(answer.rcode, name).to.equal('NXDOMAIN');
      expect(answer.addresses, name).to.deep.equal([]);
    }
  });
});
