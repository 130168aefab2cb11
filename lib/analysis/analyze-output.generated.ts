/* Generated from analyze-output.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * A share, 0–1.
 *
 * This interface was referenced by `DnsconformAnalyzeJsonOutput`'s JSON-Schema
 * via the `definition` "share".
 */
export type Share = number;

/**
 * One JSON object on stdout: the passive metrics of one device over one or more imported captures. Top-level fields are the stable contract; `metrics` holds every passive metric (paper Table II) in more detail.
 */
export interface DnsconformAnalyzeJsonOutput {
  /**
   * Version of the output format; it changes only when a documented field changes meaning.
   */
  schemaVersion: 1;
  /**
   * The device the figures are of.
   */
  device: {
    /**
     * The DUT id the evidence and report use.
     */
    id: string;
    /**
     * The MAC the device was selected by (lower case, colons).
     */
    mac: string | null;
    /**
     * The IP the device was selected by.
     */
    ip: string | null;
    /**
     * The device's IP addresses: the one given, else those its DNS queries came from.
     */
    addresses: string[];
  };
  captures: CaptureInput[];
  /**
   * True when a capture could not be read to its end; the figures cover what came before the fault.
   */
  partial: boolean;
  /**
   * What went wrong reading the captures, in words.
   */
  problems: string[];
  /**
   * DNS queries (QR=0) the device sent to resolvers on port 53, UDP and TCP; mDNS and LLMNR excluded.
   */
  queries: number;
  /**
   * Transaction IDs of the device's UDP queries.
   */
  txid: FieldRandomness;
  /**
   * Source ports of the device's UDP queries.
   */
  sourcePort: FieldRandomness;
  /**
   * Resolver address → queries sent to it.
   */
  resolvers: Counts;
  /**
   * The resolvers the network assigned (--resolver); empty when unknown.
   */
  assignedResolvers: string[];
  /**
   * Resolver addresses the device chose itself: every one but the assigned ones, or without them the listed public resolvers; DoH endpoints always count.
   */
  hardcodedResolvers: string[];
  /**
   * Listed public resolvers the device used → operator.
   */
  publicResolvers: {
    [k: string]: string;
  };
  /**
   * Share of queries carrying an OPT record.
   */
  ednsShare: number;
  encryptedDns: EncryptedDNSUse[];
  /**
   * The signed run directory written, or null.
   */
  run: null | {
    /**
     * The run directory.
     */
    dir: string;
    /**
     * Its report.json.
     */
    report: string;
    /**
     * The report's overall verdict.
     */
    overall: "CONFORMANT" | "NOT_CONFORMANT" | "INCOMPLETE";
  };
  tableII: TableIIMetrics;
  /**
   * Every passive metric (lib/analysis/passive-metrics.ts PassiveMetrics); fields may be added.
   */
  metrics: import("./passive-metrics.ts").PassiveMetrics;
}
/**
 * One capture file read, identified by path and content.
 */
export interface CaptureInput {
  /**
   * Absolute path of the capture as read.
   */
  file: string;
  sha256: string;
  bytes: number;
  /**
   * Frames read (up to a fault).
   */
  frames: number;
  /**
   * DNS messages between the device and resolvers.
   */
  dnsMessages: number;
  /**
   * Where reading stopped early, or null when read to the end.
   */
  error: null | {
    /**
     * Byte offset where reading stopped.
     */
    offset: number;
    problem: string;
  };
}
/**
 * Randomness of one 16-bit field, as scripts get it.
 *
 * This interface was referenced by `DnsconformAnalyzeJsonOutput`'s JSON-Schema
 * via the `definition` "randomness".
 */
