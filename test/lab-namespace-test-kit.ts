/**
 * A lab network built of Linux network namespaces for end-to-end specs: a lab namespace
 * with bridges where the harness runs, device namespaces joined to a bridge by veth pairs,
 * an upstream namespace, all addressed inside 198.18.0.0/15 (RFC 2544 benchmarking) and
 * 2001:2::/48 (RFC 5180), with `unreachable` routes for both ranges in the root namespace
 * while they exist. Every namespace, route, `/etc/netns/NAME` directory and process made
 * here is removed by {@link LabNamespaces.destroy}, also when the spec failed half-way.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The ranges the lab uses, unreachable from the root namespace while it exists. */
export const LAB_RANGES = ['198.18.0.0/15', '2001:2::/48'] as const;

/** Why namespace specs cannot run here, or null when they can (root and `ip netns`). */
export function namespacesUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces (CI runs as root)';
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    return `\`ip netns\` is unavailable (${probe.error?.message ?? probe.stderr.trim()}); scripts/setup.sh installs iproute2`;
  return null;
}

/** Resolves when `probe` says yes, polling; rejects saying what was awaited when `gaveUp` settles first. */
export function waitFor(what: string, probe: () => boolean, gaveUp: Promise<string>, everyMs = 100): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const poll = () => {
      if (done) return;
      if (probe()) {
        done = true;
        resolve();
        return;
      }
      setTimeout(poll, everyMs);
    };
    void gaveUp.then((why) => {
      if (!done) {
        done = true;
        reject(new Error(`waiting for ${what}: ${why}`));
      }
    });
    poll();
  });
}

/** A process started in a namespace, with a promise that says when (and how) it ended. */
export interface NamespaceProcess {
  child: ChildProcess;
  ended: Promise<string>;
}

/**
 * A busybox udhcpc event script for a device namespace: the leased address on the
 * interface, and the resolvers into `$RESOLV_FILE`, rewritten in place (not renamed) so a
 * program that bind-mounted it through `ip netns exec` sees the new resolver too.
 */
const UDHCPC_SCRIPT = `#!/bin/sh
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr replace "$ip/\${mask:-24}" dev "$interface"
    { for server in $dns; do echo "nameserver $server"; done; [ -n "$RESOLV_OPTIONS" ] && echo "options $RESOLV_OPTIONS"; } > "$RESOLV_FILE"
    ;;
esac
exit 0
`;

export class LabNamespaces {
  private readonly namespaces: string[] = [];
  private readonly processes: ChildProcess[] = [];
  private routesAdded = false;

  /** `prefix` keeps the names of concurrent runs apart (a pid); `work` holds scripts and logs. */
  constructor(
    private readonly prefix: string,
    readonly work: string,
  ) {}

  /** The full name of namespace `short`. */
  ns(short: string): string {
    return `${this.prefix}-${short}`;
  }

