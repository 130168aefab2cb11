/**
 * Throughput of the harness resolver beside two reference servers, measured with dnsperf.
 *
 *   npx tsx bench/resolver-throughput.ts [--seconds 4] [--rounds 3] [--transports udp,tcp,dot] [--cpu-prof DIR]
 *
 * (bench/RESOLVER.md has the figures measured on the project's machine and what they mean.)
 *
 * Our resolver (a child process, `serve-resolver.ts`, writing evidence as a run does),
 * dnsmasq and unbound each serve the same name with the same answer on their own loopback
 * address; dnsperf queries each in turn over UDP, TCP and DoT (dnsmasq has no DoT: n/a), our
 * resolver once under the baseline scenario (pass-through) and once under an adversarial
 * one (`ttl(0)|forgeA(canary)`). Prints queries/s, latency (mean, p50, p99, max from
 * dnsperf's per-query report), lost queries, and the ratios ours/dnsmasq and ours/unbound.
 * Performance is measured and printed here, never asserted in a unit test.
 *
 * Network safety: everything stays on loopback, in 127.0.70.0/24 (fixed, not configurable).
 * dnsmasq has no upstream (`--no-resolv`, no `--server`); unbound is a local-data answerer
 * that refuses every other name (`local-zone: "." refuse`) and runs only the iterator on a
 * refused root, so neither ever sends a packet upstream. Every run is bounded (`-l` seconds,
 * `-n` queries), every child is killed at the end, on error and on Ctrl-C.
 */
import { execFile, fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs, promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { Answer } from 'dns-packet';
import { DEFAULT_RESOLVER_NAME } from '../lib/resolver/ddr.ts';
import { ensureLabServerCertificate } from '../lib/resolver/lab-certificate.ts';
import type { BoundEndpoint } from '../lib/resolver/resolver.ts';
import { query, udpExchange } from '../lib/resolver/resolver-test-kit.ts';
import type { ServeReply, ServeRequest } from './serve-resolver.ts';

/** The bench's private loopback range: one address per server, one for the load generator. */
const NET = {
  ours: '127.0.70.1',
  dnsmasq: '127.0.70.2',
  unbound: '127.0.70.3',
  dnsmasqLogging: '127.0.70.4',
  unboundLogging: '127.0.70.5',
  client: '127.0.70.9',
} as const;
/** The one name all three serve, its genuine answer, and where the adversarial scenario points instead. */
const NAME = 'bench.dnsconform.test';
const ANSWER = '127.0.70.200';
const TTL = 30;
const CANARY = '127.0.70.77';

const SCENARIOS = {
  baseline: [] as string[],
  adversarial: ['ttl(0)', `forgeA(${CANARY})`],
};
type ScenarioName = keyof typeof SCENARIOS;
const TRANSPORTS = ['udp', 'tcp', 'dot'] as const;
type BenchTransport = (typeof TRANSPORTS)[number];

const run = promisify(execFile);

/** The reference servers, each measured as it serves by default and while logging every query and reply. */
const PEER_LABELS = ['dnsmasq', 'dnsmasq+log', 'unbound', 'unbound+log'] as const;

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '1' },
    'max-queries': { type: 'string', default: '2000000' },
    transports: { type: 'string', default: TRANSPORTS.join(',') },
    scenarios: { type: 'string', default: Object.keys(SCENARIOS).join(',') },
    port: { type: 'string', default: '10053' },
    'dot-port': { type: 'string', default: '10853' },
    clients: { type: 'string', default: '1' },
    outstanding: { type: 'string', default: '100' },
    'cpu-prof': { type: 'string' },
    keep: { type: 'boolean', default: false },
    pin: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  process.stdout.write(`usage: npx tsx bench/resolver-throughput.ts [options]
  --seconds N         dnsperf time limit per measurement (-l), default 4
  --rounds N          repeat every measurement N times, interleaved; report the median (default 1)
  --max-queries N     dnsperf query bound per measurement (-n over a one-line file), default 2000000
  --transports LIST   of udp,tcp,dot (default all)
  --scenarios LIST    of baseline,adversarial (default both)
  --port N            UDP/TCP port every server listens on (default 10053)
  --dot-port N        DoT port (default 10853)
  --clients N         dnsperf -c (default 1)
  --outstanding N     dnsperf -q, queries in flight (default 100)
  --cpu-prof DIR      write a V8 CPU profile of our resolver per measurement into DIR
  --keep              keep the temporary directory (configs, dnsperf output, evidence)
  --pin               pin the server under test to CPU 0 and dnsperf to the other CPUs
`);
  process.exit(0);
}