export interface FieldRandomness {
  /**
   * Sample size.
   */
  n: number;
  /**
   * Population standard deviation σ.
   */
  stdev: number;
  /**
   * log2(σ·√12), 0 when σ·√12 ≤ 1.
   */
  bits: number;
  /**
   * DNS-OARC grade: GREAT σ ≥ 3980, GOOD ≥ 296, else POOR.
   */
  class: "GREAT" | "GOOD" | "POOR";
  /**
   * Distinct values.
   */
  distinct: number;
  /**
   * Most used value (smallest on a tie); null without queries.
   */
  top: number | null;
  /**
   * How often the most used value was used.
   */
  topCount: number;
  /**
   * Share of the most used value, 0–1.
   */
  topShare: number;
  /**
   * Share of consecutive queries 1–16 apart.
   */
  sequentialShare: number;
}
/**
 * This interface was referenced by `DnsconformAnalyzeJsonOutput`'s JSON-Schema
 * via the `definition` "counts".
 */
export interface Counts {
  [k: string]: number;
}
/**
 * An encrypted DNS server the device contacted.
 */
export interface EncryptedDNSUse {
  protocol: "dot" | "doq" | "doh";
  server: string;
  port: number;
  sni: string | null;
  contacts: number;
}
/**
 * Every row of the paper's Table II (passive DNS measurement metrics), one key per row, each from the same measurement as the rest of the output (docs/analyze.md defines them). Rows repeat parts of `metrics`; their TypeScript types are those parts (tsType).
 */
export interface TableIIMetrics {
  /**
   * DNS query rate: queries over the observed seconds, per minute.
   */
  dnsQueryRate: {
    queries: number;
    spanSeconds: number;
    perMinute: number;
  };
  /**
   * Inter-query interval: pooled summary with burstiness, and per name.
   */
  interQueryInterval: {
    all: import("./passive-metrics.ts").PassiveMetrics["interQueryIntervals"];
    perName: import("./passive-metrics.ts").PassiveMetrics["interQueryIntervalsPerName"];
  };
  /**
   * Queried domain set: its cardinality and the names.
   */
  queriedDomainSet: {
    distinctNames: number;
    distinctQuestions: number;
    names: string[];
  };
  /**
   * IP version usage: A against AAAA questions.
   */
  ipVersionUsage: {
    a: number;
    aaaa: number;
    aShare: number;
    aaaaShare: number;
  };
  /**
   * Secure DNS support: encrypted DNS contacts (DoT, DoH) and the share of queries with the DNSSEC OK bit.
   */
  secureDnsSupport: {
    encryptedDns: EncryptedDNSUse[];
    dnssecOkShare: number;
  };
  /**
   * Resource record types asked and received, with counts.
   */
  resourceRecordTypes: {
    asked: Record<string, number>;
    received: Record<string, number>;
  };
  /**
   * TTL behaviour: TTLs received, and per (name, type) the re-queries held against the TTL of the answer before them (ttl-compliance.ts; the ttl-honoured rule's grace).
   */
  ttlBehaviour: {
    ttlsReceived: import("./passive-metrics.ts").PassiveMetrics["ttlsReceived"];
    requeryVsTtlPerName: import("./ttl-compliance.ts").TtlNameRow[];
  };
  /**
   * Message sizes of queries and responses, octets.
   */
  messageSize: {
    queries: import("./passive-metrics.ts").PassiveMetrics["querySizes"];
    responses: import("./passive-metrics.ts").PassiveMetrics["responseSizes"];
  };
  /**
   * EDNS(0): share of queries with OPT, advertised UDP sizes with counts.
   */
  ednsCapability: {
    share: number;
    udpSizes: Record<string, number>;
  };
  /**
   * Query name length in characters (without the trailing dot).
   */
  queryNameLength: import("./passive-metrics.ts").PassiveMetrics["nameLengths"];
  /**
   * Temporal query patterns: periodicity (dominant query period per name), burstiness, and retransmissions (pooled and per name).
   */
  temporalQueryPatterns: {
    periodicityPerName: import("./passive-metrics.ts").PassiveMetrics["periodicityPerName"];
    burstiness: number | null;
    retransmissions: import("./passive-metrics.ts").PassiveMetrics["retransmissions"];
    retransmissionsPerName: Counts;
  };
  /**
   * Source port entropy (UDP queries).
   */
  sourcePortEntropy: FieldRandomness;
  /**
   * Transaction ID entropy (UDP queries).
   */
  transactionIdEntropy: FieldRandomness;
}
