/**
 * The paper's passive metrics (Table II) for one device, from evidence alone: how much and
 * how often it asks, what it asks, what it was told, how its messages look (EDNS, sizes),
 * how random its source ports and TXIDs are (pooled and per capture file = per boot),
 * which resolvers it uses (and which of them are hard-coded), how it retransmits, and
 * whether it speaks encrypted DNS. Works the same on a live run and on imported captures.
 */
import { mean, median } from 'simple-statistics';
import type { SecureDnsContact, LinkLocalCounts } from '../capture/dns-extract.ts';
import type { Evidence } from '../evidence/evidence.ts';
import type { QueryEvent } from '../evidence/events.ts';
import { randomnessStats } from './randomness.ts';
import { hardcodedResolvers } from './resolver-use.ts';
import type { RandomnessStats } from './randomness.ts';

/** Values a conforming generator draws from: RFC 6056 ephemeral ports at the least, and the whole TXID field. */
export const SOURCE_PORT_SPACE = 16384;
export const TXID_SPACE = 65536;
/** A repeat of an unanswered question within this many seconds is a retransmission (stubs retry within a few seconds, doubling). */
export const DEFAULT_RETRANSMIT_TIMEOUT_SECONDS = 30;

/** Five-number-ish summary of a sample; null where the sample is empty. */
export interface NumberSummary {
  n: number;
  min: number;
  median: number;
  mean: number;
  max: number;
}

/** Intervals between consecutive queries, in seconds. */
export interface IntervalMetrics extends NumberSummary {
  /** Burstiness B = (σ−μ)/(σ+μ) of the intervals: −1 periodic, 0 Poisson, → 1 bursty (Goh & Barabási 2008). */
  burstiness: number;
}

/** One capture file (one boot, for per-setup datasets). */
export interface PerCaptureMetrics {
  file: string;
  queries: number;
  txid: RandomnessStats;
  sourcePort: RandomnessStats;
}

/** Retransmission behaviour. */
export interface RetransmissionMetrics {
  /** Queries that repeated a question still unanswered, within the timeout of the previous attempt. */
  count: number;
  /** Share of retransmissions (0–1) that kept the previous attempt's TXID / source port / resolver. */
  sameTxidShare: number;
  samePortShare: number;
  sameResolverShare: number;
  /** Seconds between an attempt and its retransmission. */
  gaps: NumberSummary | null;
  /** The timeout used, seconds. */
  timeoutSeconds: number;
}

/** Everything {@link passiveMetrics} reports. */
export interface PassiveMetrics {
  device: string;
  /** The phase the figures are restricted to, or null for the whole evidence. */
  phase: string | null;
  /** Observed time in seconds: the caller's figure (sum of capture durations), else the evidence span. */
  spanSeconds: number;
  /** DNS queries the device sent to resolvers (all transports). */
  queries: number;
  queriesByTransport: Record<string, number>;
  /** Queries per minute over the span. */
  queryRatePerMinute: number;
  /** Pooled inter-query intervals (seconds), within each capture file. */
  interQueryIntervals: IntervalMetrics | null;
  /** Per lower-cased query name: intervals between its queries. */
  interQueryIntervalsPerName: Record<string, IntervalMetrics>;
  /** Distinct lower-cased query names, and the set itself (sorted). */
  distinctNames: number;
  names: string[];
  /** Distinct (lower-cased name, type) pairs asked. */
  distinctQuestions: number;
  /** Query name lengths in characters (without the trailing dot). */
  nameLengths: NumberSummary | null;
  /** Question types asked and record types received in answers, with counts. */
  recordTypesAsked: Record<string, number>;
  recordTypesReceived: Record<string, number>;
  /** A and AAAA questions, and their shares of all questions (0–1). */
  addressQueries: { a: number; aaaa: number; aShare: number; aaaaShare: number };
  /** TTLs of answer records received (seconds). */
  ttlsReceived: NumberSummary | null;
  /** Message sizes in octets. */
  querySizes: NumberSummary | null;
  responseSizes: NumberSummary | null;
  /** Share of queries with an OPT record (0–1), and advertised UDP sizes with counts. */
  ednsShare: number;
  ednsUdpSizes: Record<string, number>;
  /** Share of queries with the DO bit (0–1). */
  dnssecOkShare: number;
  /** Randomness of TXIDs and source ports of UDP queries, pooled. */
  txid: RandomnessStats;
  sourcePort: RandomnessStats;
  /** The same per capture file, in the order files first appear; empty for live evidence. */
  perCapture: PerCaptureMetrics[];
  /** Median over capture files of the per-file TXID σ; null without per-file data. */
  perCaptureTxidStdevMedian: number | null;
  /** Resolver address → queries sent to it. */
  resolvers: Record<string, number>;
  /** The resolver the network assigned (profile or --resolver), when known. */
  assignedResolver: string | null;
  /** Resolvers the device uses that the network did not give it (see {@link passiveMetrics}). */
  hardcodedResolvers: string[];
  /** Whether more than one resolver was used. */
  multipleResolvers: boolean;
  retransmissions: RetransmissionMetrics;
  /** Responses the device received, and queries that got none. */
  responses: number;
  unansweredQueries: number;
  rcodes: Record<string, number>;
  /** Messages from the device that did not decode as DNS. */
  malformed: number;
  /** Encrypted DNS contacts (captures only) and link-local resolution counts. */
  secureDns: SecureDnsContact[];
  mdns: LinkLocalCounts | null;
  llmnr: LinkLocalCounts | null;
}

