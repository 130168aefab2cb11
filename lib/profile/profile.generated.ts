/* Generated from profile.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. */

export type Ip = {
  [k: string]: unknown;
};
export type Ip1 = string;
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "domainName".
 */
export type DomainName = string;
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "port".
 */
export type Port = number;
/**
 * A biased draw: each choice is one value or a range (every step-th value from min to max), picked with probability weight / the sum of the weights. As a source port, 0 lets the kernel choose.
 *
 * @minItems 1
 *
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "weightedChoices".
 */
export type WeightedChoices = (
  | {
      weight: number;
      value: number;
    }
  | {
      weight: number;
      min: number;
      max: number;
      step?: number;
    }
)[];
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "ttl".
 */
export type Ttl = number;
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "livenessProbe".
 */
export type LivenessProbe =
  | {
      probe: "queries";
      /**
       * Dead when the DUT sent no DNS query for this long.
       */
      silentSeconds?: number;
    }
  | {
      probe: "tcp";
      /**
       * Default: the DUT's first address.
       */
      address?: {
        [k: string]: unknown;
      } & string;
      port: number;
      timeoutMs?: number;
    }
  | {
      probe: "icmp";
      /**
       * Default: the DUT's first address.
       */
      address?: {
        [k: string]: unknown;
      } & string;
      timeoutMs?: number;
    };
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "tableICell".
 */
export type TableICell = "pass" | "fail" | "not-assessed";
/**
 * The entry's id in the supplier's IXIT (ComMech-3).
 *
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "ixitId".
 */
export type IxitId = string;
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "text".
 */
export type Text = string;
/**
 * IXIT 12-NetSecImpl: the network and security implementations (stub resolver, TLS stack), with version and how they were reviewed.
 */
export type IxitEntries = {
  id: IxitId;
  description: Text;
  version?: Text;
}[];
/**
 * IXIT 15-Intf: network interfaces and what they disclose without authentication.
 */
export type IxitEntries1 = {
  id: IxitId;
  description: Text;
  version?: Text;
}[];
/**
 * IXIT 23-ResMech: resilience mechanisms for network and power outages.
 */
export type IxitEntries2 = {
  id: IxitId;
  description: Text;
  version?: Text;
}[];
/**
 * IXIT 29-InpVal: how input, DNS responses included, is validated.
 */
export type IxitEntries3 = {
  id: IxitId;
  description: Text;
  version?: Text;
}[];
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "ixitEntries".
 */
export type IxitEntries4 = {
  id: IxitId;
  description: Text;
  version?: Text;
}[];
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "portOrZero".
 */
export type PortOrZero = number;

/**
 * One device under test: identity, how the harness meets it, and (for simulated devices) how it behaves.
 */
