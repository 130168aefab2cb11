/**
 * How many malformed datagrams per second the harness resolver takes in, beside its
 * well-formed throughput in the same run and beside dnsmasq given the same flood.
 *
 *   npx tsx bench/malformed-throughput.ts [--seconds 3] [--count 300000]
 *
 * Four bounded floods (each stops at `--count` datagrams or `--seconds`, whichever first),
 * sent by a child process (`lib/resolver/flood-test-kit.ts`) so the sender never shares the
 * resolver's event loop:
 *
 * 1. well-formed: A queries from the declared DUT address (each decoded, answered, recorded);
 * 2. malformed: 12-byte headers with every section count 0xFFFF from a host that is not a DUT;
 * 3. both at once: the DUT querying at a device's pace (500/s) while the stranger floods;
 * 4. reference: the same malformed flood at dnsmasq (no upstream, loopback only).
 *
 * Our rates come from the evidence written (an `EventLog` on disk, as in a run): messages
 * handled = recorded in full + counted in `dns.suppressed`, over the span of their arrival
 * times; lost = `resolver.loss`. dnsmasq has no counters: handled = sent − the kernel's
 * drops on its socket (`/proc/net/udp`), over the flooder's own time. Target for ours:
 * ≥ 50 000 malformed datagrams/s, and the DUT loses nothing while the stranger floods.
 *
 * Network safety: loopback only, 127.0.71.0/24; every flood bounded in count and time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventLog } from '../lib/evidence/event-log.ts';
import type { EvidenceEvent } from '../lib/evidence/events.ts';
import { floodUdp, MAX_COUNT_HEADER } from '../lib/resolver/flood-test-kit.ts';
import type { FloodResult } from '../lib/resolver/flood-test-kit.ts';
import { receiveDrops } from '../lib/resolver/receive-drops.ts';
import { query } from '../lib/resolver/resolver-test-kit.ts';
import { AdversarialResolver } from '../lib/resolver/resolver.ts';
import { parseScenario } from '../lib/resolver/scenario.ts';
import { Zone } from '../lib/resolver/zone.ts';

const NET = { ours: '127.0.71.1', dnsmasq: '127.0.71.2', dut: '127.0.71.3', stranger: '127.0.71.4' } as const;
const NAME = 'bench.dnsconform.test';
/** A busy device's query rate, for the DUT beside the flood. */
const DUT_RATE = 500;

const { values: opts } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    count: { type: 'string', default: '300000' },
    port: { type: 'string', default: '10054' },
  },
});
const seconds = Number(opts.seconds);
const count = Number(opts.count);
const port = Number(opts.port);
const work = mkdtempSync(join(tmpdir(), 'dnsconform-malformed-'));

/** Messages handled per second, from evidence events of one source. */
function handledRate(events: EvidenceEvent[], source: string): { handled: number; perSecond: number } {
  let handled = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    if ((e.type === 'dns.query' || e.type === 'dns.malformed') && e.client.address === source) {
      handled += 1;
      first = Math.min(first, e.t);
      last = Math.max(last, e.t);
    } else if (e.type === 'dns.suppressed' && e.source === source) {
      handled += e.count;
      first = Math.min(first, e.since);
      last = Math.max(last, e.until);
    }
  }
  return { handled, perSecond: last > first ? handled / ((last - first) / 1e6) : 0 };
}

async function ours(
  floods: { from: string; datagram: Buffer; perSecond?: number }[],
): Promise<{ results: FloodResult[]; events: EvidenceEvent[] }> {
  const file = join(work, `events-${Date.now()}.ndjson`);
  const log = new EventLog(file);
  const resolver = new AdversarialResolver({
    listen: [{ transport: 'udp', address: NET.ours, port }],
    duts: [
      {
        id: 'dut',
        addresses: [NET.dut],
        zone: new Zone([{ name: NAME, type: 'A', ttl: 30, data: '127.0.71.200' }]),
        scenario: await parseScenario([], { canaries: [] }),
      },
    ],
    sink: log,
  });
  await resolver.start();
  try {
    const results = await Promise.all(
      floods.map((f) => floodUdp({ ...f, to: { address: NET.ours, port }, count, seconds })),
    );
    await resolver.stop();
    log.close();
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as EvidenceEvent);
    return { results, events };
  } finally {
    await resolver.stop();
  }
}

