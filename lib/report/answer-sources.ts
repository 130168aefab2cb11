/**
 * Where the answers the DUT got came from (issue 13): the profile's zone, the lab's upstream
 * resolver, or a recorded run replayed. Read from the evidence alone: each `dns.response`
 * says its `answerSource`, each `upstream.answer` what upstream (or the replay) said.
 */
import type { Evidence } from '../evidence/evidence.ts';
import type { AnswerSource } from '../evidence/events.ts';
import type { ReportAnswerSources, ReportUpstreamName } from './report.generated.ts';

/** Most distinct names listed; the counts cover them all. */
export const MAX_LISTED_NAMES = 200;
/** Most distinct record data listed per name. */
const MAX_LISTED_RECORDS = 8;

/** Where the answers the DUT got came from, as report.json states it (`answerSources`). */
export function answerSources(evidence: Evidence, dutId: string): ReportAnswerSources {
  const responses: Record<AnswerSource, number> = { zone: 0, upstream: 0, replay: 0 };
  evidence.eachResponse(dutId, (response) => {
    if (response.answerSource) responses[response.answerSource] += 1;
  });
  const upstreams = new Set<string>();
  const replays = new Set<string>();
  const byName = new Map<string, ReportUpstreamName>();
  for (const event of evidence.ofType('upstream.answer')) {
    if (event.dut !== dutId) continue;
    if (event.upstream)
      upstreams.add(
        event.upstream.address.includes(':')
          ? `[${event.upstream.address}]:${event.upstream.port}`
          : `${event.upstream.address}:${event.upstream.port}`,
      );
    if (event.replayOf) replays.add(event.replayOf);
    const key = `${event.source}|${event.question.name.toLowerCase()}|${event.question.type}`;
    const entry = byName.get(key) ?? {
      name: event.question.name.toLowerCase(),
      type: event.question.type,
      source: event.source,
      answers: 0,
      failures: 0,
      rcodes: [],
      records: [],
    };
    entry.answers += 1;
    if (event.failure !== null) entry.failures += 1;
    const rcode = event.failure !== null ? 'SERVFAIL (failed)' : (event.rcode ?? 'none');
    if (!entry.rcodes.includes(rcode)) entry.rcodes.push(rcode);
    for (const record of event.answers) {
      const data = `${record.type} ${record.data}`;
      if (!entry.records.includes(data) && entry.records.length < MAX_LISTED_RECORDS) entry.records.push(data);
    }
    byName.set(key, entry);
  }
  const names = [...byName.values()].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : a.type > b.type ? 1 : 0,
  );
  return {
    responses,
    upstream: [...upstreams].sort(),
    replayOf: [...replays].sort(),
    names: names.slice(0, MAX_LISTED_NAMES),
    namesNotListed: Math.max(0, names.length - MAX_LISTED_NAMES),
  };
}
