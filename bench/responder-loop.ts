/**
 * The resolver's per-query work without sockets: `Responder.handle` called in a tight loop
 * on one UDP query (the resolver-throughput bench's name), in bursts of 32 as the UDP
 * listener reads them, with evidence discarded, or
 * written by a real `EventLog`. Prints the CPU time (user + system) per query for each; a profile of one shows where
 * the time goes (`node --cpu-prof --import tsx bench/responder-loop.ts`).
 *
 *   npx tsx bench/responder-loop.ts [--queries 200000] [--scenario 'ttl(0)|forgeA(127.0.70.77)']
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EventLog } from '../lib/evidence/event-log.ts';
import type { EvidenceSink } from '../lib/evidence/event-log.ts';
import { AccessList } from '../lib/resolver/access-list.ts';
import { Responder } from '../lib/resolver/responder.ts';
import { query } from '../lib/resolver/resolver-test-kit.ts';
import { parseScenario } from '../lib/resolver/scenario.ts';
import { Zone } from '../lib/resolver/zone.ts';

const { values: opts } = parseArgs({
  options: {
    queries: { type: 'string', default: '200000' },
    scenario: { type: 'string', default: 'ttl(0)|forgeA(127.0.70.77)' },
  },
});
const count = Number(opts.queries);
if (!Number.isInteger(count) || count <= 0) {
  process.stderr.write(`--queries: "${opts.queries}" is not a positive integer\n`);
  process.exit(2);
}

const NAME = 'bench.dnsconform.test';
const acl = new AccessList();
acl.declare('bench', ['127.0.70.9']);
const scenario = await parseScenario(opts.scenario ? opts.scenario.split('|') : [], { canaries: ['127.0.70.77'] });
const binding = {
  id: 'bench',
  zone: new Zone([{ name: NAME, type: 'A', ttl: 30, data: '127.0.70.200' }]),
  scenario,
  names: null,
};
const wire = query(NAME, 'A', 1);

/** Queries handled per burst, as the UDP listener does with the datagrams it reads in one go (libuv reads up to 32). */
const BURST = 32;

function loop(sink: EvidenceSink): number {
  const responder = new Responder(acl, new Map([['bench', binding]]), sink);
  const start = process.cpuUsage();
  for (let i = 0; i < count; i += 1) {
    if (i % BURST === 0) {
      responder.closeBurst();
      responder.openBurst();
    }
    const bytes = Buffer.from(wire);
    bytes.writeUInt16BE(i & 0xffff, 0);
    const reply = responder.handle({
      bytes,
      transport: 'udp',
      t: Date.now() * 1000,
      client: { address: '127.0.70.9', port: 40000 + (i & 1023) },
      server: { address: '127.0.70.1', port: 10053 },
    });
    if (!reply || reply instanceof Promise) throw new Error('expected an answer at once');
  }
  responder.closeBurst();
  // CPU time rather than wall time: on a shared machine the loop is preempted, not slowed.
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

const work = mkdtempSync(join(tmpdir(), 'dnsconform-loop-'));
try {
  const discard: EvidenceSink = { record: () => undefined };
  for (let round = 1; round <= 3; round += 1) {
    const none = loop(discard);
    const log = new EventLog(join(work, `events-${round}.ndjson`));
    const logged = loop(log);
    log.close();
    rmSync(join(work, `events-${round}.ndjson`));
    process.stdout.write(
      `round ${round}: ${none.toFixed(2)} µs/query evidence discarded, ${logged.toFixed(2)} µs/query with EventLog\n`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
