/**
 * The one JSON object `dnsconform analyze --json` prints: the figures scripts rely on at
 * the top level (their shape is published in `analyze-output.schema.json`, and every
 * output is validated against it before it is printed), the full passive metrics under
 * `metrics`, and where the signed run directory went.
 */
import { Ajv } from 'ajv';
import type { SecureDnsContact } from '../capture/dns-extract.ts';
import type { PassiveMetrics } from './passive-metrics.ts';
import type { RandomnessStats } from './randomness.ts';
import { hardcodedServers } from './resolver-use.ts';
import type { TtlNameRow } from './ttl-compliance.ts';
import schema from './analyze-output.schema.json' with { type: 'json' };

/** Version of the output format; it changes only when a documented field changes meaning. */
export const ANALYZE_OUTPUT_VERSION = 1;

/** Randomness of one 16-bit field, as scripts get it. */
export interface FieldRandomness {
  n: number;
  /** Population standard deviation. */
  stdev: number;
  bits: number;
  class: RandomnessStats['class'];
  distinct: number;
  top: number | null;
  topCount: number;
  /** 0–1. */
  topShare: number;
  sequentialShare: number;
}

/** One capture file read, identified by path and content. */
export interface CaptureInput {
  /** Absolute path. */
  file: string;
  sha256: string;
  bytes: number;
  frames: number;
  dnsMessages: number;
  /** Where reading stopped early, or null when read to the end. */
  error: { offset: number; problem: string } | null;
}

/** An encrypted DNS server the device contacted. */
export interface EncryptedDnsUse {
  protocol: SecureDnsContact['kind'];
  server: string;
  port: number;
  sni: string | null;
  contacts: number;
}

/**
 * The paper's Table II metrics, one key per row of the table, each from the same
 * measurement as the rest of the output (see docs/analyze.md for the definitions).
 */
export interface TableIIMetrics {
  dnsQueryRate: { queries: number; spanSeconds: number; perMinute: number };
  interQueryInterval: {
    all: PassiveMetrics['interQueryIntervals'];
    perName: PassiveMetrics['interQueryIntervalsPerName'];
  };
  queriedDomainSet: { distinctNames: number; distinctQuestions: number; names: string[] };
  ipVersionUsage: PassiveMetrics['addressQueries'];
  secureDnsSupport: { encryptedDns: EncryptedDnsUse[]; dnssecOkShare: number };
  resourceRecordTypes: { asked: Record<string, number>; received: Record<string, number> };
  /** TTLs received, and per (name, type) the re-queries held against the TTL of the answer before them. */
  ttlBehaviour: { ttlsReceived: PassiveMetrics['ttlsReceived']; requeryVsTtlPerName: TtlNameRow[] };
  messageSize: { queries: PassiveMetrics['querySizes']; responses: PassiveMetrics['responseSizes'] };
  ednsCapability: { share: number; udpSizes: Record<string, number> };
  queryNameLength: PassiveMetrics['nameLengths'];
  /** Periodicity (dominant period per name), burstiness, and retransmissions (pooled and per name). */
  temporalQueryPatterns: {
    periodicityPerName: PassiveMetrics['periodicityPerName'];
    burstiness: number | null;
    retransmissions: PassiveMetrics['retransmissions'];
    retransmissionsPerName: PassiveMetrics['retransmissionsPerName'];
  };
  sourcePortEntropy: FieldRandomness;
  transactionIdEntropy: FieldRandomness;
}

/** What `analyze --json` prints. */
export interface AnalyzeOutput {
  schemaVersion: number;
  device: { id: string; mac: string | null; ip: string | null; addresses: string[] };
  captures: CaptureInput[];
  /** True when a capture could not be read to its end: the figures cover what came before. */
  partial: boolean;
  problems: string[];
  /** DNS queries the device sent to resolvers (UDP and TCP). */
  queries: number;
  txid: FieldRandomness;
  sourcePort: FieldRandomness;
  /** Resolver address → queries sent to it. */
  resolvers: Record<string, number>;
  /** The resolvers the network assigned (--resolver); empty when not given. */
  assignedResolvers: string[];
  /** Resolvers the device chose itself (see lib/analysis/resolver-use.ts), plain or encrypted. */
  hardcodedResolvers: string[];
  /** The listed public resolvers among those used, with their operators. */
  publicResolvers: Record<string, string>;
  /** Share of queries with an OPT record, 0–1. */
  ednsShare: number;
  encryptedDns: EncryptedDnsUse[];
  /** The signed run directory, report and overall verdict; null when none was written. */
  run: { dir: string; report: string; overall: string } | null;
  /** Every row of the paper's Table II. */
  tableII: TableIIMetrics;
  metrics: PassiveMetrics;
}