function positive(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`--${name}: "${text}" is not a positive integer\n`);
    process.exit(2);
  }
  return value;
}
function listOf<T extends string>(name: string, text: string | undefined, allowed: readonly T[]): T[] {
  const items = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = items.filter((s) => !allowed.includes(s as T));
  if (bad.length > 0 || items.length === 0) {
    process.stderr.write(`--${name}: expected a list of ${allowed.join(', ')}, got "${text}"\n`);
    process.exit(2);
  }
  return items as T[];
}

const config = {
  seconds: positive('seconds', opts.seconds),
  rounds: positive('rounds', opts.rounds),
  maxQueries: positive('max-queries', opts['max-queries']),
  transports: listOf('transports', opts.transports, TRANSPORTS),
  scenarios: listOf('scenarios', opts.scenarios, Object.keys(SCENARIOS) as ScenarioName[]),
  port: positive('port', opts.port),
  dotPort: positive('dot-port', opts['dot-port']),
  clients: positive('clients', opts.clients),
  outstanding: positive('outstanding', opts.outstanding),
};
/**
 * CPU pinning (taskset): the server under test on CPU 0, dnsperf's send and receive
 * threads on the others, so every server gets one whole core to itself (dnsmasq and Node
 * are single-threaded; unbound is configured with one thread) and is not preempted by the
 * load generator it is answering. Opt-in (the figures in bench/RESOLVER.md are unpinned,
 * as the issue's were); ignored on a single-CPU machine.
 */
const CPUS = availableParallelism();
const PIN = opts.pin && CPUS >= 2;
const SERVER_CPUS = '0';
const CLIENT_CPUS = `1-${CPUS - 1}`;
/** `command args` run with the given CPU affinity when pinning. */
function pinned(cpus: string, command: string, args: string[]): [string, string[]] {
  return PIN ? ['taskset', ['-c', cpus, command, ...args]] : [command, args];
}

/** Seconds dnsperf waits for an answer before counting the query lost. */
const QUERY_TIMEOUT_SECONDS = 2;
/** How long a server may take to answer its first probe after start. */
const READY_WITHIN_MS = 10_000;

// ---------------------------------------------------------------------------------------
// Children: every process the bench starts, so each is ended however the bench ends.

const children = new Set<ChildProcess>();
const work = mkdtempSync(join(tmpdir(), 'dnsconform-bench-'));

function track<T extends ChildProcess>(child: T, label: string): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', (error) => process.stderr.write(`${label}: ${error.message}\n`));
  return child;
}

/** Ends one child we started (SIGTERM, then SIGKILL after a grace period). */
function end(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function cleanUp(): Promise<void> {
  await Promise.all([...children].map((child) => end(child)));
  if (!opts.keep) rmSync(work, { recursive: true, force: true });
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    process.stderr.write(`\n${signal}: stopping every server and dnsperf\n`);
    void cleanUp().then(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------
// The servers.

/** A running server under test. */
interface Server {
  label: string;
  /** The server's process, whose CPU time is read around each measurement. */
  pid: number;
  address: string;
  /** Port per transport; a transport the server does not offer is absent. */
  ports: Partial<Record<BenchTransport, number>>;
  /** A peer that records every query and reply in a log file: where, and how to count its lines. */
  log?: PeerLog;
  stop(): Promise<void>;
}

/** A logging peer's query log: its file, and which lines are a query received and a reply sent. */
interface PeerLog {
  file: string;
  query: RegExp;
  reply: RegExp;
}

/** Waits until `address` answers the bench name over UDP from the client address; returns the answer. */
async function waitForAnswer(label: string, address: string, port: number): Promise<Answer[]> {
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    const reply = await udpExchange(NET.client, { address, port }, query(NAME, 'A', 0x0b0b), 200);
    if (reply && reply.rcode === 'NOERROR') return reply.answers ?? [];
    if (Date.now() > deadline)
      throw new Error(`${label} did not answer ${NAME} on ${address}:${port} within ${READY_WITHIN_MS} ms`);
  }
}

function describeAnswer(answers: Answer[]): string {
  return (
    answers
      .map((a) => `${a.type} ${String((a as { data: unknown }).data)} ttl ${'ttl' in a ? a.ttl : '?'}`)
      .join(', ') || 'no answer'
  );
}

/** Starts a peer binary, fails early when it exits during start-up. */
async function startPeer(
  label: string,
  command: string,
  args: string[],
  address: string,
  ports: Server['ports'],
  queryLog?: PeerLog,
): Promise<Server> {
  const log = openSync(join(work, `${label}.log`), 'w');
  const child = track(spawn(...pinned(SERVER_CPUS, command, args), { stdio: ['ignore', log, log] }), label);
  closeSync(log);
  const early = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`${label} exited during start-up (${signal ?? code}); see ${join(work, `${label}.log`)}`)),
    ),
  );
  const answers = await Promise.race([waitForAnswer(label, address, ports.udp!), early]);
  early.catch(() => undefined);
  progress(`${label} ready on ${address} (${describeAnswer(answers)})`);
  return { label, pid: child.pid!, address, ports, ...(queryLog ? { log: queryLog } : {}), stop: () => end(child) };
}