async function dnsmasq(): Promise<{ sent: number; dropped: number; perSecond: number } | null> {
  const child = spawn(
    'dnsmasq',
    [
      '--keep-in-foreground',
      '--log-facility=-',
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-poll',
      '--no-hosts',
      `--listen-address=${NET.dnsmasq}`,
      '--bind-interfaces',
      `--port=${port}`,
      '--pid-file',
    ],
    { stdio: 'ignore' },
  );
  const failed = new Promise<null>((resolve) => child.once('error', () => resolve(null)));
  try {
    // Ready when its socket shows in the kernel's table.
    const deadline = Date.now() + 10_000;
    while (receiveDrops([{ address: NET.dnsmasq, port }])[0] === null) {
      if (Date.now() > deadline || child.exitCode !== null) return null;
      await new Promise((r) => setTimeout(r, 20));
    }
    const before = receiveDrops([{ address: NET.dnsmasq, port }])[0]!.drops;
    const result = await Promise.race([
      floodUdp({ from: NET.stranger, to: { address: NET.dnsmasq, port }, count, seconds }),
      failed,
    ]);
    if (!result) return null;
    const dropped = receiveDrops([{ address: NET.dnsmasq, port }])[0]!.drops - before;
    return { sent: result.sent, dropped, perSecond: (result.sent - dropped) / result.seconds };
  } finally {
    child.kill('SIGTERM');
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-GB');
const lostIn = (events: EvidenceEvent[]) =>
  events
    .filter((e) => e.type === 'resolver.loss')
    .reduce((sum, e) => sum + (e.type === 'resolver.loss' ? (e.count ?? 0) : 0), 0);
const dutQuery = query(NAME, 'A', 0x4242);
try {
  process.stdout.write(
    `load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; floods of at most ${fmt(count)} datagrams or ${seconds} s\n`,
  );
  const wellFormed = await ours([{ from: NET.dut, datagram: dutQuery }]);
  const malformed = await ours([{ from: NET.stranger, datagram: MAX_COUNT_HEADER }]);
  const both = await ours([
    { from: NET.dut, datagram: dutQuery, perSecond: DUT_RATE },
    { from: NET.stranger, datagram: MAX_COUNT_HEADER },
  ]);
  const reference = await dnsmasq();
  const rows: string[][] = [['flood', 'server', 'sent', 'handled', 'handled/s', 'kernel drops']];
  const row = (label: string, run: Awaited<ReturnType<typeof ours>>, index: number, source: string) => {
    const rate = handledRate(run.events, source);
    rows.push([
      label,
      'dnsconform',
      fmt(run.results[index]!.sent),
      fmt(rate.handled),
      fmt(rate.perSecond),
      fmt(lostIn(run.events)),
    ]);
    return rate;
  };
  row('well-formed (DUT) alone', wellFormed, 0, NET.dut);
  const garbage = row('malformed (stranger) alone', malformed, 0, NET.stranger);
  const dutUnderFlood = row(`well-formed (DUT, ${DUT_RATE}/s) during the flood`, both, 0, NET.dut);
  row('malformed (stranger) during it', both, 1, NET.stranger);
  if (reference)
    rows.push([
      'malformed (stranger) alone',
      'dnsmasq',
      fmt(reference.sent),
      fmt(reference.sent - reference.dropped),
      fmt(reference.perSecond),
      fmt(reference.dropped),
    ]);
  else rows.push(['malformed (stranger) alone', 'dnsmasq', 'n/a (not installed or did not start)', '', '', '']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) process.stdout.write(`${r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}\n`);
  const dutMissing = both.results[0]!.sent - dutUnderFlood.handled;
  process.stdout.write(
    `\nDUT queries sent during the flood but not in the evidence: ${fmt(Math.max(dutMissing, 0))}; datagrams recorded lost: ${fmt(lostIn(both.events))}\n`,
  );
  process.stdout.write(
    `target ≥ 50 000 malformed datagrams/s handled: ${garbage.perSecond >= 50_000 ? 'MET' : 'NOT MET'}\n`,
  );
  process.stdout.write(
    `target: every DUT query in the evidence, or its loss recorded: ${dutMissing <= lostIn(both.events) ? 'MET' : 'NOT MET'}${dutMissing > 0 ? " (with loss: the kernel drops on a full buffer whoever sent; the run's checks are INCONCLUSIVE)" : ''}\n`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
