/**
 * Records real DNS clients' traffic as randomness-check fixtures: glibc's stub, through
 * `getent ahosts NAME`, which asks A and AAAA from one socket per lookup (so about half as
 * many distinct source ports as queries, however random they are), and, for the failing
 * side, Knot's kdig bound to one fixed source port.
 *
 * Everything happens in a network namespace this script creates (loopback only, so no
 * traffic can leave it and no unreachable route is needed in the root namespace):
 * `/etc/netns/NS/resolv.conf` names 127.0.0.53, where dnsmasq (Debian's, a real
 * responder) answers every name under fixture.example; dumpcap captures the queries on
 * `lo`; getent looks up 150 names (300 queries) one after another. The namespace, its
 * /etc/netns folder and the processes are removed at the end, also on failure.
 *
 * Each capture is then read as `dnsconform analyze` reads one (lib/capture), and its
 * events written as fixtures of both randomness checks (`<check>.<kind>.<client>.ndjson`),
 * with the capture itself committed under suites/randomness/real-traffic/.
 *
 * Usage (as root): npx tsx scripts/make-stub-traffic-fixtures.ts [LOOKUPS]
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evidenceFromCaptures } from '../lib/capture/capture-evidence.ts';
import type { CaptureRef } from '../lib/capture/capture-evidence.ts';
import { SUITES_DIR } from '../lib/checks/discover.ts';
import { FIXTURE_DUT } from '../suites/fixture-events.ts';

/** The stub's address and the responder's: both on the namespace's `lo`, told apart by address. */
const STUB_ADDRESS = '127.0.0.1';
const RESPONDER_ADDRESS = '127.0.0.53';
const LOOKUPS = Number(process.argv[2] ?? 150);
const NAMESPACE = `dnsconform-stubfx-${process.pid}`;
const FIXTURES = join(SUITES_DIR, 'randomness', 'fixtures');
const CHECKS = ['source-port-randomised', 'transaction-id-randomised'] as const;

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

/** One real client recorded: how it looks a name up, and what its traffic must give. */
interface Client {
  /** The fixtures' variant name: `<check>.<kind>.<variant>.ndjson`. */
  variant: string;
  /** The command that looks up one name, run in the namespace. */
  lookup(name: string): string[];
  /** Queries one lookup sends. */
  queriesPerLookup: number;
  /** The fixture kind of each check on this traffic. */
  kinds: Record<(typeof CHECKS)[number], 'pass' | 'fail'>;
}

const CLIENTS: Client[] = [
  // glibc's stub (getaddrinfo, AF_UNSPEC): A and AAAA from one socket per lookup.
  {
    variant: 'glibc-getent',
    lookup: (name) => ['getent', 'ahosts', name],
    queriesPerLookup: 2,
    kinds: { 'source-port-randomised': 'pass', 'transaction-id-randomised': 'pass' },
  },
  // A client that always sends from port 4096 (random TXIDs): what Recommendation #3 must still fail.
  {
    variant: 'kdig-fixed-port',
    lookup: (name) => ['kdig', `@${RESPONDER_ADDRESS}`, '-b', `${STUB_ADDRESS}#4096`, '+notcp', '+retry=0', name, 'A'],
    queriesPerLookup: 1,
    kinds: { 'source-port-randomised': 'fail', 'transaction-id-randomised': 'pass' },
  },
];

/** Runs each client's lookups in the namespace, each client into its own capture. */
async function record(captures: Map<Client, string>): Promise<void> {
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
  const captures = new Map(CLIENTS.map((client) => [client, join(work, `${client.variant}.pcapng`)]));
  await record(captures);
  for (const [client, capture] of captures) {
    const { evidence, problems } = await evidenceFromCaptures(
      [capture],
      { id: FIXTURE_DUT, ip: STUB_ADDRESS },
      { runId: `${client.variant}-${LOOKUPS}-lookups` },
    );
    if (problems.length > 0) throw new Error(`reading the ${client.variant} capture: ${problems.join('; ')}`);
    // The capture is committed beside the fixtures: events name it by its path in the project.
    const committed = `suites/randomness/real-traffic/${client.variant}.pcapng`;
    const named = (event: object) =>
      'capture' in event ? { ...event, capture: { ...(event.capture as CaptureRef), file: committed } } : event;
    const ndjson = `${evidence.events.map((e) => JSON.stringify(named(e))).join('\n')}\n`;
    const written = CHECKS.map((check) => `${check}.${client.kinds[check]}.${client.variant}.ndjson`);
    for (const file of written) writeFileSync(join(FIXTURES, file), ndjson);
    copyFileSync(capture, join(SUITES_DIR, '..', committed));
    chmodSync(join(SUITES_DIR, '..', committed), 0o644);
    console.log(
      `${client.variant}: ${LOOKUPS} lookups, ${evidence.queries(FIXTURE_DUT).length} queries, written as ${written.join(', ')} and ${committed}`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