  /** Runs `ip ...args`, throwing its stderr on failure. */
  ip(...args: string[]): string {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Makes namespaces (loopback up) and, with the first, the root namespace's unreachable routes. */
  create(...shorts: string[]): void {
    if (!this.routesAdded) {
      this.routesAdded = true;
      for (const range of LAB_RANGES)
        this.ip(...(range.includes(':') ? ['-6'] : []), 'route', 'replace', 'unreachable', range);
    }
    for (const short of shorts) {
      const name = this.ns(short);
      this.ip('netns', 'add', name);
      this.namespaces.push(name);
      mkdirSync(`/etc/netns/${name}`, { recursive: true });
      // Created before any client runs: `ip netns exec` bind-mounts it over /etc/resolv.conf.
      writeFileSync(`/etc/netns/${name}/resolv.conf`, '');
      this.ip('-n', name, 'link', 'set', 'lo', 'up');
    }
  }

  /** A bridge in namespace `short` holding `addresses` (CIDR; IPv6 without DAD). */
  bridge(short: string, bridge: string, addresses: readonly string[]): void {
    const name = this.ns(short);
    this.ip('-n', name, 'link', 'add', bridge, 'type', 'bridge');
    this.ip('-n', name, 'link', 'set', bridge, 'up');
    for (const cidr of addresses)
      this.ip('-n', name, 'addr', 'add', cidr, 'dev', bridge, ...(cidr.includes(':') ? ['nodad'] : []));
  }

  /** Device namespace `device` joined to `bridge` of `lab` by a veth; its end is eth0 with `mac`, and `address` when given (else DHCP). */
  plug(lab: string, bridge: string, device: string, mac: string, address?: string): void {
    const port = `v-${device}`.slice(0, 15);
    this.ip('-n', this.ns(lab), 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.ns(device));
    this.ip('-n', this.ns(lab), 'link', 'set', port, 'master', bridge, 'up');
    this.ip('-n', this.ns(device), 'link', 'set', 'eth0', 'address', mac, 'up');
    if (address) this.ip('-n', this.ns(device), 'addr', 'add', address, 'dev', 'eth0');
  }

  /** A point-to-point veth between `a` (address `aCidr`) and `b` (eth0, `bCidr`). */
  link(a: string, aPort: string, aCidr: string, b: string, bCidr: string): void {
    this.ip('-n', this.ns(a), 'link', 'add', aPort, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', this.ns(b));
    this.ip('-n', this.ns(a), 'addr', 'add', aCidr, 'dev', aPort);
    this.ip('-n', this.ns(a), 'link', 'set', aPort, 'up');
    this.ip('-n', this.ns(b), 'addr', 'add', bCidr, 'dev', 'eth0');
    this.ip('-n', this.ns(b), 'link', 'set', 'eth0', 'up');
  }

  /** Starts `command` in namespace `short` (`ip netns exec` execs it: the pid is the command's), output to `log`. */
  spawn(short: string, command: readonly string[], log: string, env: NodeJS.ProcessEnv = {}): NamespaceProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns(short), ...command], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = createWriteStream(log);
    child.stdout!.pipe(out);
    child.stderr!.pipe(out, { end: false });
    this.processes.push(child);
    const ended = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) =>
        resolve(`${command[0]} in ${short} ended (${signal ?? `exit ${code}`}); see ${log}`),
      );
      child.once('error', (error) => resolve(`${command[0]} in ${short} could not start: ${error.message}`));
    });
    return { child, ended };
  }

  /**
   * Busybox udhcpc on eth0 of `device` in the foreground (SIGUSR1 renews), writing its
   * resolvers to `resolvFile` (default the namespace's resolv.conf). It sends DISCOVERs
   * every second until it has a lease.
   */
  udhcpc(
    device: string,
    resolvFile = `/etc/netns/${this.ns(device)}/resolv.conf`,
    resolvOptions = '',
  ): NamespaceProcess {
    const script = join(this.work, 'udhcpc.script');
    writeFileSync(script, UDHCPC_SCRIPT, { mode: 0o755 });
    return this.spawn(
      device,
      ['udhcpc', '-f', '-i', 'eth0', '-s', script, '-T', '1', '-t', '100', '-A', '1'],
      join(this.work, `udhcpc-${device}.log`),
      { RESOLV_FILE: resolvFile, RESOLV_OPTIONS: resolvOptions },
    );
  }

  /**
   * Removes everything: processes started here, then any process still in a namespace of
   * this lab (daemons a power-cycle command started there), the namespaces, their
   * /etc/netns directories and the root namespace's routes. Never throws.
   */
  destroy(): string[] {
    const problems: string[] = [];
    const attempt = (what: string, action: () => void) => {
      try {
        action();
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message.trim()}`);
      }
    };
    for (const child of this.processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const name of this.namespaces) {
      attempt(`processes in ${name}`, () => {
        for (const pid of this.ip('netns', 'pids', name)
          .split(/\s+/)
          .filter((p) => p !== ''))
          process.kill(Number(pid), 'SIGKILL');
      });
    }
    for (const name of this.namespaces.splice(0)) {
      attempt(`namespace ${name}`, () => this.ip('netns', 'del', name));
      rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
    }
    if (this.routesAdded) {
      this.routesAdded = false;
      for (const range of LAB_RANGES)
        attempt(`route ${range}`, () =>
          this.ip(...(range.includes(':') ? ['-6'] : []), 'route', 'del', 'unreachable', range),
        );
    }
    return problems;
  }
}

/** Unbound server lines for a test: as root, no chroot, files in `dir`, logs to stderr, IPv4 only. */
export function unboundRunsHere(dir: string): string {
  return [
    'username: ""',
    'chroot: ""',
    `directory: "${dir}"`,
    `pidfile: "${join(dir, 'unbound.pid')}"`,
    'use-syslog: no',
    'logfile: ""',
    'do-ip6: no',
  ]
    .map((line) => `  ${line}`)
    .join('\n');
}

/** One record Unbound serves: `name TTL IN TYPE data`. */
export type LocalData = string;

/**
 * Debian's Unbound as the lab's upstream resolver in namespace `short`, on `address`:53,
 * answering `zone` from `records` (local-data) and every other name NXDOMAIN from a static
 * root zone, so it never asks anyone. Resolves once it answers the first record's name.
 */
export async function startUpstreamUnbound(
  lab: LabNamespaces,
  short: string,
  address: string,
  zone: string,
  records: readonly LocalData[],
  askFrom: string,
): Promise<NamespaceProcess> {
  const dir = join(lab.work, `unbound-${short}`);
  mkdirSync(dir, { recursive: true });
  const config = join(dir, 'unbound.conf');
  writeFileSync(
    config,
    `server:
  interface: ${address}
  port: 53
  access-control: 198.18.0.0/15 allow
${unboundRunsHere(dir)}
  module-config: "iterator"
  local-zone: "." static
  local-zone: "${zone}." static
${records.map((r) => `  local-data: "${r}"`).join('\n')}
remote-control:
  control-enable: no
`,
  );
  const unbound = lab.spawn(short, ['unbound', '-d', '-c', config], join(dir, 'unbound.log'));
  const name = records[0]!.split(/\s+/)[0]!;
  await waitFor(
    `Unbound in ${short} answering ${name}`,
    () => {
      const probe = spawnSync(
        'ip',
        ['netns', 'exec', lab.ns(askFrom), 'kdig', `@${address}`, '+short', '+timeout=1', '+retry=0', name],
        { encoding: 'utf8' },
      );
      return probe.status === 0 && probe.stdout.trim() !== '';
    },
    unbound.ended,
    200,
  );
  return unbound;
}
