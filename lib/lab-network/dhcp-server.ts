/**
 * The lab segment's DHCP server for a run: Debian's dnsmasq, DHCP only (`port=0`: the
 * harness is the resolver), from a configuration generated into the run directory. One
 * server per interface serves every DUT of the run on that segment: a fixed address per
 * MAC (static leases only, so nothing else on the segment gets one), option 6 naming the
 * harness resolver, a short lease, DNR (RFC 9463) for the resolver's DoT/DoH endpoints
 * when offered, and on IPv6 router advertisements with RDNSS (RFC 8106).
 *
 * Option 6 lives in a `dhcp-optsfile` that dnsmasq re-reads on SIGHUP: the resolver-change
 * experiment rewrites it, and the DUT learns the new resolver at its next renewal. Every
 * lease, renewal, NAK and release is parsed from `--log-dhcp` into the DUT's evidence.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { nowMicros } from '../evidence/clock.ts';
import type { EvidenceSink } from '../evidence/event-log.ts';
import type { DhcpLeaseEvent } from '../evidence/events.ts';
import { LOOPBACK_INTERFACE, dhcpResolvers, inSubnet, netmask, parseSubnet } from '../profile/lab-dhcp.ts';
import type { LabDhcp, Profile } from '../profile/profile-types.ts';
import { DEFAULT_RESOLVER_NAME } from '../resolver/ddr.ts';
import { DHCPV4_DNR_OPTION, DHCPV6_DNR_OPTION, dnsmasqHex, encodeDhcpv4Dnr, encodeDhcpv6Dnr } from './dnr.ts';
import type { DnrInstance } from './dnr.ts';
import { DnsmasqLeaseLog } from './dnsmasq-log.ts';
import { stopWithHarness } from '../build/stop-with-harness.ts';

/** A DUT the DHCP server serves. */
export interface DhcpClient {
  dutId: string;
  mac: string;
  /** Its fixed IPv4 address. */
  address: string;
}

/** One segment: an interface, its settings (from the first profile naming it), the DUTs on it. */
export interface DhcpSegment {
  dhcp: LabDhcp;
  /**
   * A simulated devices' segment on loopback: dnsmasq listens on this port instead of 67
   * (`dhcp-alternate-port`; no root needed for the port, none taken from the host's own
   * DHCP), picked free at run time. Null on a lab interface.
   */
  serverPort?: number | null;
  /** The profile the settings come from (resolver listeners, its name). */
  profile: Profile;
  clients: DhcpClient[];
}

/** Where the server's files go: each segment writes `dhcp-<interface>.*` into every DUT's run directory. */
export interface DhcpFiles {
  config: string;
  options: string;
  leases: string;
}

/** The DUTs of a run grouped by the lab interface their profiles name. */
export function dhcpSegments(profiles: readonly Profile[]): DhcpSegment[] {
  const byInterface = new Map<string, DhcpSegment>();
  for (const profile of profiles) {
    const dhcp = profile.network?.dhcp;
    if (!dhcp || !profile.dut.mac) continue;
    const address = profile.dut.addresses.find((a) => !isIPv6(a));
    if (address === undefined) continue;
    let segment = byInterface.get(dhcp.interface);
    if (!segment) {
      segment = { dhcp, profile, clients: [] };
      byInterface.set(dhcp.interface, segment);
    } else if (segment.dhcp.subnet !== dhcp.subnet) {
      throw new DhcpSetupError(
        `${profile.dut.id}: network.dhcp.subnet ${dhcp.subnet} differs from ${segment.profile.dut.id}'s ${segment.dhcp.subnet} on the same interface ${dhcp.interface}`,
      );
    }
    const clash = segment.clients.find((c) => c.address === address || c.mac === profile.dut.mac!.toLowerCase());
    if (clash) {
      throw new DhcpSetupError(
        `${profile.dut.id} and ${clash.dutId} would both get ${address} (or share a MAC) on ${dhcp.interface}: give one of them dut.addresses`,
      );
    }
    segment.clients.push({ dutId: profile.dut.id, mac: profile.dut.mac.toLowerCase(), address });
  }
  return [...byInterface.values()];
}

/** The DHCP server cannot run as the profiles ask (bad input, exit 2). */
export class DhcpSetupError extends Error {
  override name = 'DhcpSetupError';
}

