/**
 * While a report is printed, nothing leaves loopback. The printer runs in a network
 * namespace this spec creates, whose only way out is one end of a veth pair whose other end
 * is in the same namespace and answers nothing (packets sent there go nowhere), with the
 * default routes (static gateway neighbours, so packets leave without ARP) and the
 * namespace's resolver behind it; tcpdump on that end sees every IP packet that tries to
 * reach the network, DNS included (the link's own neighbour discovery and MLD chatter left
 * out). Root only.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';

const NS = `dnsconform-pdf-${process.pid}`;
/**
 * The namespace's way out: a /22 of 10.254.0.0/16 and a /64 of fd00:dc::/48 private to this
 * run, unreachable from the root namespace while it exists. Claimed by adding those routes:
 * the kernel refuses a route that is there, so two suites on one machine take different ones.
 */
let block = 0;
const NET4 = () => `10.254.${block}.0/22`;
const NET6 = () => `fd00:dc:${block}::/64`;
/** The link's own /24 (the second of the block): the namespace's address and its gateway. */
const LINK4 = (host: number) => `10.254.${block + 1}.${host}`;
const LINK6 = (host: number) => `fd00:dc:${block}::${host}`;
/** Off the link's own subnet, so a query to it is routed through the gateway (no ARP needed). */
const RESOLVER = () => `10.254.${block + 2}.53`;
const netnsEtc = join('/etc/netns', NS);

/** Every IP packet except the link's own housekeeping (link-local multicast: MLD, router and neighbour solicitations). */
const LEAVING = '(ip or ip6) and not dst net ff02::/16';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
const inNs = (...args: string[]) => ip('-n', NS, ...args);

/** tcpdump on the namespace's way out (`out0`); resolves once it listens. */
function watch(): Promise<{ child: ChildProcess; packets: () => string[] }> {
  const child = spawn('ip', ['netns', 'exec', NS, 'tcpdump', '-i', 'out0', '-n', '-l', '-U', LEAVING], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`tcpdump exited (${code}) before listening`)));
    child.stderr!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on'))
        resolve({ child, packets: () => out.split('\n').filter((l) => l.trim() !== '') });
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGINT');
  await exited;
}

describe('PDF printing stays offline', function () {
  this.timeout(120_000);
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    for (block = 0; ; block += 4) {
      if (block > 252) throw new Error('no /22 of 10.254.0.0/16 is free for the namespace (every one has a route)');
      try {
        ip('route', 'add', 'unreachable', NET4());
        break;
      } catch (error) {
        if (!/File exists/.test(String((error as { stderr?: Buffer }).stderr))) throw error;
      }
    }
    ip('-6', 'route', 'add', 'unreachable', NET6());
    ip('netns', 'add', NS);
    inNs('link', 'set', 'lo', 'up');
    inNs('link', 'add', 'out0', 'type', 'veth', 'peer', 'name', 'out1');
    inNs('addr', 'add', `${LINK4(2)}/24`, 'dev', 'out0');
    inNs('-6', 'addr', 'add', `${LINK6(2)}/64`, 'dev', 'out0', 'nodad');
    inNs('link', 'set', 'out0', 'up');
    inNs('link', 'set', 'out1', 'up');
    inNs('neigh', 'add', LINK4(1), 'lladdr', '02:00:5e:00:77:01', 'dev', 'out0', 'nud', 'permanent');
    inNs('-6', 'neigh', 'add', LINK6(1), 'lladdr', '02:00:5e:00:77:01', 'dev', 'out0', 'nud', 'permanent');
    inNs('route', 'add', 'default', 'via', LINK4(1), 'dev', 'out0');
    inNs('-6', 'route', 'add', 'default', 'via', LINK6(1), 'dev', 'out0');
    // `ip netns exec` puts this over /etc/resolv.conf: the host's resolver is behind dummy0 too.
    mkdirSync(netnsEtc, { recursive: true });
    writeFileSync(join(netnsEtc, 'resolv.conf'), `nameserver ${RESOLVER()}\n`);
  });
  after(() => {
    for (const undo of [
      () => ip('netns', 'del', NS),
      () => ip('route', 'del', 'unreachable', NET4()),
      () => ip('-6', 'route', 'del', 'unreachable', NET6()),
    ]) {
      try {
        undo();
      } catch {
        /* not made */
      }
    }
    rmSync(netnsEtc, { recursive: true, force: true });
  });

  it("the watcher sees an attempt to leave (a DNS query to the namespace's resolver)", async () => {
    const watcher = await watch();
    try {
      execFileSync('ip', [
        'netns',
        'exec',
        NS,
        process.execPath,
        '-e',
        `require('node:dns').resolve4('probe.dnsconform.test', () => process.exit(0)); setTimeout(() => process.exit(0), 3000)`,
      ]);
      const deadline = Date.now() + 5000;
      while (!watcher.packets().join('\n').includes(`${RESOLVER()}.53`) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(watcher.packets().join('\n')).to.include(`${RESOLVER()}.53`);
    } finally {
      await stop(watcher.child);
    }
  });

  it('prints a page that reaches for remote resources with no packet leaving loopback', async () => {
    const watcher = await watch();
    try {
      const printed = execFileSync(
        'ip',
        ['netns', 'exec', NS, process.execPath, '--import', 'tsx', join(import.meta.dirname, 'print-offline.ts')],
        { encoding: 'utf8' },
      );
      expect(Number(printed.trim())).to.be.greaterThan(1000);
      // Anything Chromium sent before it exited has been captured by the time tcpdump is stopped.
      await stop(watcher.child);
      expect(watcher.packets(), 'packets that tried to leave loopback').to.deep.equal([]);
    } finally {
      await stop(watcher.child);
    }
  });
});