/**
 * dnsmasq as it serves for real; with `logging`, also with every query and every reply
 * written to a log file (`--log-queries=extra --log-facility=FILE`), as a resolver that
 * keeps a record of what it served would run.
 */
function startDnsmasq(logging: boolean): Promise<Server> {
  const label = logging ? 'dnsmasq+log' : 'dnsmasq';
  const address = logging ? NET.dnsmasqLogging : NET.dnsmasq;
  const logFile = join(work, `${label}.queries.log`);
  return startPeer(
    label,
    'dnsmasq',
    [
      // Foreground, logging to stderr, but otherwise as dnsmasq serves for real: --no-daemon (debug
      // mode) would also answer TCP in the main process instead of forking a child per connection.
      '--keep-in-foreground',
      ...(logging ? ['--log-queries=extra', `--log-facility=${logFile}`] : ['--log-facility=-']),
      '--conf-file=/dev/null', // no system configuration
      '--no-resolv',
      '--no-poll',
      '--no-hosts', // no upstream servers, no /etc/hosts
      `--listen-address=${address}`,
      '--bind-interfaces',
      `--port=${config.port}`,
      `--host-record=${NAME},${ANSWER},${TTL}`,
      '--pid-file', // none
    ],
    address,
    { udp: config.port, tcp: config.port },
    // `query[A] bench.dnsconform.test from 127.0.70.9` and `/etc/hosts`-style `config bench… is 127.0.70.200`.
    logging
      ? {
          file: logFile,
          query: / query\[A\] bench\.dnsconform\.test from /,
          reply: / config bench\.dnsconform\.test is /,
        }
      : undefined,
  );
}

/**
 * unbound answering from local data; with `logging`, also with every query and every reply
 * written to a log file (`log-queries`, `log-replies`, `logfile:`, not syslog).
 */
function startUnbound(tls: { keyFile: string; chainFile: string }, logging: boolean): Promise<Server> {
  const label = logging ? 'unbound+log' : 'unbound';
  const address = logging ? NET.unboundLogging : NET.unbound;
  const conf = join(work, `${label}.conf`);
  const logFile = join(work, `${label}.queries.log`);
  writeFileSync(
    conf,
    `server:
  interface: ${address}@${config.port}
  interface: ${address}@${config.dotPort}
  tls-port: ${config.dotPort}
  tls-service-key: "${tls.keyFile}"
  tls-service-pem: "${tls.chainFile}"
  interface-automatic: no
  do-ip6: no
  # One thread, like dnsmasq and Node: the comparison is per core.
  num-threads: 1
  username: ""
  chroot: ""
  directory: "${work}"
  pidfile: ""
  use-syslog: no
  logfile: "${logging ? logFile : ''}"
  verbosity: 1
  log-queries: ${logging ? 'yes' : 'no'}
  log-replies: ${logging ? 'yes' : 'no'}
  access-control: 0.0.0.0/0 refuse
  access-control: ${NET.client}/32 allow
  # Authoritative for the bench name only; everything else is refused, so nothing is ever
  # resolved upstream (no root hints are fetched, no forwarding is configured).
  module-config: "iterator"
  local-zone: "." refuse
  local-zone: "${NAME}." static
  local-data: "${NAME}. ${TTL} IN A ${ANSWER}"
remote-control:
  control-enable: no
`,
  );
  return startPeer(
    label,
    'unbound',
    ['-d', '-c', conf],
    address,
    { udp: config.port, tcp: config.port, dot: config.dotPort },
    // `info: 127.0.70.9 bench.dnsconform.test. A IN` (query), then `… A IN NOERROR 0.000000 1 55` (reply: rcode, time, from cache, size).
    logging
      ? {
          file: logFile,
          query: /\binfo: \S+ bench\.dnsconform\.test\. A IN$/,
          reply: /\binfo: \S+ bench\.dnsconform\.test\. A IN [A-Z]+ [\d.]+ \d \d+$/,
        }
      : undefined,
  );
}