/** The DNR instances for the resolver's encrypted listeners inside `family`'s addresses. */
function dnrInstances(profile: Profile, family: 4 | 6, inSegment: (address: string) => boolean): DnrInstance[] {
  const adn = profile.resolver.name ?? DEFAULT_RESOLVER_NAME;
  const encrypted = profile.resolver.listen.flatMap((l) =>
    (l.transport === 'dot' || l.transport === 'doh') && isIPv6(l.address) === (family === 6) && inSegment(l.address)
      ? [l]
      : [],
  );
  return encrypted.map((l, i) => ({
    priority: i + 1,
    adn,
    addresses: [l.address],
    params:
      l.transport === 'dot'
        ? { alpn: ['dot'], ...(l.port !== 853 ? { port: l.port } : {}) }
        : { alpn: ['h2'], ...(l.port !== 443 ? { port: l.port } : {}), dohpath: `${l.path}{?dns}` },
  }));
}

/** The option-6 line of the options file for `resolvers`. */
function resolverOptionLine(resolvers: readonly string[]): string {
  return `option:dns-server,${resolvers.join(',')}\n`;
}

/** The generated dnsmasq configuration for one segment (long options, one per line). */
export function dnsmasqConfig(segment: DhcpSegment, files: DhcpFiles): string {
  const { dhcp, profile } = segment;
  const subnet = parseSubnet(dhcp.subnet);
  if (!subnet) throw new DhcpSetupError(`network.dhcp.subnet ${dhcp.subnet} is not usable`);
  const network = dhcp.subnet.split('/')[0]!;
  const lines = [
    `# dnsmasq configuration generated by dnsconform for ${segment.clients.map((c) => c.dutId).join(', ')}`,
    '# DHCP only: the harness is the resolver.',
    'port=0',
    'no-resolv',
    'no-hosts',
    `interface=${dhcp.interface}`,
    'bind-interfaces',
    'dhcp-authoritative',
    'keep-in-foreground',
    'log-dhcp',
    'log-facility=-',
    'pid-file=',
    // dnsmasq would drop to nobody, who cannot read the options file in a run directory
    // under a private (0700) directory: it stays the user the harness runs as.
    `user=${userInfo().username}`,
    `dhcp-leasefile=${files.leases}`,
    // Static leases only: the DUTs' fixed addresses, nothing for anyone else on the segment.
    `dhcp-range=${network},static,${netmask(subnet)},${dhcp.leaseSeconds}`,
    ...segment.clients.map((c) => `dhcp-host=${c.mac},${c.address},${dhcp.leaseSeconds}`),
    // Option 6 is in the options file, re-read on SIGHUP when the resolver changes.
    `dhcp-optsfile=${files.options}`,
  ];
  // Loopback: the simulated devices send unicast requests to this port and dnsmasq answers
  // the port they came from (their ciaddr is their source); the second port is unused.
  if (segment.serverPort) lines.push(`dhcp-alternate-port=${segment.serverPort},${segment.serverPort + 1}`);
  if (dhcp.renewSeconds !== undefined) lines.push(`dhcp-option=option:T1,${dhcp.renewSeconds}`);
  if (dhcp.encryptedDns) {
    const v4 = dnrInstances(profile, 4, (a) => inSubnet(a, subnet));
    if (v4.length > 0) lines.push(`dhcp-option=${DHCPV4_DNR_OPTION},${dnsmasqHex(encodeDhcpv4Dnr(v4))}`);
  }
  if (dhcp.ipv6) {
    const prefix = dhcp.ipv6.prefix.split('/')[0]!;
    const resolver6 = profile.resolver.listen.find((l) => l.transport === 'udp' && isIPv6(l.address))?.address;
    // Stateless DHCPv6 for the options, SLAAC for the address, and RAs carrying RDNSS.
    lines.push('enable-ra', `dhcp-range=${prefix},ra-stateless,64,${dhcp.leaseSeconds}`);
    if (resolver6) lines.push(`dhcp-option=option6:dns-server,[${resolver6}]`);
    if (dhcp.encryptedDns) {
      const [first] = dnrInstances(profile, 6, () => true);
      // DHCPv6 carries one instance per option; dnsmasq sends one option per code.
      if (first) lines.push(`dhcp-option=option6:${DHCPV6_DNR_OPTION},${dnsmasqHex(encodeDhcpv6Dnr(first))}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Every dnsmasq the harness started and has not yet seen exit: killed if the harness exits first. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

/**
 * dnsmasq's word on the options file, which holds option 6: `read FILE` when it loaded it
 * (at start, and after each SIGHUP), `cannot read FILE: why` when it could not. The server
 * serves, and a resolver change takes effect, only once dnsmasq has said so; before, a
 * DUT asking would get the old option 6, or none.
 */
class OptionsFileReads {
  private readonly waiting: ((problem: string | null) => void)[] = [];

  constructor(private readonly file: string) {}

  /** Settles the oldest wait when the log line is about the file. */
  line(text: string): void {
    if (text.endsWith(` read ${this.file}`)) this.waiting.shift()?.(null);
    else if (text.includes(`cannot read ${this.file}`))
      this.waiting.shift()?.(text.replace(/^dnsmasq(?:-dhcp)?\[\d+\]: /, ''));
  }

  /** The next read: null once done, else why it failed. Ask before signalling dnsmasq. */
  next(): Promise<string | null> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** dnsmasq is gone: no read will come. */
  fail(why: string): void {
    for (const settle of this.waiting.splice(0)) settle(why);
  }
}

/** What the server needs from the session. */
export interface DhcpServerOptions {
  segment: DhcpSegment;
  /** The run directory of each DUT on the segment, by id (the config is written into each). */
  runDirs: ReadonlyMap<string, string>;
  sink: EvidenceSink;
  progress: (line: string) => void;
  /** The dnsmasq binary; default `$DNSCONFORM_DNSMASQ`, else `dnsmasq` on the PATH (then /usr/sbin). */
  tool?: string;
}

function dnsmasqTool(tool?: string): string {
  return tool ?? process.env['DNSCONFORM_DNSMASQ'] ?? 'dnsmasq';
}

/** A running DHCP server for one segment. */
export class LabDhcpServer {
  private stopped: Promise<void> | null = null;
  private exitProblem: string | null = null;
  private resolvers: string[];

  private constructor(
    private readonly options: DhcpServerOptions,
    private readonly child: ChildProcess,
    private readonly files: DhcpFiles,
    private readonly exited: Promise<{ code: number | null; signal: string | null }>,
    private readonly leaseLog: DnsmasqLeaseLog,
    private readonly reads: OptionsFileReads,
    initial: string,
  ) {
    this.resolvers = [initial];
  }

  get interface(): string {
    return this.options.segment.dhcp.interface;
  }

  /** Where a simulated device sends its requests (a loopback segment only): the resolver's address, the server's port. */
  get loopbackEndpoint(): { address: string; port: number } | null {
    const { segment } = this.options;
    return segment.serverPort ? { address: this.resolvers[0]!, port: segment.serverPort } : null;
  }

  /** The DUTs this server serves. */
  get dutIds(): string[] {
    return this.options.segment.clients.map((c) => c.dutId);
  }

  /** Writes the configuration and starts dnsmasq; resolves once it serves, rejects with its own words when it cannot. */
  static async start(options: DhcpServerOptions): Promise<LabDhcpServer> {
    const { segment, sink, progress } = options;
    const resolvers = dhcpResolvers(segment.profile, segment.dhcp);
    if (!resolvers)
      throw new DhcpSetupError(
        `${segment.profile.dut.id}: network.dhcp names no harness resolver inside ${segment.dhcp.subnet}`,
      );
    // Absolute paths: dnsmasq changes to / once it runs, so a relative options file
    // (a run under `--out reports`) would never be read and no DUT would get option 6.
    const firstDir = resolve(options.runDirs.get(segment.clients[0]!.dutId)!);
    const stem = `dhcp-${segment.dhcp.interface}`;
    const files: DhcpFiles = {
      config: resolve(firstDir, `${stem}.conf`),
      options: resolve(firstDir, `${stem}.options`),
      leases: resolve(firstDir, `${stem}.leases`),
    };
    const config = dnsmasqConfig(segment, files);
    // Every DUT's run directory holds the configuration its evidence came from (the manifest hashes it).
    for (const dir of new Set(options.runDirs.values())) writeFileSync(resolve(dir, `${stem}.conf`), config);
    writeFileSync(files.options, resolverOptionLine([resolvers.initial]));
    writeFileSync(files.leases, '');
    const byMac = new Map(segment.clients.map((c) => [c.mac, c]));
    const strangers = new Set<string>();
    const lastSent = new Map<string, string>();
    const leaseLog = new DnsmasqLeaseLog((lease) => {
      const client = byMac.get(lease.mac);
      if (!client) {
        if (!strangers.has(lease.mac))
          progress(`DHCP on ${segment.dhcp.interface}: ${lease.mac} is no DUT of this run; it gets no address`);
        strangers.add(lease.mac);
        return;
      }
      sink.record({ ...lease, dut: client.dutId } as Omit<DhcpLeaseEvent, 'seq' | 'phase'>);
      const sent = lease.options.find((o) => o.code === 6)?.value;
      // A renewal that hands out the resolver the DUT already had is evidence, not news (the
      // simulated devices renew every few seconds).
      const unchanged = lease.kind === 'renewal' && sent !== undefined && lastSent.get(client.dutId) === sent;
      if (sent !== undefined) lastSent.set(client.dutId, sent);
      if (unchanged) return;
      progress(
        `${client.dutId}: DHCP ${lease.kind} of ${lease.address ?? '?'} on ${lease.interface}${sent ? ` (resolver ${sent})` : ''}`,
      );
    });
    const reads = new OptionsFileReads(files.options);
    const firstRead = reads.next();
    const tool = dnsmasqTool(options.tool);
    const child = spawn(tool, [`--conf-file=${files.config}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    stopWithHarness(child, 'TERM');
    track(child);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', () => resolve({ code: null, signal: null }));
    });
    const recent: string[] = [];
    let flushTimer: NodeJS.Timeout | null = null;
    const serving = new Promise<void>((resolve, reject) => {
      child.once('error', (error) =>
        reject(
          new DhcpSetupError(`${tool} could not be started: ${error.message} (scripts/setup.sh installs dnsmasq-base)`),
        ),
      );
      const lines = createInterface({ input: child.stderr! });
      lines.on('line', (line) => {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        // "DHCP, sockets bound exclusively to interface eth1": dnsmasq listens. On loopback it
        // says nothing of the kind; its range line comes once the socket is open (set up first).
        if (
          /DHCP, sockets bound/.test(line) ||
          (segment.serverPort && /DHCP, (static leases only on|IP range)/.test(line))
        )
          resolve();
        reads.line(line);
        leaseLog.line(line, nowMicros());
        // The option lines of a reply follow its message line at once; emit when they stop.
        if (flushTimer) clearTimeout(flushTimer);
        flushTimer = setTimeout(() => leaseLog.flush(), 200);
      });
      exited.then(({ code, signal }) => {
        if (flushTimer) clearTimeout(flushTimer);
        leaseLog.flush();
        reads.fail(`dnsmasq exited (${signal ?? `code ${code}`})`);
        reject(
          new DhcpSetupError(
            `dnsmasq for ${segment.dhcp.interface} exited (${signal ?? `code ${code}`}) before serving: ${recent.filter((l) => !/^dnsmasq\[\d+\]: (started|compile time)/.test(l)).join(' | ') || 'no output'}`,
          ),
        );
      });
    });
    try {
      await serving;
      const problem = await firstRead;
      if (problem !== null)
        throw new DhcpSetupError(
          `dnsmasq for ${segment.dhcp.interface} did not load its options file (option 6): ${problem}`,
        );
    } catch (error) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      for (const client of segment.clients) {
        sink.record({
          type: 'dhcp.server.stop',
          t: nowMicros(),
          dut: client.dutId,
          interface: segment.dhcp.interface,
          config: `${stem}.conf`,
          pid: child.pid ?? null,
          problem: (error as Error).message,
        });
      }
      throw error;
    }
    for (const client of segment.clients) {
      sink.record({
        type: 'dhcp.server.start',
        t: nowMicros(),
        dut: client.dutId,
        interface: segment.dhcp.interface,
        config: `${stem}.conf`,
        pid: child.pid ?? null,
      });
    }
    progress(
      `DHCP on ${segment.dhcp.interface}${segment.serverPort ? ` port ${segment.serverPort} (the simulated devices' loopback segment)` : ''} (dnsmasq pid ${child.pid}): ${segment.clients.map((c) => `${c.dutId} ${c.mac} → ${c.address}`).join(', ')}; resolver ${resolvers.initial}, lease ${segment.dhcp.leaseSeconds} s`,
    );
    const server = new LabDhcpServer(options, child, files, exited, leaseLog, reads, resolvers.initial);
    exited.then(({ code, signal }) => {
      if (server.stopped) return;
      server.exitProblem = `dnsmasq exited during the run (${signal ?? `code ${code}`}): ${recent.slice(-3).join(' | ')}`;
      progress(`DHCP on ${segment.dhcp.interface}: ${server.exitProblem}`);
    });
    return server;
  }

  /**
   * Hands out the profile's second resolver from now on (resolver-change experiment): the
   * options file is rewritten and dnsmasq re-reads it; DUTs learn it at their next renewal.
   * Resolves once dnsmasq has read it (the change's time in the evidence is when a renewal
   * would get the new resolver); false when the profile names no second resolver.
   */
  async changeResolver(): Promise<boolean> {
    const { segment, sink, progress } = this.options;
    const resolvers = dhcpResolvers(segment.profile, segment.dhcp);
    if (!resolvers?.changed || this.resolvers.includes(resolvers.changed)) return false;
    const from = this.resolvers;
    this.resolvers = [resolvers.changed];
    const read = this.reads.next();
    writeFileSync(this.files.options, resolverOptionLine(this.resolvers));
    this.child.kill('SIGHUP');
    const problem = await read;
    if (problem !== null)
      throw new Error(
        `DHCP on ${segment.dhcp.interface}: dnsmasq did not re-read its options file for the resolver change: ${problem}`,
      );
    for (const client of segment.clients) {
      sink.record({
        type: 'dhcp.resolver-change',
        t: nowMicros(),
        dut: client.dutId,
        from,
        to: this.resolvers,
        leaseSeconds: segment.dhcp.leaseSeconds,
        renewSeconds: segment.dhcp.renewSeconds ?? null,
      });
    }
    progress(
      `DHCP on ${segment.dhcp.interface}: resolver ${from.join(', ')} → ${this.resolvers.join(', ')} from the next renewal`,
    );
    return true;
  }

  /** Stops dnsmasq (SIGTERM, then SIGKILL if it lingers) and records how it ended. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      const { segment, sink } = this.options;
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
      // dnsmasq exits on SIGTERM at once; a process that ignores it is killed once its
      // exit has not come after a generous wait (never a verdict, only cleanup).
      const lingering = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(lingering);
      this.leaseLog.flush();
      for (const client of segment.clients) {
        sink.record({
          type: 'dhcp.server.stop',
          t: nowMicros(),
          dut: client.dutId,
          interface: segment.dhcp.interface,
          config: `dhcp-${segment.dhcp.interface}.conf`,
          pid: this.child.pid ?? null,
          problem: this.exitProblem,
        });
      }
    })();
    return this.stopped;
  }
}

/** Starts the DHCP server of every lab segment the profiles name; on any failure stops those started. */
export async function startLabDhcp(
  profiles: readonly Profile[],
  runDirs: ReadonlyMap<string, string>,
  sink: EvidenceSink,
  progress: (line: string) => void,
): Promise<LabDhcpServer[]> {
  const servers: LabDhcpServer[] = [];
  try {
    for (const segment of dhcpSegments(profiles)) {
      const dirs = new Map(segment.clients.map((c) => [c.dutId, runDirs.get(c.dutId)!]));
      if (segment.dhcp.interface !== LOOPBACK_INTERFACE) {
        servers.push(await LabDhcpServer.start({ segment, runDirs: dirs, sink, progress }));
        continue;
      }
      const server = await startLoopbackServer(segment, dirs, sink, progress);
      if (server) servers.push(server);
    }
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    throw error;
  }
  return servers;
}

/** A UDP port free on every address now (dnsmasq binds its DHCP socket to the wildcard address). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '0.0.0.0', () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

/** Attempts at a free port before giving up: another program may take the one picked before dnsmasq binds it. */
const LOOPBACK_PORT_ATTEMPTS = 3;

/**
 * The simulated devices' DHCP server on loopback, on a port picked free. Where dnsmasq cannot
 * serve here (DHCP needs root or CAP_NET_ADMIN; dnsmasq not installed) the run goes on
 * without it: the devices keep the resolver they were started with, the evidence says why
 * (`dhcp.server.stop` with the problem) and the resolver-change check is not assessed.
 */
async function startLoopbackServer(
  segment: DhcpSegment,
  runDirs: ReadonlyMap<string, string>,
  sink: EvidenceSink,
  progress: (line: string) => void,
): Promise<LabDhcpServer | null> {
  let problem = '';
  for (let attempt = 1; attempt <= LOOPBACK_PORT_ATTEMPTS; attempt += 1) {
    const serverPort = await freeUdpPort();
    try {
      return await LabDhcpServer.start({ segment: { ...segment, serverPort }, runDirs, sink, progress });
    } catch (error) {
      if (!(error instanceof DhcpSetupError)) throw error;
      problem = error.message;
      if (!/in use/i.test(problem)) break;
    }
  }
  progress(
    `DHCP for the simulated devices on ${LOOPBACK_INTERFACE} did not start (${problem}): ${segment.clients.map((c) => c.dutId).join(', ')} keep the resolver they are started with, and resolver-use/follows-resolver-change is not assessed`,
  );
  return null;
}
