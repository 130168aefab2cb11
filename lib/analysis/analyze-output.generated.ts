/* Generated from analyze-output.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

/**
 * This interface was referenced by `DnsconformAnalyzeJsonOutput`'s JSON-Schema
 * via the `definition` "share".
 */
export type Share = number;

/**
 * One JSON object on stdout: the passive metrics of one device over one or more imported captures. Top-level fields are the stable contract; `metrics` holds every passive metric (paper Table II) in more detail.
 */
export interface DnsconformAnalyzeJsonOutput {
  schemaVersion: 1;
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
  captures: {
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
    error: null | {
      /**
       * Byte offset where reading stopped.
       */
      offset: number;
      problem: string;
    };
  }[];
  /**
   * True when a capture could not be read to its end; the figures cover what came before the fault.
   */
  partial: boolean;
  problems: string[];
  /**
   * DNS queries (QR=0) the device sent to resolvers on port 53, UDP and TCP; mDNS and LLMNR excluded.
   */
  queries: number;
  txid: Randomness;
  sourcePort: Randomness1;
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
  encryptedDns: {
    protocol: "dot" | "doq" | "doh";
    server: string;
    port: number;
    sni: string | null;
    contacts: number;
  }[];
  /**
   * The signed run directory written, or null.
   */
  run: null | {
    dir: string;
    report: string;
    overall: "CONFORMANT" | "NOT_CONFORMANT" | "INCOMPLETE";
  };
  /**
   * Every row of the paper's Table II (passive DNS measurement metrics), one key per row.
   */
  tableII: {
    /**
     * DNS query rate: queries over the observed seconds, per minute.
     */
    dnsQueryRate: {
      queries: unknown;
      spanSeconds: unknown;
      perMinute: unknown;
    };
    /**
     * Inter-query interval: pooled summary with burstiness, and per name.
     */
    interQueryInterval: {
      all: unknown;
      perName: unknown;
    };
    /**
     * Queried domain set: its cardinality and the names.
     */
    queriedDomainSet: {
      distinctNames: unknown;
      distinctQuestions: unknown;
      names: unknown;
    };
    /**
     * IP version usage: A against AAAA questions.
     */
    ipVersionUsage: {
      a: unknown;
      aaaa: unknown;
      aShare: unknown;
      aaaaShare: unknown;
    };
    /**
     * Secure DNS support: encrypted DNS contacts (DoT, DoH) and the share of queries with the DNSSEC OK bit.
     */
    secureDnsSupport: {
      encryptedDns: unknown;
      dnssecOkShare: unknown;
    };
    /**
     * Resource record types asked and received, with counts.
     */
    resourceRecordTypes: {
      asked: unknown;
      received: unknown;
    };
    /**
     * TTL behaviour: TTLs received, and per (name, type) the re-queries held against the TTL (ttl-compliance.ts; the ttl-honoured rule's grace).
     */
    ttlBehaviour: {
      ttlsReceived: unknown;
      requeryVsTtlPerName: {
        name: unknown;
        type: unknown;
        ttls: unknown;
        answers: unknown;
        judged: unknown;
        requeries: unknown;
        premature: unknown;
        shortestRequerySeconds: unknown;
      }[];
    };
    /**
     * Message sizes of queries and responses, octets.
     */
    messageSize: {
      queries: unknown;
      responses: unknown;
    };
    /**
     * EDNS(0): share of queries with OPT, advertised UDP sizes with counts.
     */
    ednsCapability: {
      share: unknown;
      udpSizes: unknown;
    };
    /**
     * Query name length in characters (without the trailing dot).
     */
    queryNameLength: {} | null;
    /**
     * Temporal query patterns: dominant query period per name, burstiness, retransmissions pooled and per name.
     */
    temporalQueryPatterns: {
      periodicityPerName: {
        [k: string]: {
          intervals: unknown;
          periodSeconds: unknown;
          share: unknown;
        };
      };
      burstiness: unknown;
      retransmissions: unknown;
      retransmissionsPerName: Counts1;
    };
    /**
     * Source port entropy (UDP queries).
     */
    sourcePortEntropy: {
      n: unknown;
      stdev: unknown;
      bits: unknown;
      class: unknown;
    };
    /**
     * Transaction ID entropy (UDP queries).
     */
    transactionIdEntropy: {
      n: unknown;
      stdev: unknown;
      bits: unknown;
      class: unknown;
    };
  };
  /**
   * Every passive metric (lib/analysis/passive-metrics.ts PassiveMetrics); fields may be added.
   */
  metrics: {
    queries: number;
    txid: {};
    sourcePort: {};
    resolvers: Counts1;
    ednsShare: Share;
    /**
     * The same randomness figures per capture file (per boot for per-setup datasets).
     */
    perCapture: unknown[];
    retransmissions: {};
  };
}
/**
 * Transaction IDs of the device's UDP queries.
 */
export interface Randomness {
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
  distinct: number;
  /**
   * Most used value (smallest on a tie); null without queries.
   */
  top: number | null;
  topCount: number;
  topShare: Share;
  /**
   * Share of consecutive queries 1–16 apart.
   */
  sequentialShare: number;
}
/**
 * Source ports of the device's UDP queries.
 */
export interface Randomness1 {
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
  distinct: number;
  /**
   * Most used value (smallest on a tie); null without queries.
   */
  top: number | null;
  topCount: number;
  topShare: Share;
  /**
   * Share of consecutive queries 1–16 apart.
   */
  sequentialShare: number;
}
/**
 * Resolver address → queries sent to it.
 */
export interface Counts {
  [k: string]: number;
}
/**
 * This interface was referenced by `DnsconformAnalyzeJsonOutput`'s JSON-Schema
 * via the `definition` "counts".
 */
export interface Counts1 {
  [k: string]: number;
}
/**
 * This interface was referenced by `DnsconformAnalyzeJsonOutput`'s JSON-Schema
 * via the `definition` "randomness".
 */
export interface Randomness2 {
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
  distinct: number;
  /**
   * Most used value (smallest on a tie); null without queries.
   */
  top: number | null;
  topCount: number;
  topShare: Share;
  /**
   * Share of consecutive queries 1–16 apart.
   */
  sequentialShare: number;
}