/** What the metrics are computed for. */
export interface PassiveMetricsOptions {
  /** The DUT id of the events. */
  dut: string;
  /** Restrict to one phase. */
  phase?: string;
  /** The resolver address the network assigned. */
  assignedResolver?: string;
  /** Every resolver address the network assigned (with `assignedResolver`, the union). */
  assignedResolvers?: readonly string[];
  /** Public resolver addresses (default: the list in capture/classify.ts). */
  publicResolvers?: readonly string[];
  retransmitTimeoutSeconds?: number;
  /**
   * Seconds actually observed, when the evidence span overstates it (several captures
   * recorded at different times: the sum of their durations).
   */
  observedSeconds?: number;
  /** Observations only a capture has (from evidenceFromCaptures). */
  secureDns?: SecureDnsContact[];
  mdns?: LinkLocalCounts;
  llmnr?: LinkLocalCounts;
}

/** Summary of a sample, null when empty. */
export function summarise(values: readonly number[]): NumberSummary | null {
  if (values.length === 0) return null;
  // reduce, not Math.min(...values): a spread of a large sample overflows the call stack.
  return {
    n: values.length, min: values.reduce((x, y) => Math.min(x, y)), median: median([...values]), mean: mean([...values]),
    max: values.reduce((x, y) => Math.max(x, y)),
  };
}

/**
 * Interval summary with burstiness, null without any interval. Times are grouped by
 * segment (capture file): the gap between two separately recorded captures is no interval.
 * `order` lists the positions in `times` and `segments` to take, in order (all when null).
 */
function intervalMetrics(times: ArrayLike<number>, segments: readonly (string | null)[], order: readonly number[] | null = null): IntervalMetrics | null {
  const gaps: number[] = [];
  const n = order === null ? times.length : order.length;
  for (let k = 1; k < n; k += 1) {
    const i = order === null ? k : order[k]!;
    const j = order === null ? k - 1 : order[k - 1]!;
    if (segments[i] === segments[j]) gaps.push((times[i]! - times[j]!) / 1e6);
  }
  const summary = summarise(gaps);
  if (summary === null) return null;
  const sigma = Math.sqrt(gaps.reduce((s, g) => s + (g - summary.mean) ** 2, 0) / gaps.length);
  return { ...summary, burstiness: sigma + summary.mean === 0 ? 0 : (sigma - summary.mean) / (sigma + summary.mean) };
}