function fieldRandomness(stats: RandomnessStats): FieldRandomness {
  const { n, stdev, bits, distinct, top, topCount, topShare, sequentialShare } = stats;
  return { n, stdev, bits, class: stats.class, distinct, top, topCount, topShare, sequentialShare };
}

/** What the output is made of. */
export interface AnalyzeOutputInput {
  device: AnalyzeOutput['device'];
  captures: CaptureInput[];
  partial: boolean;
  problems: string[];
  assignedResolvers: string[];
  /** Public resolvers, address → operator (the built-in list and any the lab added). */
  publicResolvers: Readonly<Record<string, string>>;
  metrics: PassiveMetrics;
  /** Re-query against TTL per (name, type): `ttlCompliance(...).rows`. */
  requeryVsTtl: TtlNameRow[];
  run: AnalyzeOutput['run'];
}

/** Builds the output from the metrics. */
export function analyzeOutput(input: AnalyzeOutputInput): AnalyzeOutput {
  const { metrics } = input;
  const encrypted = metrics.secureDns.map((c) => ({
    protocol: c.kind,
    server: c.server.address,
    port: c.server.port,
    sni: c.serverName,
    contacts: c.contacts,
  }));
  const hardcoded = hardcodedServers(
    Object.keys(metrics.resolvers),
    encrypted.map((c) => ({ protocol: c.protocol, address: c.server })),
    { assigned: input.assignedResolvers, publicResolvers: Object.keys(input.publicResolvers) },
  );
  const used = [...Object.keys(metrics.resolvers), ...encrypted.map((c) => c.server)];
  return {
    schemaVersion: ANALYZE_OUTPUT_VERSION,
    device: input.device,
    captures: input.captures,
    partial: input.partial,
    problems: input.problems,
    queries: metrics.queries,
    txid: fieldRandomness(metrics.txid),
    sourcePort: fieldRandomness(metrics.sourcePort),
    resolvers: metrics.resolvers,
    assignedResolvers: input.assignedResolvers,
    hardcodedResolvers: hardcoded,
    publicResolvers: Object.fromEntries(
      [...new Set(used)]
        .filter((a) => Object.hasOwn(input.publicResolvers, a))
        .sort()
        .map((a) => [a, input.publicResolvers[a]!]),
    ),
    ednsShare: metrics.ednsShare,
    encryptedDns: encrypted,
    run: input.run,
    tableII: {
      dnsQueryRate: {
        queries: metrics.queries,
        spanSeconds: metrics.spanSeconds,
        perMinute: metrics.queryRatePerMinute,
      },
      interQueryInterval: { all: metrics.interQueryIntervals, perName: metrics.interQueryIntervalsPerName },
      queriedDomainSet: {
        distinctNames: metrics.distinctNames,
        distinctQuestions: metrics.distinctQuestions,
        names: metrics.names,
      },
      ipVersionUsage: metrics.addressQueries,
      secureDnsSupport: { encryptedDns: encrypted, dnssecOkShare: metrics.dnssecOkShare },
      resourceRecordTypes: { asked: metrics.recordTypesAsked, received: metrics.recordTypesReceived },
      ttlBehaviour: { ttlsReceived: metrics.ttlsReceived, requeryVsTtlPerName: input.requeryVsTtl },
      messageSize: { queries: metrics.querySizes, responses: metrics.responseSizes },
      ednsCapability: { share: metrics.ednsShare, udpSizes: metrics.ednsUdpSizes },
      queryNameLength: metrics.nameLengths,
      temporalQueryPatterns: {
        periodicityPerName: metrics.periodicityPerName,
        burstiness: metrics.interQueryIntervals?.burstiness ?? null,
        retransmissions: metrics.retransmissions,
        retransmissionsPerName: metrics.retransmissionsPerName,
      },
      sourcePortEntropy: fieldRandomness(metrics.sourcePort),
      transactionIdEntropy: fieldRandomness(metrics.txid),
    },
    metrics,
  };
}

const validate = new Ajv({ allErrors: true, strict: true }).compile<AnalyzeOutput>(schema);

/** Throws naming every place where `output` departs from the published schema. */
export function validateAnalyzeOutput(output: unknown): AnalyzeOutput {
  if (validate(output)) return output;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`);
  throw new Error(`analyze output does not match analyze-output.schema.json: ${problems.join('; ')}`);
}