/** Our resolver in a child process, under one scenario, writing evidence to `eventsFile`. */
async function startOurs(
  scenario: ScenarioName,
  transport: BenchTransport,
  tls: ServeRequest['tls'],
  eventsFile: string,
): Promise<Server & { stopped: Promise<number> }> {
  const label = `ours (${scenario})`;
  // One folder per measurement; V8 names each thread's profile (the main thread's is the largest; tsx's loader thread has one too).
  const prof = opts['cpu-prof']
    ? ['--cpu-prof', '--cpu-prof-dir', join(opts['cpu-prof'], `ours-${scenario}-${transport}`)]
    : [];
  const child = track(
    fork(fileURLToPath(new URL('./serve-resolver.ts', import.meta.url)), [], {
      execArgv: ['--import', import.meta.resolve('tsx'), ...prof],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
    label,
  );
  const replies: ServeReply[] = [];
  let wake: (() => void) | null = null;
  child.on('message', (reply: ServeReply) => {
    replies.push(reply);
    wake?.();
  });
  const next = async (): Promise<ServeReply> => {
    while (replies.length === 0) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${label} exited (${child.signalCode ?? child.exitCode})`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        child.once('exit', () => resolve());
      });
    }
    return replies.shift()!;
  };
  const request: ServeRequest = {
    dutId: 'bench-client',
    dutAddresses: [NET.client],
    // UDP always (the readiness probe uses it), plus the transport measured.
    listen: [
      { transport: 'udp', address: NET.ours, port: config.port },
      ...(transport === 'udp'
        ? []
        : [{ transport, address: NET.ours, port: transport === 'dot' ? config.dotPort : config.port }]),
    ],
    zone: [{ name: NAME, type: 'A', ttl: TTL, data: ANSWER }],
    scenario: SCENARIOS[scenario],
    canaries: [CANARY],
    tls,
    eventsFile,
  };
  // fork() cannot go through taskset: pin every thread of the running child instead (threads it starts later inherit it).
  if (PIN) await run('taskset', ['-a', '-p', '-c', SERVER_CPUS, String(child.pid)]);
  child.send(request);
  const ready = await next();
  if (!('ready' in ready))
    throw new Error(`${label} failed to start: ${'failed' in ready ? ready.failed : JSON.stringify(ready)}`);
  const ports: Server['ports'] = {};
  for (const endpoint of ready.ready as BoundEndpoint[])
    if (endpoint.transport !== 'doh') ports[endpoint.transport] = endpoint.port;
  const answers = await waitForAnswer(label, NET.ours, config.port);
  progress(`${label} ready on ${NET.ours} (${describeAnswer(answers)})`);
  let resolveStopped!: (events: number) => void;
  const stopped = new Promise<number>((resolve) => {
    resolveStopped = resolve;
  });
  return {
    label,
    pid: child.pid!,
    address: NET.ours,
    ports,
    stopped,
    stop: async () => {
      child.send('stop');
      const reply = await next();
      resolveStopped('stopped' in reply ? reply.stopped : -1);
      await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    },
  };
}

// ---------------------------------------------------------------------------------------
// dnsperf.

interface Measurement {
  sent: number;
  completed: number;
  lost: number;
  qps: number;
  /** Milliseconds, from dnsperf's per-query (-v) report. */
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  rcodes: string;
  /**
   * CPU time the server process used per completed query (user + system, all its threads,
   * from /proc), µs. Unlike queries/s it hardly depends on what else the machine runs.
   */
  cpuUsPerQuery: number;
}

/** CPU time a process has used so far (user + system, every thread), µs, from /proc/PID/stat. */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) : state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}
/** USER_HZ: Linux reports /proc CPU times in 1/100 s on every architecture it runs the bench on. */
const CLOCK_TICKS = 100;

const queryFile = join(work, 'queries.txt');
writeFileSync(queryFile, `${NAME} A\n`);

/** dnsperf gave no statistics (it stopped on an error); the text says which. */
class DnsperfFailed extends Error {}

/** Runs dnsperf against one server on one transport, bounded in time and in queries. */
async function dnsperf(server: Server, transport: BenchTransport, tag: string): Promise<Measurement> {
  const outFile = join(work, `dnsperf-${tag}.out`);
  const out = openSync(outFile, 'w');
  const args = [
    '-m',
    transport,
    '-s',
    server.address,
    '-p',
    String(server.ports[transport]),
    '-a',
    NET.client,
    '-d',
    queryFile,
    '-n',
    String(config.maxQueries),
    '-l',
    String(config.seconds),
    '-t',
    String(QUERY_TIMEOUT_SECONDS),
    '-c',
    String(config.clients),
    '-q',
    String(config.outstanding),
    '-v',
    '-W',
  ];
  const cpuBefore = cpuMicros(server.pid);
  const child = track(spawn(...pinned(CLIENT_CPUS, 'dnsperf', args), { stdio: ['ignore', out, 'pipe'] }), 'dnsperf');
  closeSync(out);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const cpu = cpuMicros(server.pid) - cpuBefore;
  const measured = await parseDnsperf(outFile, cpu);
  if (code !== 0 || !measured) {
    throw new DnsperfFailed(
      `dnsperf exited ${code}${measured ? '' : ' without statistics'}: ${(stderr.trim() || (await errorLines(outFile))).slice(0, 200)}`,
    );
  }
  return measured;
}

/** dnsperf's warnings and errors (with -W they go to its standard output). */
async function errorLines(file: string): Promise<string> {
  const found: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (/^(Error|Warning):/.test(line) && !found.includes(line)) found.push(line);
  }
  return found.join('; ');
}

/**
 * Reads dnsperf's summary and its per-query lines (`> NOERROR name A 0.000123`; `> T ...` is
 * a timeout); null when there is no summary.
 */
async function parseDnsperf(file: string, cpuMicrosUsed: number): Promise<Measurement | null> {
  const latencies: number[] = [];
  const summary: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line.startsWith('> ')) {
      const fields = line.split(' ');
      const seconds = Number(fields[fields.length - 1]);
      // A latency beyond the timeout cannot be real: dnsperf prints such values for answers it
      // matched to a stale slot after a peer dropped a pipelined TCP connection.
      if (fields[1] !== 'T' && fields[1] !== 'I' && seconds >= 0 && seconds <= QUERY_TIMEOUT_SECONDS)
        latencies.push(seconds * 1000);
    } else {
      summary.push(line);
    }
  }
  const text = summary.join('\n');
  if (!text.includes('Statistics:')) return null;
  const statistics = text.slice(text.indexOf('Statistics:'));
  const number = (pattern: RegExp): number => {
    const match = pattern.exec(statistics);
    if (!match?.[1]) throw new Error(`dnsperf output ${file} has no ${pattern.source}`);
    return Number(match[1]);
  };
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) =>
    sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    sent: number(/Queries sent:\s+(\d+)/),
    completed: number(/Queries completed:\s+(\d+)/),
    lost: number(/Queries lost:\s+(\d+)/),
    qps: number(/Queries per second:\s+([\d.]+)/),
    meanMs: latencies.length === 0 ? NaN : latencies.reduce((a, b) => a + b, 0) / latencies.length,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: sorted.length === 0 ? NaN : sorted[sorted.length - 1]!,
    rcodes: /Response codes:\s+(.*)/.exec(statistics)?.[1] ?? '',
    cpuUsPerQuery: cpuMicrosUsed / Math.max(1, number(/Queries completed:\s+(\d+)/)),
  };
}

// ---------------------------------------------------------------------------------------
// Evidence: every query our resolver answered must be on disk, with its response.

interface EvidenceCount {
  events: number;
  queries: number;
  responses: number;
  /** Whether `seq` runs 1, 2, 3 ... with no gap or garbled line. */
  contiguous: boolean;
  bytes: number;
}

async function countEvidence(file: string): Promise<EvidenceCount> {
  const count: EvidenceCount = { events: 0, queries: 0, responses: 0, contiguous: true, bytes: statSync(file).size };
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    count.events += 1;
    // JSON.stringify puts `seq` first and `type` second: `{"seq":12,"type":"dns.query",...`.
    if (!line.startsWith(`{"seq":${count.events},`)) count.contiguous = false;
    if (line.includes('"type":"dns.query"')) count.queries += 1;
    else if (line.includes('"type":"dns.response"')) count.responses += 1;
  }
  return count;
}

interface PeerLogCount {
  queries: number;
  replies: number;
  bytes: number;
}

/**
 * Counts the queries and replies a logging peer wrote after byte `from` of its log. The
 * peer may still be writing what it queued (dnsmasq queues log lines while the file is
 * busy): the count is taken again until the file stops growing.
 */
async function countPeerLog(log: PeerLog, from: number): Promise<PeerLogCount> {
  for (;;) {
    const size = statSync(log.file).size;
    const count: PeerLogCount = { queries: 0, replies: 0, bytes: size - from };
    const lines = createInterface({
      input: createReadStream(log.file, { start: from, end: size - 1 }),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      if (log.query.test(line)) count.queries += 1;
      else if (log.reply.test(line)) count.replies += 1;
    }
    if (statSync(log.file).size === size) return count;
  }
}

// ---------------------------------------------------------------------------------------
// The run.

function progress(line: string): void {
  process.stderr.write(`  ${line}\n`);
}

/** One line of the report: a server on a transport (ours: under one scenario), over every round. */
interface Row {
  transport: BenchTransport;
  server: string;
  scenario: string;
  /** One per round that gave statistics. */
  runs: Measurement[];
  /** Why a round gave none. */
  notes: string[];
  evidence: (EvidenceCount & { ok: boolean })[];
  /** A logging peer: what its query log holds for each round. */
  peerLog: (PeerLogCount & { ok: boolean })[];
}

async function main(): Promise<void> {
  const version = await new Promise<string>((resolve) => {
    const child = spawn('dnsperf', ['-h'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => {
      text += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      text += c;
    });
    child.once('exit', () => resolve(/Version (\S+)/.exec(text)?.[1] ?? '?'));
  });
  process.stderr.write(
    `dnsconform resolver throughput bench (dnsperf ${version}, ${config.rounds} round(s) of ${config.seconds} s or ${config.maxQueries} queries per measurement, ${config.clients} client(s), ${config.outstanding} in flight, ${PIN ? `servers on CPU ${SERVER_CPUS}, dnsperf on CPU ${CLIENT_CPUS}` : 'not pinned'}, ${CPUS} CPUs, load average ${loadavg()[0]!.toFixed(2)}; work dir ${work})\n`,
  );
  if (loadavg()[0]! > 0.5)
    process.stderr.write(
      '  other work is running on this machine: figures will be noisy; ratios from one run are still comparable\n',
    );

  // One lab certificate covers our resolver and unbound (dnsperf does not verify it; unbound needs one to serve DoT).
  const labTls = await ensureLabServerCertificate(work, {
    names: [DEFAULT_RESOLVER_NAME],
    addresses: [NET.ours, NET.unbound, NET.unboundLogging],
  });
  const tlsFiles = { keyFile: join(work, 'server.key.pem'), chainFile: join(work, 'server.chain.pem') };
  writeFileSync(tlsFiles.keyFile, labTls.keyPem, { mode: 0o600 });
  writeFileSync(tlsFiles.chainFile, labTls.certPem);
  const tls = { keyPem: labTls.keyPem, certPem: labTls.certPem };

  const rows = new Map<string, Row>();
  const rowFor = (transport: BenchTransport, server: string, scenario: string): Row => {
    const key = `${transport}|${server}|${scenario}`;
    if (!rows.has(key)) rows.set(key, { transport, server, scenario, runs: [], notes: [], evidence: [], peerLog: [] });
    return rows.get(key)!;
  };
  const peers = [
    await startDnsmasq(false),
    await startDnsmasq(true),
    await startUnbound(tlsFiles, false),
    await startUnbound(tlsFiles, true),
  ];
  try {
    for (let round = 1; round <= config.rounds; round += 1) {
      for (const transport of config.transports) {
        for (const peer of peers) {
          if (interrupted) return;
          const row = rowFor(transport, peer.label, 'genuine');
          if (peer.ports[transport] === undefined) {
            if (round === 1) row.notes.push(`${peer.label} does not serve ${transport}`);
            continue;
          }
          progress(`round ${round}, ${transport}: ${peer.label}`);
          try {
            const logged = peer.log ? statSync(peer.log.file).size : 0;
            const result = await dnsperf(peer, transport, `${peer.label}-${transport}-${round}`);
            row.runs.push(result);
            if (peer.log) {
              const count = await countPeerLog(peer.log, logged);
              const ok =
                count.queries >= result.completed && count.queries <= result.sent && count.replies === count.queries;
              row.peerLog.push({ ...count, ok });
              if (!ok)
                row.notes.push(
                  `round ${round}: query log INCOMPLETE: ${count.queries} queries, ${count.replies} replies logged; dnsperf sent ${result.sent}, completed ${result.completed}`,
                );
              // The peer appends (O_APPEND): emptying the file between measurements keeps the disk use bounded.
              truncateSync(peer.log.file, 0);
            }
          } catch (error) {
            // A peer that dnsperf cannot measure on a transport is a finding, not a bench failure.
            if (!(error instanceof DnsperfFailed)) throw error;
            progress(`${transport}: ${peer.label}: ${error.message}`);
            row.notes.push(`round ${round}: ${error.message}`);
          }
        }
        for (const scenario of config.scenarios) {
          if (interrupted) return;
          const row = rowFor(transport, 'ours', `${scenario}: ${SCENARIOS[scenario].join('|') || 'pass-through'}`);
          const eventsFile = join(work, `events-${scenario}-${transport}-${round}.ndjson`);
          const ours = await startOurs(scenario, transport, tls, eventsFile);
          progress(`round ${round}, ${transport}: ${ours.label}`);
          let result: Measurement;
          try {
            result = await dnsperf(ours, transport, `ours-${scenario}-${transport}-${round}`);
          } finally {
            await ours.stop();
          }
          const written = await ours.stopped;
          const evidence = await countEvidence(eventsFile);
          // The readiness probe is one more query than dnsperf sent. Every query that arrived is
          // recorded with its response; queries dnsperf counts lost may never have arrived.
          const probes = 1;
          const ok =
            evidence.contiguous &&
            evidence.events === written &&
            evidence.responses === evidence.queries &&
            evidence.queries >= result.completed + probes &&
            evidence.queries <= result.sent + probes;
          row.runs.push(result);
          row.evidence.push({ ...evidence, ok });
          if (!ok)
            row.notes.push(
              `round ${round}: evidence INCOMPLETE: ${JSON.stringify(evidence)}, written ${written}, dnsperf sent ${result.sent}, completed ${result.completed}`,
            );
          if (!opts.keep) rmSync(eventsFile, { force: true });
        }
      }
    }
  } finally {
    await Promise.all(peers.map((peer) => peer.stop()));
  }
  report([...rows.values()]);
}

// ---------------------------------------------------------------------------------------
// The report.

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

/** The round with the median rate (the lower middle one for an even count). */
function median(runs: Measurement[]): Measurement | undefined {
  return [...runs].sort((a, b) => a.qps - b.qps)[Math.floor((runs.length - 1) / 2)];
}
const lostIn = (row: Row) => row.runs.reduce((sum, r) => sum + r.lost, 0);
const evidenceOk = (row: Row) => row.evidence.length === row.runs.length && row.evidence.every((e) => e.ok);

function report(rows: Row[]): void {
  const several = config.rounds > 1;
  const table: string[][] = [
    [
      'transport',
      'server',
      'scenario',
      several ? 'median q/s' : 'queries/s',
      ...(several ? ['q/s range'] : []),
      'mean ms',
      'p50 ms',
      'p99 ms',
      'max ms',
      'sent',
      'lost',
      'CPU µs/q',
      ...PEER_LABELS.map((label) => `ours/${label}`),
      'evidence (queries/responses on disk)',
    ],
  ];
  for (const row of rows) {
    const m = median(row.runs);
    const ratio = (label: string) => {
      if (row.server !== 'ours') return '';
      const peer = rows.find((r) => r.transport === row.transport && r.server === label);
      const base = peer && median(peer.runs);
      if (!m || !peer || !base) return 'n/a';
      // A peer that lost queries was not measured at its rate: the ratio is marked, not hidden.
      return `${fixed(m.qps / base.qps, 2)}${lostIn(peer) > 0 ? '*' : ''}`;
    };
    const qpsRange =
      row.runs.length === 0
        ? 'n/a'
        : `${fixed(Math.min(...row.runs.map((r) => r.qps)), 0)}–${fixed(Math.max(...row.runs.map((r) => r.qps)), 0)}`;
    const onDisk = row.evidence.reduce(
      (sum, e) => ({ q: sum.q + e.queries, r: sum.r + e.responses, mb: Math.max(sum.mb, e.bytes / 1e6) }),
      { q: 0, r: 0, mb: 0 },
    );
    const peerLogged = row.peerLog.reduce(
      (sum, l) => ({ q: sum.q + l.queries, r: sum.r + l.replies, mb: Math.max(sum.mb, l.bytes / 1e6) }),
      { q: 0, r: 0, mb: 0 },
    );
    table.push([
      row.transport,
      row.server,
      row.scenario,
      m ? fixed(m.qps, 0) : 'n/a',
      ...(several ? [qpsRange] : []),
      m ? fixed(m.meanMs, 3) : 'n/a',
      m ? fixed(m.p50Ms, 3) : 'n/a',
      m ? fixed(m.p99Ms, 3) : 'n/a',
      m ? fixed(m.maxMs, 2) : 'n/a',
      m ? String(row.runs.reduce((sum, r) => sum + r.sent, 0)) : 'n/a',
      m ? String(lostIn(row)) : 'n/a',
      m ? fixed(m.cpuUsPerQuery, 1) : 'n/a',
      ...PEER_LABELS.map(ratio),
      row.evidence.length > 0
        ? `${evidenceOk(row) ? 'complete' : 'INCOMPLETE'} ${onDisk.q}/${onDisk.r} (${onDisk.mb.toFixed(0)} MB${several ? ' largest' : ''})`
        : row.peerLog.length > 0
          ? `log ${row.peerLog.every((l) => l.ok) ? 'complete' : 'INCOMPLETE'} ${peerLogged.q}/${peerLogged.r} (${peerLogged.mb.toFixed(0)} MB${several ? ' largest' : ''})`
          : '',
    ]);
  }
  const widths = table[0]!.map((_, i) => Math.max(...table.map((line) => line[i]!.length)));
  const lines = table.map((line) =>
    line
      .map((cell, i) => (i <= 2 || i === line.length - 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
  process.stdout.write(`\n${lines[0]}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${lines.slice(1).join('\n')}\n`);
  process.stdout.write(
    `\n${several ? 'Latencies are those of the median round; sent and lost are summed over all rounds. ' : ''}Latencies from dnsperf's per-query report; lost = dnsperf's timeouts (${QUERY_TIMEOUT_SECONDS} s); CPU µs/q = the server process's CPU time (user + system, /proc) per completed query.\n`,
  );
  if (rows.some((r) => r.server !== 'ours' && lostIn(r) > 0))
    process.stdout.write('* the peer lost queries on this transport, so its rate is not a fair denominator\n');
  for (const row of rows)
    for (const note of row.notes)
      process.stdout.write(
        `${row.transport} ${row.server}${row.server === 'ours' ? ` (${row.scenario})` : ''}: ${note}\n`,
      );

  // The target: over UDP, every scenario of ours at least as fast as dnsmasq keeping a query
  // log, with no query lost and every query and response in the evidence.
  const logging = rows.find((r) => r.transport === 'udp' && r.server === 'dnsmasq+log');
  const theirs = logging && median(logging.runs);
  for (const target of rows.filter((r) => r.transport === 'udp' && r.server === 'ours')) {
    const ours = median(target.runs);
    if (!ours || !theirs) continue;
    const ratio = ours.qps / theirs.qps;
    const met = ratio >= 1 && lostIn(target) === 0 && evidenceOk(target);
    process.stdout.write(
      `${target === rows.find((r) => r.transport === 'udp' && r.server === 'ours') ? '\n' : ''}target (UDP, ${target.scenario}: at least the rate of dnsmasq logging every query, no lost queries, evidence complete): ${met ? 'MET' : 'NOT MET'} — ${fixed(ratio, 2)} × dnsmasq+log, ${lostIn(target)} lost, evidence ${evidenceOk(target) ? 'complete' : 'INCOMPLETE'}\n`,
    );
  }
  if (rows.some((r) => r.evidence.length > 0 && !evidenceOk(r))) process.exitCode = 1;
}

main()
  .catch((error: Error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exitCode = 3;
  })
  .finally(() => cleanUp());
