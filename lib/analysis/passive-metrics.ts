/**
 * The paper's passive metrics (Table II) for one device, from evidence alone: how much and
 * how often it asks, what it asks, what it was told, how its messages look (EDNS, sizes),
 * how random its source ports and TXIDs are (pooled and per capture file = per boot),
 * which resolvers it uses (and which of them are hard-coded), how it retransmits, and
 * whether it speaks encrypted DNS. Works the same on a live run and on imported captures.
 */
import { mean, median } from 'simple-statistics';
import type { SecureDnsContact, LinkLocalCounts } from '../capture/dns-extract.ts';
import { Evidence } from '../evidence/evidence.ts';
import type { EvidenceEvent, QueryEvent, ResponseEvent } from '../evidence/events.ts';
import { firstAtOrAbove } from './binary-search.ts';
import { randomnessStats } from './randomness.ts';
import { hardcodedResolvers } from './resolver-use.ts';
import type { RandomnessStats } from './randomness.ts';
import { normaliseName } from '../dns/names.ts';

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

/**
 * The dominant query period of one name (Table II "temporal query patterns"): its
 * intervals of at least {@link PERIOD_MIN_SECONDS} put in bins 10% wide on a log scale, the fullest bin's median interval, and the
 * share of the intervals that bin holds (near 1: the name is asked like clockwork).
 */
export interface NamePeriodicity {
  intervals: number;
  /** Median of the intervals in the fullest bin, seconds. */
  periodSeconds: number;
  /** Share of the name's intervals in that bin, 0–1. */
  share: number;
}

/** Width of a periodicity bin: intervals within 10% of each other count as the same period. */
export const PERIOD_BIN_RATIO = 1.1;
/**
 * Intervals shorter than this (seconds) are one lookup, not a period: the A and AAAA
 * questions of a name sent together (the Hue bridge's NTP names, 0.7 ms apart).
 */
export const PERIOD_MIN_SECONDS = 0.1;

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
  /** Per lower-cased query name with at least one interval of 0.1 s or more: its dominant query period. */
  periodicityPerName: Record<string, NamePeriodicity>;
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
  /** Per lower-cased query name asked: how many of its queries were retransmissions (as counted in `retransmissions`). */
  retransmissionsPerName: Record<string, number>;
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
export function summarise(values: readonly number[] | NumberColumn['values']): NumberSummary | null {
  if (values.length === 0) return null;
  // A loop, not Math.min(...values): a spread of a large sample overflows the call stack.
  let min = values[0]!;
  let max = values[0]!;
  for (let i = 1; i < values.length; i += 1) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  // Neither changes its input (median selects in a copy of its own), and both take typed arrays as they are.
  const sample = values as unknown as number[];
  return { n: values.length, min, median: median(sample), mean: mean(sample), max };
}

/**
 * A growing list of numbers in a typed array: narrow while the values fit it exactly (ports,
 * TXIDs, sizes), widened to 64-bit floats the moment one does not.
 */
class NumberColumn {
  private data: Float64Array | Uint32Array | Uint16Array | Uint8Array;
  length = 0;

  constructor(kind: 'f64' | 'u32' | 'u16' | 'u8') {
    this.data =
      kind === 'f64'
        ? new Float64Array(256)
        : kind === 'u32'
          ? new Uint32Array(256)
          : kind === 'u16'
            ? new Uint16Array(256)
            : new Uint8Array(256);
  }

  push(value: number): void {
    if (this.length === this.data.length) this.resize(this.data.length * 2, false);
    this.data[this.length] = value;
    if (this.data[this.length] !== value && !(this.data instanceof Float64Array)) {
      this.resize(this.data.length, true);
      this.data[this.length] = value;
    }
    this.length += 1;
  }

  /** Replaces the value at `index` (< length). */
  set(index: number, value: number): void {
    this.data[index] = value;
    if (this.data[index] !== value && !Number.isNaN(value) && !(this.data instanceof Float64Array)) {
      this.resize(this.data.length, true);
      this.data[index] = value;
    }
  }

  private resize(size: number, widen: boolean): void {
    const next =
      widen || this.data instanceof Float64Array
        ? new Float64Array(size)
        : this.data instanceof Uint32Array
          ? new Uint32Array(size)
          : this.data instanceof Uint16Array
            ? new Uint16Array(size)
            : new Uint8Array(size);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }

