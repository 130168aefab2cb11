/**
 * The zone the resolver serves a DUT: the profile's records, looked up the way an
 * authoritative-plus-recursive resolver would answer (CNAME chains followed inside the
 * zone, NODATA versus NXDOMAIN, an SOA in negative answers so RFC 2308 caching works).
 */
import type { Answer } from 'dns-packet';
import type { ZoneRecord } from '../profile/profile-types.ts';
import { normaliseName } from '../dns/names.ts';

/** Negative-caching TTL of the synthesised SOA (RFC 2308 §5: min(SOA TTL, MINIMUM)). */
export const NEGATIVE_TTL_SECONDS = 60;

/** CNAME hops followed inside the zone before giving up (loops in a profile end here). */
const MAX_CNAME_HOPS = 8;

/** What the zone says about one question. */
export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities: Answer[];
}

/**
 * dns-packet's record form of a zone record. Called for every answer the resolver serves:
 * each record is a plain object literal, since `{ ...base, type, data }` costs over a
 * microsecond per record on Node 20 and leaves an object that is slower to read afterwards
 * (bench/RESOLVER.md).
 */
export function toAnswer(record: ZoneRecord, owner = record.name): Answer {
  switch (record.type) {
    case 'MX': {
      const [preference, exchange] = record.data.split(/\s+/);
      return {
        name: owner,
        class: 'IN',
        ttl: record.ttl,
        type: 'MX',
        data: { preference: Number(preference), exchange: exchange ?? '.' },
      };
    }
    case 'TXT':
      return { name: owner, class: 'IN', ttl: record.ttl, type: 'TXT', data: record.data };
    default:
      return { name: owner, class: 'IN', ttl: record.ttl, type: record.type, data: record.data };
  }
}

export class Zone {
  private readonly byName = new Map<string, ZoneRecord[]>();

  constructor(records: readonly ZoneRecord[]) {
    for (const record of records) {
      const key = normaliseName(record.name);
      this.byName.set(key, [...(this.byName.get(key) ?? []), record]);
    }
  }

  /** Answers a question. Names match case-insensitively; answers use the case the client sent. */
  lookup(name: string, type: string): ZoneAnswer {
    const answers: Answer[] = [];
    let owner = name;
    for (let hop = 0; hop <= MAX_CNAME_HOPS; hop += 1) {
      const records = this.byName.get(normaliseName(owner));
      if (!records) {
        return answers.length > 0
          ? { rcode: 'NOERROR', answers, authorities: [] }
          : { rcode: 'NXDOMAIN', answers, authorities: [this.negativeSoa(name)] };
      }
      const matching = records.filter((r) => r.type === type);
      if (matching.length > 0) {
        answers.push(...matching.map((r) => toAnswer(r, owner)));
        return { rcode: 'NOERROR', answers, authorities: [] };
      }
      const cname = records.find((r) => r.type === 'CNAME');
      if (!cname || type === 'CNAME') break;
      answers.push(toAnswer(cname, owner));
      owner = cname.data;
    }
    return { rcode: 'NOERROR', answers, authorities: answers.length > 0 ? [] : [this.negativeSoa(name)] };
  }

  /** Names of the zone that have an A record. */
  addressNames(): string[] {
    return [...this.byName.values()]
      .filter((records) => records.some((r) => r.type === 'A'))
      .map((records) => records[0]!.name);
  }

  /** Whether the zone holds any record for the name. */
  has(name: string): boolean {
    return this.byName.has(normaliseName(name));
  }

  /** An SOA for negative answers, owned by the parent of the queried name. */
  negativeSoa(name: string): Answer {
    const labels = normaliseName(name).split('.');
    const apex = labels.length > 2 ? labels.slice(-2).join('.') : labels.join('.');
    return {
      name: apex || '.',
      type: 'SOA',
      class: 'IN',
      ttl: NEGATIVE_TTL_SECONDS,
      data: {
        mname: 'ns.dnsconform.invalid',
        rname: 'hostmaster.dnsconform.invalid',
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86400,
        minimum: NEGATIVE_TTL_SECONDS,
      },
    };
  }
}