export interface DnsconformDeviceProfile {
  profileVersion: 1;
  description?: string;
  dut: {
    id: string;
    vendor: string;
    model: string;
    hardware?: string;
    firmware?: string;
    serial?: string;
    mac?: string;
    /**
     * The DUT's IP addresses; required unless network.dhcp hands it one (then derived from its MAC).
     *
     * @minItems 1
     *
     * Items: This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
     * via the `definition` "ip".
     */
    addresses?: (Ip & Ip1)[];
    state?: "factory-default" | "initialised";
    /**
     * The manufacturer's MUD URL (RFC 8520 §3.3, https), written into the MUD file `dnsconform allowlist` makes.
     */
    mudUrl?: string;
  };
  /**
   * Who the laboratory tests the device for (ISO/IEC 17025 §7.8.2.1 f); a report without one is not for certification.
   */
  customer?: {
    name: string;
    address?: string;
  };
  device:
    | {
        kind: "simulated";
        behaviour: Behaviour;
      }
    | {
        kind: "lab";
        instructions?: string;
        /**
         * How the harness power-cycles the DUT when a plan phase asks for it. With a command (a switched PDU, a smart plug), it runs it through /bin/sh; without one, the operator is prompted and the harness waits for Enter.
         */
        powerCycle?: {
          command?: string;
          timeoutSeconds?: number;
          /**
           * Wait this long after the power-cycle before observing, while the DUT boots.
           */
          bootSeconds?: number;
        };
      };
  /**
   * Live packet capture of a lab device; a simulated device is always captured on lo.
   */
  capture?: {
    /**
     * The interface facing the DUT (eth1); default any.
     */
    interface?: string;
  };
  /**
   * The lab segment the harness runs: its DHCP server (dnsmasq) hands the DUT its address and the harness resolver. A simulated device's segment is loopback (interface lo, a subnet of its 127.x.y.0/24 block): the same dnsmasq serves it on ports picked at run time.
   */
  network?: {
    dhcp: {
      /**
       * The harness's interface on the lab segment (a spare NIC, a USB Ethernet adapter, the port of an access point in bridge mode); it must hold a resolver address inside the subnet.
       */
      interface: string;
      /**
       * The segment's IPv4 subnet (CIDR). The DUT gets a fixed address in it, derived from its MAC unless dut.addresses names one.
       */
      subnet: string;
      /**
       * Lease time (dnsmasq's floor is 120 s); clients renew at half of it unless renewSeconds says otherwise.
       */
      leaseSeconds?: number;
      /**
       * T1 (DHCP option 58), for clients that honour it (dnsmasq sends a T1 below 3 s as half the lease); busybox udhcpc renews at half the lease whatever T1 says. The simulated devices renew at T1.
       */
      renewSeconds?: number;
      /**
       * A second harness resolver address (a udp listener of resolver.listen) that the DHCP server hands out instead of the first from the resolver-change experiment on.
       */
      resolverChange?: {
        [k: string]: unknown;
      } & string;
      /**
       * Offer the resolver's dot/doh listeners by DNR (RFC 9463: DHCPv4 option 162, DHCPv6 option 144), named by resolver.name (their ADN).
       */
      encryptedDns?: boolean;
      /**
       * IPv6 on the segment: router advertisements with RDNSS (RFC 8106) and stateless DHCPv6 (option 23, and option 144 with encryptedDns). The DUT's SLAAC address (EUI-64 of its MAC) is added to dut.addresses.
       */
      ipv6?: {
        /**
         * The segment's /64; the interface must hold a resolver address inside it.
         */
        prefix: string;
      };
    };
  };
  resolver: {
    /**
     * @minItems 1
     */
    listen: (
      | {
          transport?: "udp" | "tcp";
          /**
           * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
           * via the `definition` "ip".
           */
          address?: Ip & Ip1;
          port?: number;
        }
      | {
          transport?: "dot";
          /**
           * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
           * via the `definition` "ip".
           */
          address?: Ip & Ip1;
          port?: number;
        }
      | {
          transport?: "doh";
          /**
           * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
           * via the `definition` "ip".
           */
          address?: Ip & Ip1;
          port?: number;
          path?: string;
        }
    )[];
    name?: DomainName;
    /**
     * The lab's upstream resolver, address[:port] (192.0.2.53, 127.0.0.1:5353, [::1]:5353): names the zone does not hold are asked of it, and every answer is recorded as evidence (upstream.answer).
     */
    upstream?: string;
  };
  zone: {
    name: DomainName;
    type: "A" | "AAAA" | "CNAME" | "TXT" | "MX" | "NS";
    ttl: Ttl;
    data: string;
  }[];
  scenario?: string[];
  /**
   * A DNSSEC-signed zone in the lab (docs/dnssec.md): the zone records at or below the apex are signed by ldns-signzone and served with RRSIG, DNSKEY and NSEC to queries with DO; the run writes the trust anchor (dnssec/trust-anchor.ds).
   */
  signedZone?: {
    apex: string;
    /**
     * Directory with the lab's key for the apex (K<apex>.+013+<tag>.private and .key, from ldns-keygen), so the trust anchor stays the same from run to run; a key is made per run when left out.
     */
    keyDir?: string;
  };
  /**
   * Items: This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
   * via the `definition` "ip".
   */
  canaries?: (Ip & Ip1)[];
  /**
   * Public resolvers beyond the built-in list, address → operator: DNS to them counts as hard-coded (Recommendation #2).
   */
  publicResolvers?: {
    [k: string]: string;
  };
  /**
   * Ports the canary sink listens on besides its defaults.
   */
  canarySink?: {
    tcp?: Port[];
    udp?: Port[];
  };
  /**
   * Probes sampled through every phase, so a DUT that stops working under an experiment is evidence (Recommendation #9).
   */
  liveness?: {
    intervalSeconds?: number;
    /**
     * @minItems 1
     */
    probes: LivenessProbe[];
  };
  observe?: {
    windowSeconds: number;
  };
  /**
   * The device of the paper "From Lookup to Lockdown" a simulated profile plays, and the Table I row expected of it.
   */
  paper?: {
    /**
     * The device as the paper's Table I names it.
     */
    name: string;
    /**
     * Sections, figures and tables the behaviour follows.
     */
    section: string;
    /**
     * Standard deviations the paper reports for the device (§V.A.2, §V.A.3, Fig. 4).
     */
    sigma?: {
      sourcePort?: number;
      txid?: number;
    };
    /**
     * The expected row: the paper's seven columns, and optionally Recommendations #2 and #6.
     */
    tableI?: {
      secureDns: TableICell;
      randomSourcePort: TableICell;
      randomTxid: TableICell;
      queryConsistency: TableICell;
      modifiedRrResilience: TableICell;
      forgedTtlResilience: TableICell;
      dosResilience: TableICell;
      dhcpResolverOnly?: TableICell;
      backoff?: TableICell;
    };
  };
  /**
   * What the supplier declares about the DUT for testing (ETSI TS 103 701 IXIT): values checks read, and the IXIT entries that matter for DNS, printed in the report as supplied by the customer.
   */
  ixit?: {
    /**
     * The longest the DUT keeps an answer whatever its TTL (RFC 8767 §4 suggests 604800).
     */
    ttlCapSeconds?: number;
    /**
     * The supplier declares that the DUT validates DNSSEC itself (draft IOTDNS-D-VAL-2); a DUT so declared that uses a bogus answer FAILs.
     */
    dnssecValidation?: boolean;
    /**
     * IXIT 11-ComMech: communication mechanisms; DNS is declared here with its transports and resilience measures.
     */
    comMech?: {
      id: IxitId;
      description: Text;
      /**
       * The DNS transports the device uses.
       *
       * @minItems 1
       */
      transports?: ("udp" | "tcp" | "dot" | "doh" | "doq")[];
      /**
       * How the device picks its resolver (DHCP option 6, DNR, DDR, hard-coded ...).
       */
      resolverSelection?: string;
      securityGuarantees?: Text;
      cryptographicDetails?: Text;
      /**
       * Back-off, jitter, failure caching, serve-stale ...
       */
      resilienceMeasures?: string;
    }[];
    netSecImpl?: IxitEntries;
    intf?: IxitEntries1;
    resMech?: IxitEntries2;
    inpVal?: IxitEntries3;
  };
  /**
   * The supplier's Implementation Conformance Statement (EN 303 645 annex pro forma) for provisions the harness cites: support Y, N or N/A (N/A only for conditional provisions) with detail. A check whose cited provisions are all N/A is NOT_APPLICABLE; nothing else makes a check NOT_APPLICABLE.
   */
  ics?: {
    /**
     * EN 303 645 V2.1.1 provision number.
     */
    provision: string;
    support: "Y" | "N" | "N/A";
    /**
     * Measures taken (Y), reasons for not implementing (N), rationale for N/A.
     */
    detail?: string;
  }[];
  /**
   * The lab's verdicts on clauses no check can test (management-zone clauses, document-only provisions), judged from the supplier's documents; the report shows them as the lab's assessment, apart from the check results.
   */
  labAssessments?: {
    /**
     * A draft clause id or EN 303 645 provision whose catalogue entry allows a lab assessment.
     */
    clause: string;
    verdict: "PASS" | "FAIL" | "NOT_ASSESSED";
    justification: Text;
    /**
     * What the verdict rests on (IXIT entries, policies).
     */
    documents?: Text[];
    assessor?: Text;
  }[];
}
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "behaviour".
 */