  get values(): Float64Array | Uint32Array | Uint16Array | Uint8Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * Interval summary with burstiness, null without any interval. Times are grouped by
 * segment (capture file): the gap between two separately recorded captures is no interval.
 * `order` lists the positions in `times` and `segments` to take, in order (all when null).
 */
function intervalMetrics(
  times: ArrayLike<number>,
  segments: ArrayLike<number>,
  order: ArrayLike<number> | null = null,
): IntervalMetrics | null {
  return intervalSummary(intervalsOf(times, segments, order));
}

/** The intervals (seconds) between consecutive queries at `order` (all when null), within one segment. */
function intervalsOf(times: ArrayLike<number>, segments: ArrayLike<number>, order: ArrayLike<number> | null): number[] {
  const gaps: number[] = [];
  const n = order === null ? times.length : order.length;
  for (let k = 1; k < n; k += 1) {
    const i = order === null ? k : order[k]!;
    const j = order === null ? k - 1 : order[k - 1]!;
    if (segments[i] === segments[j]) gaps.push((times[i]! - times[j]!) / 1e6);
  }
  return gaps;
}

/** The dominant period of a name's intervals (see {@link NamePeriodicity}), null without any. */
export function dominantPeriod(all: readonly number[]): NamePeriodicity | null {
  const gaps = all.filter((gap) => gap >= PERIOD_MIN_SECONDS);
  if (gaps.length === 0) return null;
  // Log-scale bins: a period of 2 s and one of 300 s are judged with the same relative slack; 1 ms floors a zero gap.
  const bins = new Map<number, number[]>();
  for (const gap of gaps) {
    const bin = Math.round(Math.log(Math.max(gap, 1e-3)) / Math.log(PERIOD_BIN_RATIO));
    const members = bins.get(bin) ?? [];
    members.push(gap);
    bins.set(bin, members);
  }
  const fullest = [...bins.values()].reduce((best, members) => (members.length > best.length ? members : best));
  return { intervals: gaps.length, periodSeconds: median(fullest), share: fullest.length / gaps.length };
}

function intervalSummary(gaps: number[]): IntervalMetrics | null {
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

/** The capture file a query came from, when the evidence was imported from captures. */
function captureFileOf(q: QueryEvent): string | null {
  const capture = (q as QueryEvent & { capture?: { file?: unknown } }).capture;
  return typeof capture?.file === 'string' ? capture.file : null;
}

/** The events of a run that decide where it begins and ends, and its phases. */
function isMarker(event: EvidenceEvent): boolean {
  return (
    event.type === 'run.start' || event.type === 'run.end' || event.type === 'phase.start' || event.type === 'phase.end'
  );
}

/** What a query left for the retransmission count: the question's previous attempt. */
interface Attempt {
  /** Its position among the device's queries. */
  k: number;
  t: number;
  txid: number;
  port: number;
  resolver: string;
}

/**
 * The metrics of one device, from events handed over one at a time in log order (as
 * `analyze` writes them): what it keeps is numbers per query and per answer, never the
 * events. {@link passiveMetrics} folds an {@link Evidence} this way.
 *
 * Hard-coded resolvers: with an assigned resolver, every other resolver the device queried;
 * without one, the queried resolvers that are on the public list (a device on a lab network
 * has no business choosing a public resolver itself). TXID and source-port figures use UDP
 * queries only (TCP ports are connection ports).
 */
export class PassiveMetricsFold {
  private readonly timeoutSeconds: number;
  /** First and last event, and the run and phase markers: the span and phase windows. */
  private first: EvidenceEvent | undefined;
  private last: EvidenceEvent | undefined;
  private readonly markers: EvidenceEvent[] = [];
  /** Per query of the device, in order. */
  private readonly times = new NumberColumn('f64');
  private readonly segments = new NumberColumn('u16');
  private readonly sizes = new NumberColumn('u16');
  private readonly seqs = new NumberColumn('u32');
  private readonly segmentIds = new Map<string | null, number>();
  private readonly byTransport: Record<string, number> = {};
  private readonly asked: Record<string, number> = {};
  private readonly resolvers: Record<string, number> = {};
  private readonly ednsSizes: Record<string, number> = {};
  /** Per name, the positions of the queries asking it (once per question). */
  private readonly askedAt = new Map<string, NumberColumn>();
  private readonly questionsSeen = new Set<string>();
  private readonly nameLengths = new NumberColumn('u8');
  /** UDP queries: pooled, and per capture file in the order files first appear. */
  private readonly txids = new NumberColumn('u16');
  private readonly ports = new NumberColumn('u16');
  private readonly byFile = new Map<string, { txids: NumberColumn; ports: NumberColumn }>();
  private a = 0;
  private aaaa = 0;
  private questionCount = 0;
  private withEdns = 0;
  private withDo = 0;
  /** Responses to the device. */
  private readonly received: Record<string, number> = {};
  private readonly rcodes: Record<string, number> = {};
  private readonly ttls = new NumberColumn('u32');
  private readonly responseSizes = new NumberColumn('u16');
  private malformed = 0;
  /**
   * Per query of the device (in order), when the last response logged for it came (any DUT,
   * any phase, as Evidence.responseTo), NaN while none did: found by its seq among {@link seqs}.
   */
  private readonly answeredAt = new NumberColumn('f64');
  /** Responses logged before their query (seq beyond the last query counted): taken when it comes. */
  private readonly earlyAnswers = new Map<number, number>();
  /** Retransmission candidates, judged at the end when every answer is known. */
  private readonly previousAttempt = new Map<string, Attempt>();
  private readonly candidatePrevious = new NumberColumn('u32');
  private readonly candidateTime = new NumberColumn('f64');
  private readonly candidateGap = new NumberColumn('f64');
  /** Bits: 1 same TXID, 2 same port, 4 same resolver. */
  private readonly candidateSame = new NumberColumn('u8');
  /** Per candidate, the index of its first question's name in {@link askedAt}'s insertion order. */
  private readonly candidateName = new NumberColumn('u32');

  constructor(private readonly options: PassiveMetricsOptions) {
    this.timeoutSeconds = options.retransmitTimeoutSeconds ?? DEFAULT_RETRANSMIT_TIMEOUT_SECONDS;
  }

  private inPhase(event: EvidenceEvent): boolean {
    return this.options.phase === undefined || event.phase === this.options.phase;
  }

  /** Takes the next event of the log. */
  add(event: EvidenceEvent): void {
    this.first ??= event;
    this.last = event;
    if (isMarker(event)) this.markers.push(event);
    else if (event.type === 'dns.query') {
      if (event.dut === this.options.dut && this.inPhase(event)) this.addQuery(event);
    } else if (event.type === 'dns.response') {
      this.answered(event.queryRef, event.t);
      if (event.dut === this.options.dut && this.inPhase(event)) this.addResponse(event);
    } else if (event.type === 'dns.malformed' && event.dut === this.options.dut && this.inPhase(event)) {
      this.malformed += 1;
    }
  }

  private addQuery(q: QueryEvent): void {
    const k = this.times.length;
    const file = captureFileOf(q);
    let segment = this.segmentIds.get(file);
    if (segment === undefined) {
      segment = this.segmentIds.size;
      this.segmentIds.set(file, segment);
    }
    this.times.push(q.t);
    this.segments.push(segment);
    this.sizes.push(q.size);
    this.seqs.push(q.seq);
    let early: number | undefined;
    // Early answers to this query are taken; those to seqs passed by now were for events not counted here.
    for (const [seq, t] of this.earlyAnswers) {
      if (seq === q.seq) early = t;
      if (seq <= q.seq) this.earlyAnswers.delete(seq);
    }
    this.answeredAt.push(early ?? NaN);
    countInto(this.byTransport, q.transport);
    const resolver = q.server.address;
    countInto(this.resolvers, resolver);
    const edns = q.edns;
    if (edns) countInto(this.ednsSizes, String(edns.udpSize));
    if (edns !== null) this.withEdns += 1;
    if (edns?.do === true) this.withDo += 1;
    for (const question of q.questions) {
      this.questionCount += 1;
      countInto(this.asked, question.type);
      if (question.type === 'A') this.a += 1;
      if (question.type === 'AAAA') this.aaaa += 1;
      const name = normaliseName(question.name);
      this.nameLengths.push(name.length);
      let at = this.askedAt.get(name);
      if (at === undefined) {
        at = new NumberColumn('u32');
        this.askedAt.set(name, at);
      }
      at.push(k);
      this.questionsSeen.add(`${name}/${question.type}`);
    }
    const port = q.client.port;
    // A repeat of the question: a retransmission unless the previous attempt was answered by then (known at the end).
    const key = questionKey(q);
    const previous = this.previousAttempt.get(key);
    this.previousAttempt.set(key, { k, t: q.t, txid: q.txid, port, resolver });
    if (previous !== undefined) {
      const gap = (q.t - previous.t) / 1e6;
      if (!(gap > this.timeoutSeconds)) {
        this.candidatePrevious.push(previous.k);
        this.candidateTime.push(q.t);
        this.candidateGap.push(gap);
        this.candidateSame.push(
          (q.txid === previous.txid ? 1 : 0) |
            (port === previous.port ? 2 : 0) |
            (resolver === previous.resolver ? 4 : 0),
        );
        this.candidateName.push(this.nameIndex(q.questions[0]?.name));
      }
    }
    if (q.transport !== 'udp') return;
    this.txids.push(q.txid);
    this.ports.push(port);
    if (file === null) return;
    let sample = this.byFile.get(file);
    if (sample === undefined) {
      sample = { txids: new NumberColumn('u16'), ports: new NumberColumn('u16') };
      this.byFile.set(file, sample);
    }
    sample.txids.push(q.txid);
    sample.ports.push(port);
  }

  /** Notes a response to the query `seq` at `t`, when that query is one of the device's counted here. */
  private answered(seq: number, t: number): void {
    const seqs = this.seqs.values;
    if (seqs.length === 0 || seq > seqs[seqs.length - 1]!) {
      this.earlyAnswers.set(seq, t);
      return;
    }
    // Queries are added in log order, so their seqs ascend: the first at or above `seq` is the one, if any is.
    const k = firstAtOrAbove(seqs, seq);
    if (k < seqs.length && seqs[k] === seq) this.answeredAt.set(k, t);
  }

  /** When the query at `k` was last answered, or undefined. */
  private answerTime(k: number): number | undefined {
    const t = this.answeredAt.values[k]!;
    return Number.isNaN(t) ? undefined : t;
  }

  private addResponse(r: ResponseEvent): void {
    countInto(this.rcodes, r.flags.rcode);
    for (const rr of r.answers) {
      countInto(this.received, rr.type);
      this.ttls.push(rr.ttl);
    }
    this.responseSizes.push(r.size);
  }

  /** A name's position among the names asked so far (names are added to {@link askedAt} as their queries come). */
  private nameIndex(name: string | undefined): number {
    const key = normaliseName(name ?? '');
    let index = 0;
    for (const known of this.askedAt.keys()) {
      if (known === key) return index;
      index += 1;
    }
    return index;
  }

  /**
   * The candidates that are retransmissions: those whose previous query of the same question
   * had no answer by the time they were sent. One definition for the pooled and per-name counts.
   */
  private *retransmissionIndices(): Generator<number> {
    const previous = this.candidatePrevious.values;
    const time = this.candidateTime.values;
    for (let c = 0; c < previous.length; c += 1) {
      const answered = this.answerTime(previous[c]!);
      if (answered === undefined || answered > time[c]!) yield c;
    }
  }

  /** Retransmissions per name asked (0 for a name never retransmitted). */
  private retransmissionsPerName(): Record<string, number> {
    const names = [...this.askedAt.keys()];
    const counts: Record<string, number> = Object.fromEntries([...names].sort().map((name) => [name, 0]));
    const nameAt = this.candidateName.values;
    for (const c of this.retransmissionIndices()) {
      const name = names[nameAt[c]!];
      if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1;
    }
    return counts;
  }

  private retransmissions(): RetransmissionMetrics {
    const gaps: number[] = [];
    let sameTxid = 0;
    let samePort = 0;
    let sameResolver = 0;
    const gap = this.candidateGap.values;
    const same = this.candidateSame.values;
    for (const c of this.retransmissionIndices()) {
      gaps.push(gap[c]!);
      if (same[c]! & 1) sameTxid += 1;
      if (same[c]! & 2) samePort += 1;
      if (same[c]! & 4) sameResolver += 1;
    }
    const n = gaps.length;
    return {
      count: n,
      sameTxidShare: n === 0 ? 0 : sameTxid / n,
      samePortShare: n === 0 ? 0 : samePort / n,
      sameResolverShare: n === 0 ? 0 : sameResolver / n,
      gaps: summarise(gaps),
      timeoutSeconds: this.timeoutSeconds,
    };
  }

  /** The metrics of everything added. */
  result(): PassiveMetrics {
    const options = this.options;
    // The span and phases of the whole log, from its first and last event and its markers.
    const edges = new Evidence(
      [...new Set([this.first, ...this.markers, this.last])].filter((e): e is EvidenceEvent => e !== undefined),
    );
    const window =
      options.phase === undefined
        ? edges.span()
        : (edges.phases().find((p) => p.name === options.phase) ?? edges.span());
    const spanSeconds = options.observedSeconds ?? Math.max(0, (window.end - window.start) / 1e6);
    const n = this.times.length;
    const times = this.times.values;
    const segments = this.segments.values;
    const perName: Record<string, IntervalMetrics> = {};
    const periodicity: Record<string, NamePeriodicity> = {};
    for (const [name, at] of [...this.askedAt].sort(([x], [y]) => x.localeCompare(y))) {
      const gaps = intervalsOf(times, segments, at.values);
      const metrics = intervalSummary(gaps);
      if (metrics !== null) perName[name] = metrics;
      const period = dominantPeriod(gaps);
      if (period !== null) periodicity[name] = period;
    }
    const perCapture = [...this.byFile].map(([file, sample]) => ({
      file,
      queries: sample.txids.length,
      txid: randomnessStats(sample.txids.values, { space: TXID_SPACE }),
      sourcePort: randomnessStats(sample.ports.values, { space: SOURCE_PORT_SPACE }),
    }));
    let unanswered = 0;
    for (let k = 0; k < n; k += 1) if (this.answerTime(k) === undefined) unanswered += 1;

    const used = Object.keys(this.resolvers);
    const assigned = options.assignedResolver ?? options.assignedResolvers?.[0] ?? null;
    const assignedAll = [
      ...(options.assignedResolver === undefined ? [] : [options.assignedResolver]),
      ...(options.assignedResolvers ?? []),
    ];
    const hardcoded = hardcodedResolvers(used, {
      assigned: assignedAll,
      ...(options.publicResolvers ? { publicResolvers: options.publicResolvers } : {}),
    });
    const { a, aaaa, questionCount } = this;

    return {
      device: options.dut,
      phase: options.phase ?? null,
      spanSeconds,
      queries: n,
      queriesByTransport: this.byTransport,
      queryRatePerMinute: spanSeconds > 0 ? (n / spanSeconds) * 60 : 0,
      interQueryIntervals: intervalMetrics(times, segments),
      interQueryIntervalsPerName: perName,
      periodicityPerName: periodicity,
      distinctNames: this.askedAt.size,
      names: [...this.askedAt.keys()].sort(),
      distinctQuestions: this.questionsSeen.size,
      nameLengths: summarise(this.nameLengths.values),
      recordTypesAsked: this.asked,
      recordTypesReceived: this.received,
      addressQueries: {
        a,
        aaaa,
        aShare: questionCount === 0 ? 0 : a / questionCount,
        aaaaShare: questionCount === 0 ? 0 : aaaa / questionCount,
      },
      ttlsReceived: summarise(this.ttls.values),
      querySizes: summarise(this.sizes.values),
      responseSizes: summarise(this.responseSizes.values),
      ednsShare: n === 0 ? 0 : this.withEdns / n,
      ednsUdpSizes: this.ednsSizes,
      dnssecOkShare: n === 0 ? 0 : this.withDo / n,
      txid: randomnessStats(this.txids.values, { space: TXID_SPACE }),
      sourcePort: randomnessStats(this.ports.values, { space: SOURCE_PORT_SPACE }),
      perCapture,
      perCaptureTxidStdevMedian: perCapture.length === 0 ? null : median(perCapture.map((p) => p.txid.stdev)),
      resolvers: this.resolvers,
      assignedResolver: assigned,
      hardcodedResolvers: hardcoded,
      multipleResolvers: used.length > 1,
      retransmissions: this.retransmissions(),
      retransmissionsPerName: this.retransmissionsPerName(),
      responses: this.responseSizes.length,
      unansweredQueries: unanswered,
      rcodes: this.rcodes,
      malformed: this.malformed,
      secureDns: options.secureDns ?? [],
      mdns: options.mdns ?? null,
      llmnr: options.llmnr ?? null,
    };
  }
}

/** The metrics of one device in the evidence (see {@link PassiveMetricsFold}). */
export function passiveMetrics(evidence: Evidence, options: PassiveMetricsOptions): PassiveMetrics {
  const fold = new PassiveMetricsFold(options);
  for (const event of evidence.events) fold.add(event);
  return fold.result();
}
