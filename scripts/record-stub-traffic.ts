/**
 * Records real DNS clients' queries for the randomness-check fixtures
 * (suites/randomness/real-traffic.ts names the clients and how their traffic is judged).
 *
 * Everything happens in a network namespace this script creates (loopback only, so no
 * traffic can leave it and no unreachable route is needed in the root namespace):
 * `/etc/netns/NS/resolv.conf` names 127.0.0.53, where dnsmasq (Debian's, a real
 * responder) answers every name under fixture.example; dumpcap captures the queries on
 * `lo`; each client looks up 150 names one after another. The namespace, its /etc/netns
 * folder and the processes are removed at the end, also on failure.
 *
 * Each capture is committed as suites/randomness/real-traffic/<client>.pcapng; `npm run
 * fixtures` then reads the fixtures from them (no root needed for that).
 *
 * Usage (as root): npx tsx scripts/record-stub-traffic.ts [LOOKUPS] && npm run fixtures
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SUITES_DIR } from '../lib/checks/discover.ts';
import { REAL_CLIENTS, realTrafficCapture, RESPONDER_ADDRESS } from '../suites/randomness/real-traffic.ts';
import type { RealClient } from '../suites/randomness/real-traffic.ts';

const LOOKUPS = Number(process.argv[2] ?? 150);
const NAMESPACE = `dnsconform-stubfx-${process.pid}`;

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')}: exit ${result.status}: ${result.stderr.trim()}`);
  return result.stdout;
}

function inNamespace(command: string[]): string[] {
  return ['netns', 'exec', NAMESPACE, ...command];
}

/** Resolves once `test` holds, polling every 50 ms; names what it waited for after `limitMs`. */
async function until(what: string, test: () => boolean, limitMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > limitMs) throw new Error(`gave up after ${limitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Runs each client's lookups in the namespace, each client into its own capture. */
async function record(captures: Map<RealClient, string>): Promise<void> {
  let responder: ChildProcess | undefined;
  let dumpcap: ChildProcess | undefined;
  run('ip', ['netns', 'add', NAMESPACE]);
  try {
    mkdirSync(join('/etc/netns', NAMESPACE), { recursive: true });
    writeFileSync(join('/etc/netns', NAMESPACE, 'resolv.conf'), `nameserver ${RESPONDER_ADDRESS}\n`);
    run('ip', inNamespace(['ip', 'link', 'set', 'lo', 'up']));
    responder = spawn(
      'ip',
      inNamespace([
        'dnsmasq',
        '--keep-in-foreground',
        '--no-resolv',
        '--no-hosts',
        '--bind-interfaces',
        `--listen-address=${RESPONDER_ADDRESS}`,
        '--port=53',
        '--pid-file=',
        '--user=root',
        '--address=/fixture.example/127.0.10.201',
        '--address=/fixture.example/::1',
      ]),
      { stdio: 'ignore' },
    );
    await until(`dnsmasq listening on ${RESPONDER_ADDRESS}:53 in ${NAMESPACE}`, () =>
      run('ip', inNamespace(['ss', '-Hlun', 'src', RESPONDER_ADDRESS])).includes(':53'),
    );
    for (const [client, capture] of captures) {
      const expected = client.queriesPerLookup * LOOKUPS;
      // The queries only (the randomness checks judge what the stub sends; the answers would
      // triple the fixtures' size). dumpcap stops by itself once it has them all, so nothing
      // still in its buffer is lost to a signal.
      dumpcap = spawn(
        'ip',
        inNamespace([
          'dumpcap',
          '-q',
          '-i',
          'lo',
          '-c',
          String(expected),
          '-f',
          `udp and dst host ${RESPONDER_ADDRESS} and dst port 53`,
          '-w',
          capture,
        ]),
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let exited = false;
      dumpcap.once('exit', () => {
        exited = true;
      });
      let dumpcapSaid = '';
      dumpcap.stderr!.on('data', (chunk: Buffer) => {
        dumpcapSaid += chunk.toString();
      });
      await until('dumpcap to say it is capturing on lo', () => /Capturing on/.test(dumpcapSaid));
      for (let i = 1; i <= LOOKUPS; i += 1) run('ip', inNamespace(client.lookup(`host-${i}.fixture.example`)));
      await until(`dumpcap to capture the ${expected} queries of ${LOOKUPS} ${client.variant} lookups`, () => exited);
    }
  } finally {
    await stop(dumpcap);
    await stop(responder);
    spawnSync('ip', ['netns', 'del', NAMESPACE]);
    rmSync(join('/etc/netns', NAMESPACE), { recursive: true, force: true });
  }
}

const work = mkdtempSync(join(tmpdir(), 'dnsconform-stubfx-'));
try {
  const captures = new Map(REAL_CLIENTS.map((client) => [client, join(work, `${client.variant}.pcapng`)]));
  await record(captures);
  for (const [client, capture] of captures) {
    const committed = join(SUITES_DIR, '..', realTrafficCapture(client));
    copyFileSync(capture, committed);
    chmodSync(committed, 0o644);
    console.log(`${client.variant}: ${LOOKUPS} lookups recorded as ${realTrafficCapture(client)}`);
  }
  console.log('now run npm run fixtures to write the fixtures read from them');
} finally {
  rmSync(work, { recursive: true, force: true });
}
