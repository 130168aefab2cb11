/**
 * The one JSON object `dnsconform analyze --json` prints: the figures scripts rely on at
 * the top level (their shape is published in `analyze-output.schema.json`, and every
 * output is validated against it before it is printed), the full passive metrics under
 * `metrics`, and where the signed run directory went.
 */
import { precompiled } from '../input/yaml-input.ts';
import type { PassiveMetrics } from './passive-metrics.ts';
import type { RandomnessStats } from './randomness.ts';
import { hardcodedServers } from './resolver-use.ts';
import type { TtlNameRow } from './ttl-compliance.ts';
import validateAnalyzeOutputSchema from './analyze-output.validator.generated.ts';
import type { CaptureInput, DnsconformAnalyzeJsonOutput, FieldRandomness } from './analyze-output.generated.ts';

/** Version of the output format; it changes only when a documented field changes meaning. */
export const ANALYZE_OUTPUT_VERSION = 1;

export type {
  CaptureInput,
  EncryptedDNSUse as EncryptedDnsUse,
  FieldRandomness,
  TableIIMetrics,
} from './analyze-output.generated.ts';

/** What `analyze --json` prints: the type generated from analyze-output.schema.json. */
export type AnalyzeOutput = DnsconformAnalyzeJsonOutput;

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

const validate = precompiled<AnalyzeOutput>(validateAnalyzeOutputSchema);

/** Throws naming every place where `output` departs from the published schema. */
export function validateAnalyzeOutput(output: unknown): AnalyzeOutput {
  if (validate(output)) return output;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`);
  throw new Error(`analyze output does not match analyze-output.schema.json: ${problems.join('; ')}`);
}
