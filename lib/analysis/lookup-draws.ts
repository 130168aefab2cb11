/**
 * Which queries are fresh draws of a stub's source-port generator. A stub opens one socket
 * per lookup and may send several queries from it: glibc's and musl's (busybox) send A and
 * AAAA for one name together from one socket, so a perfectly random generator shows about
 * half as many distinct ports as queries. Counting ports per query would call that a narrow
 * pool; counting them per lookup does not, and a fixed or narrow pool still repeats across
 * lookups.
 */
import type { Microseconds } from '../evidence/events.ts';

/** What the grouping reads of a UDP query. */
export interface DrawQuery {
  t: Microseconds;
  port: number;
  /** The first question's name (compared case-insensitively: 0x20 encoding varies case). */
  name: string;
  /** The first question's type. */
  type: string;
}

/**
 * The indexes (in `queries`, which are in arrival order) of the queries that begin a lookup.
 * A query continues the open lookup of its source port and name when it asks a type that
 * lookup has not asked yet and arrives within `windowMicros` of the lookup's first query;
 * anything else (another name, a repeated type such as a retry, a later query) is a new
 * lookup, so a port reused across lookups counts once per lookup.
 */
export function lookupStarts(queries: readonly DrawQuery[], windowMicros: number): number[] {
  const open = new Map<string, { start: Microseconds; types: Set<string> }>();
  // Keys by the start of their lookup, oldest first, so lookups past the window are let go.
  const byAge: { key: string; start: Microseconds }[] = [];
  let oldest = 0;
  const starts: number[] = [];
  queries.forEach((query, index) => {
    while (oldest < byAge.length && query.t - byAge[oldest]!.start > windowMicros) {
      const { key, start } = byAge[oldest]!;
      if (open.get(key)?.start === start) open.delete(key);
      oldest += 1;
    }
    if (oldest > 4096 && oldest * 2 > byAge.length) {
      byAge.splice(0, oldest);
      oldest = 0;
    }
    const key = `${query.port}|${query.name.toLowerCase()}`;
    const lookup = open.get(key);
    if (lookup && query.t - lookup.start <= windowMicros && !lookup.types.has(query.type)) {
      lookup.types.add(query.type);
      return;
    }
    open.set(key, { start: query.t, types: new Set([query.type]) });
    byAge.push({ key, start: query.t });
    starts.push(index);
  });
  return starts;
}
