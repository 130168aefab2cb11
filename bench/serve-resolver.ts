/**
 * The harness resolver as `resolver-throughput.ts` measures it, in a child process of its
 * own so the bench's bookkeeping never shares its event loop. It is put together the way
 * `lib/run/live-session.ts` does for a run: one declared DUT (the load generator's
 * source address), its zone and scenario, evidence written by an `EventLog` behind an
 * `EvidenceRouter`, so every query and response is recorded exactly as in a certification run.
 *
 * Driven over the IPC channel of `fork()`: the parent sends one `ServeRequest`, the child
 * answers `{ ready: endpoints }`; on `'stop'` it closes the resolver and the log, answers
 * `{ stopped: events }` and exits.
 */
import { AdversarialResolver } from '../lib/resolver/resolver.ts';
import type { BoundEndpoint } from '../lib/resolver/resolver.ts';
import { EventLog, EvidenceRouter } from '../lib/evidence/event-log.ts';
import { nowMicros } from '../lib/evidence/clock.ts';
import type { ListenSpec, ZoneRecord } from '../lib/profile/profile-types.ts';
import { parseScenario } from '../lib/resolver/scenario.ts';
import type { TlsCredentials } from '../lib/resolver/tls-session.ts';
import { Zone } from '../lib/resolver/zone.ts';

/** What the parent asks the child to serve. */
export interface ServeRequest {
  dutId: string;
  /** The DUT's addresses: the load generator's source address. */
  dutAddresses: string[];
  listen: ListenSpec[];
  zone: ZoneRecord[];
  /** Scenario steps, e.g. `['ttl(0)', 'forgeA(127.0.70.77)']`; empty = pass-through. */
  scenario: string[];
  canaries: string[];
  tls: TlsCredentials;
  /** The evidence log (NDJSON) to write. */
  eventsFile: string;
}

/** What the child reports back. */
export type ServeReply = { ready: BoundEndpoint[] } | { stopped: number } | { failed: string };

function send(reply: ServeReply): Promise<void> {
  return new Promise((resolve) => process.send!(reply, () => resolve()));
}

async function serve(request: ServeRequest): Promise<void> {
  const log = new EventLog(request.eventsFile);
  log.record({ type: 'run.start', t: nowMicros(), dut: request.dutId, runId: 'bench' });
  log.phase = 'bench';
  const resolver = new AdversarialResolver({
    listen: request.listen,
    duts: [
      {
        id: request.dutId,
        addresses: request.dutAddresses,
        zone: new Zone(request.zone),
        scenario: await parseScenario(request.scenario, { canaries: request.canaries }),
      },
    ],
    sink: new EvidenceRouter(new Map([[request.dutId, log]])),
    tls: request.tls,
    onError: (error) => process.stderr.write(`resolver socket error: ${error.message}\n`),
  });
  const endpoints = await resolver.start();
  await send({ ready: endpoints });
  process.once('message', async (message) => {
    if (message !== 'stop') return;
    await resolver.stop();
    log.phase = null;
    log.record({ type: 'run.end', t: nowMicros(), dut: request.dutId, runId: 'bench', reason: 'bench run over' });
    log.close();
    await send({ stopped: log.count });
    process.disconnect();
  });
}

if (!process.send) {
  process.stderr.write('serve-resolver.ts is started by resolver-throughput.ts (fork with IPC), not by hand\n');
  process.exit(2);
}
// The parent going away (Ctrl-C, crash) ends the child too.
process.once('disconnect', () => process.exit(0));
process.once('message', (request: ServeRequest) => {
  serve(request).catch(async (error: Error) => {
    await send({ failed: error.stack ?? error.message });
    process.exit(3);
  });
});