function countInto(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function questionKey(q: QueryEvent): string {
  return q.questions.map((x) => `${x.name.toLowerCase()}/${x.type}/${x.class}`).join(',');
}

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The capture file a query came from, when the evidence was imported from captures. */
function captureFileOf(q: QueryEvent): string | null {
  const capture = (q as QueryEvent & { capture?: { file?: unknown } }).capture;
  return typeof capture?.file === 'string' ? capture.file : null;
}

function retransmissions(evidence: Evidence, queries: readonly QueryEvent[], timeoutSeconds: number): RetransmissionMetrics {
  const last = new Map<string, QueryEvent>();
  const gaps: number[] = [];
  let sameTxid = 0;
  let samePort = 0;
  let sameResolver = 0;
  for (const q of queries) {
    const key = questionKey(q);
    const previous = last.get(key);
    last.set(key, q);
    if (previous === undefined) continue;
    const answer = evidence.responseTo(previous);
    const gap = (q.t - previous.t) / 1e6;
    if ((answer !== undefined && answer.t <= q.t) || gap > timeoutSeconds) continue;
    gaps.push(gap);
    if (q.txid === previous.txid) sameTxid += 1;
    if (q.client.port === previous.client.port) samePort += 1;
    if (q.server.address === previous.server.address) sameResolver += 1;
  }
  const n = gaps.length;
  return {
    count: n, sameTxidShare: n === 0 ? 0 : sameTxid / n, samePortShare: n === 0 ? 0 : samePort / n,
    sameResolverShare: n === 0 ? 0 : sameResolver / n, gaps: summarise(gaps), timeoutSeconds,
  };
}

/**
 * The metrics of one device. Hard-coded resolvers: with an assigned resolver, every other
 * resolver the device queried; without one, the queried resolvers that are on the public
 * list (a device on a lab network has no business choosing a public resolver itself).
 * TXID and source-port figures use UDP queries only (TCP ports are connection ports).
 */
export function passiveMetrics(evidence: Evidence, options: PassiveMetricsOptions): PassiveMetrics {
  const inPhase = <E extends { phase: string | null }>(e: E) => options.phase === undefined || e.phase === options.phase;
  const queries = evidence.queries(options.dut).filter(inPhase);
  const window = options.phase === undefined ? evidence.span() : evidence.phases().find((p) => p.name === options.phase) ?? evidence.span();
  const spanSeconds = options.observedSeconds ?? Math.max(0, (window.end - window.start) / 1e6);

  // One pass over the queries into numbers: an imported capture can hold millions of them.
  const n = queries.length;
  const times = new Float64Array(n);
  const segments: (string | null)[] = new Array<string | null>(n);
  const sizes: number[] = new Array<number>(n);
  const byTransport: Record<string, number> = {};
  const asked: Record<string, number> = {};
  const resolvers: Record<string, number> = {};
  const ednsSizes: Record<string, number> = {};
  /** Per name, the positions of the queries asking it (once per question). */
  const askedAt = new Map<string, number[]>();
  const questionsSeen = new Set<string>();
  const nameLengths: number[] = [];
  const txids: number[] = [];
  const ports: number[] = [];
  /** Per capture file, in the order files first appear: its UDP queries' TXIDs and ports. */
  const byFile = new Map<string, { txids: number[]; ports: number[] }>();
  let a = 0;
  let aaaa = 0;
  let questionCount = 0;
  let withEdns = 0;
  let withDo = 0;
  let unanswered = 0;
  for (const [k, q] of queries.entries()) {
    const segment = captureFileOf(q);
    times[k] = q.t;
    segments[k] = segment;
    sizes[k] = q.size;
    countInto(byTransport, q.transport);
    countInto(resolvers, q.server.address);
    const edns = q.edns;
    if (edns) countInto(ednsSizes, String(edns.udpSize));
    if (edns !== null) withEdns += 1;
    if (edns?.do === true) withDo += 1;
    if (evidence.responseTo(q) === undefined) unanswered += 1;
    for (const question of q.questions) {
      questionCount += 1;
      countInto(asked, question.type);
      if (question.type === 'A') a += 1;
      if (question.type === 'AAAA') aaaa += 1;
      const name = normaliseName(question.name);
      nameLengths.push(name.length);
      const at = askedAt.get(name);
      if (at === undefined) askedAt.set(name, [k]);
      else at.push(k);
      questionsSeen.add(`${name}/${question.type}`);
    }
    if (q.transport !== 'udp') continue;
    const txid = q.txid;
    const port = q.client.port;
    txids.push(txid);
    ports.push(port);
    if (segment === null) continue;
    let sample = byFile.get(segment);
    if (sample === undefined) {
      sample = { txids: [], ports: [] };
      byFile.set(segment, sample);
    }
    sample.txids.push(txid);
    sample.ports.push(port);
  }
  const received: Record<string, number> = {};
  const rcodes: Record<string, number> = {};
  const ttls: number[] = [];
  const responseSizes: number[] = [];
  for (const r of evidence.responses(options.dut)) {
    if (!inPhase(r)) continue;
    countInto(rcodes, r.flags.rcode);
    for (const rr of r.answers) {
      countInto(received, rr.type);
      ttls.push(rr.ttl);
    }
    responseSizes.push(r.size);
  }
  const perName: Record<string, IntervalMetrics> = {};
  for (const [name, at] of [...askedAt].sort(([x], [y]) => x.localeCompare(y))) {
    const metrics = intervalMetrics(times, segments, at);
    if (metrics !== null) perName[name] = metrics;
  }
  const perCapture = [...byFile].map(([file, sample]) => ({
    file, queries: sample.txids.length,
    txid: randomnessStats(sample.txids, { space: TXID_SPACE }),
    sourcePort: randomnessStats(sample.ports, { space: SOURCE_PORT_SPACE }),
  }));

  const used = Object.keys(resolvers);
  const assigned = options.assignedResolver ?? options.assignedResolvers?.[0] ?? null;
  const assignedAll = [...(options.assignedResolver === undefined ? [] : [options.assignedResolver]), ...(options.assignedResolvers ?? [])];
  const hardcoded = hardcodedResolvers(used, { assigned: assignedAll, ...(options.publicResolvers ? { publicResolvers: options.publicResolvers } : {}) });

  return {
    device: options.dut,
    phase: options.phase ?? null,
    spanSeconds,
    queries: n,
    queriesByTransport: byTransport,
    queryRatePerMinute: spanSeconds > 0 ? (n / spanSeconds) * 60 : 0,
    interQueryIntervals: intervalMetrics(times, segments),
    interQueryIntervalsPerName: perName,
    distinctNames: askedAt.size,
    names: [...askedAt.keys()].sort(),
    distinctQuestions: questionsSeen.size,
    nameLengths: summarise(nameLengths),
    recordTypesAsked: asked,
    recordTypesReceived: received,
    addressQueries: { a, aaaa, aShare: questionCount === 0 ? 0 : a / questionCount, aaaaShare: questionCount === 0 ? 0 : aaaa / questionCount },
    ttlsReceived: summarise(ttls),
    querySizes: summarise(sizes),
    responseSizes: summarise(responseSizes),
    ednsShare: n === 0 ? 0 : withEdns / n,
    ednsUdpSizes: ednsSizes,
    dnssecOkShare: n === 0 ? 0 : withDo / n,
    txid: randomnessStats(txids, { space: TXID_SPACE }),
    sourcePort: randomnessStats(ports, { space: SOURCE_PORT_SPACE }),
    perCapture,
    perCaptureTxidStdevMedian: perCapture.length === 0 ? null : median(perCapture.map((p) => p.txid.stdev)),
    resolvers,
    assignedResolver: assigned,
    hardcodedResolvers: hardcoded,
    multipleResolvers: used.length > 1,
    retransmissions: retransmissions(evidence, queries, options.retransmitTimeoutSeconds ?? DEFAULT_RETRANSMIT_TIMEOUT_SECONDS),
    responses: responseSizes.length,
    unansweredQueries: unanswered,
    rcodes,
    malformed: evidence.ofType('dns.malformed').filter((e) => e.dut === options.dut && inPhase(e)).length,
    secureDns: options.secureDns ?? [],
    mdns: options.mdns ?? null,
    llmnr: options.llmnr ?? null,
  };
}