export interface Behaviour {
  /**
   * @minItems 1
   */
  lookups: {
    name: DomainName;
    type: "A" | "AAAA";
    everyMs: number;
    jitterMs?: number;
  }[];
  sourcePort:
    | {
        strategy: "fixed";
        port: Port;
      }
    | {
        strategy: "sequential";
        start: Port;
        step?: number;
      }
    | {
        strategy: "pool";
        /**
         * @minItems 1
         */
        ports: Port[];
      }
    | {
        strategy: "random";
        min: Port;
        max: Port;
      }
    | {
        strategy: "os";
      }
    | {
        strategy: "weighted";
        choices: WeightedChoices;
      };
  txid:
    | {
        strategy: "constant";
        value: number;
      }
    | {
        strategy: "counter";
        start: number;
        step?: number;
      }
    | {
        strategy: "random";
      }
    | {
        strategy: "weighted";
        choices: WeightedChoices;
      };
  ttl:
    | {
        mode: "honour";
      }
    | {
        mode: "ignore";
      }
    | {
        mode: "clamp";
        min: Ttl;
        max: Ttl;
      };
  retry: {
    timeoutMs: number;
    attempts: number;
    backoff: number;
    maxTimeoutMs: number;
  };
  edns: {
    enabled: boolean;
    udpSize?: number;
  };
  tcpOnTruncation: boolean;
  encryption?:
    | {
        ddr?: "ignore";
      }
    | {
        ddr?: "upgrade";
        prefer: "dot" | "doh";
        /**
         * Once upgraded, whether a failed encrypted exchange goes on over port 53 (true) or fails the lookup (false: no cleartext downgrade).
         */
        cleartextFallback?: boolean;
      };
  validation?: "strict" | "sloppy";
  /**
   * validate: set DO and use answers under the lab trust anchor (signedZone) only when their RRSIGs verify (draft IOTDNS-D-VAL-2); ignore: no DO, answers used as they come.
   */
  dnssec?: "validate" | "ignore";
  /**
   * After the first acceptable reply the stub waits waitMs and takes the last acceptable one under the same transaction ID (a later matching answer overwrites the first).
   */
  lastReplyWins?: {
    waitMs: number;
  };
  connect?: {
    port: Port;
    timeoutMs?: number;
  };
  ttlTopBitAsZero?: boolean;
  ttlPinAboveSeconds?: Ttl;
  /**
   * TTLs at or above aboveSeconds are suspect (an abrupt jump, Recommendation #8): kept only keepSeconds (0: not cached), so the next need re-validates them.
   */
  ttlSuspect?: {
    aboveSeconds: Ttl;
    keepSeconds: number;
  };
  failureCache?: {
    minSeconds: number;
    maxSeconds: number;
    backoff: number;
  };
  /**
   * Bounded so a simulated storm never loads the harness: at most 20 queries per second per name, 50 per storm.
   */
  requeryStorm?: {
    intervalMs: number;
    maxQueries: number;
  };
  /**
   * Needs that arrive while their name fails are kept, at most maxNeeds per name, and all looked up at once when it next resolves (a burst after an outage). Bounded so the harness is never loaded.
   */
  retryBacklog?: {
    maxNeeds: number;
  };
  ednsFallback?: boolean;
  service?: {
    port: Port;
    /**
     * The service stops accepting while the device's lookups fail (a local function that waits on the cloud) and accepts again at the next answer.
     */
    needsDns?: boolean;
  };
  receiveBufferBytes?: number;
  onOverflow?: "drop" | "hang" | "exit";
  /**
   * With network.dhcp: follow, the device uses the resolver (option 6) of its latest lease or renewal; ignore, it keeps the resolver it was first given whatever DHCP says later (against Recommendation #2).
   */
  dhcpResolver?: "follow" | "ignore";
  /**
   * Also ask this resolver directly every intervalSeconds (a hard-coded fallback, against Recommendation #2).
   */
  hardcodedResolver?: {
    /**
     * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
     * via the `definition` "ip".
     */
    address: Ip & Ip1;
    port?: Port;
    name: string;
    intervalSeconds: number;
  };
}
