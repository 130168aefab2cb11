/* Generated from profile.schema.json by scripts/make-schema-types.ts (json-schema-to-typescript): do not edit; edit the schema and run npm run schema-types. Properties with a default are required: the loader's validator fills them in. */

/**
 * An IPv4 or IPv6 address.
 *
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "ip".
 */
export type IpAddress = string;
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "domainName".
 */
export type DomainName = string;
/**
 * Where a source port comes from for each query. os: the kernel chooses an ephemeral port (Linux randomises them); weighted: a biased draw, one port or range per choice, by weight.
 */
export type SourcePortStrategy =
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
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "port".
 */
export type Port = number;
/**
 * One choice of a weighted draw: a single value, or a range (every step-th value from min to max, 1 by default), picked with probability weight / the sum of the weights.
 */
export type WeightedChoice =
  | {
      weight: number;
      value: number;
    }
  | {
      weight: number;
      min: number;
      max: number;
      step?: number;
    };
/**
 * A biased draw: each choice is one value or a range (every step-th value from min to max), picked with probability weight / the sum of the weights. As a source port, 0 lets the kernel choose.
 *
 * @minItems 1
 *
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "weightedChoices".
 */
export type WeightedChoices = WeightedChoice[];
/**
 * Where a transaction ID comes from for each query; weighted: a biased draw, one ID or range per choice, by weight.
 */
export type TxidStrategy =
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
/**
 * What the stub does with the TTLs it receives; ignore: no cache, every lookup the application makes goes to the network.
 */
export type TtlHandling =
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
/**
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "ttl".
 */
export type Ttl = number;
/**
 * What the device does with Discovery of Designated Resolvers (RFC 9462); left out, it ignores it. upgrade: ask _dns.resolver.arpa SVCB and move to the designated DoT or DoH resolver that verifies against the lab CA; ignore: stay on port 53 whatever is offered.
 */
export type EncryptionBehaviour =
  | {
      ddr: "ignore";
    }
  | {
      ddr: "upgrade";
      prefer: "dot" | "doh";
      /**
       * Once upgraded, whether a failed encrypted exchange goes on over port 53 (true) or fails the lookup (false: no cleartext downgrade).
       */
      cleartextFallback: boolean;
    };
/**
 * One socket the resolver listens on. dot: DNS over TLS (RFC 7858); doh: DNS over HTTPS (RFC 8484), HTTP/2 and HTTP/1.1. The port is 53 (udp, tcp), 853 (dot) or 443 (doh) when left out; 0 lets the system pick a free port (simulated devices are told which).
 */
export type ListenSpec =
  | {
      transport: "udp" | "tcp";
      address: IpAddress;
      port: number;
    }
  | {
      transport: "dot";
      address: IpAddress;
      port: number;
    }
  | {
      transport: "doh";
      address: IpAddress;
      port: number;
      /**
       * The URI path of the endpoint (RFC 8484 §3).
       */
      path: string;
    };
/**
 * One way to tell whether the DUT still works.
 *
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "livenessProbe".
 */
export type LivenessProbeSpec =
  | {
      probe: "queries";
      /**
       * Dead when the DUT sent no DNS query for this long.
       */
      silentSeconds: number;
    }
  | {
      probe: "tcp";
      /**
       * Default: the DUT's first address.
       */
      address?: IpAddress;
      port: number;
      /**
       * Dead when a TCP connection to address:port is not accepted within this long.
       */
      timeoutMs: number;
    }
  | {
      probe: "icmp";
      /**
       * Default: the DUT's first address.
       */
      address?: IpAddress;
      /**
       * Dead when an ICMP echo gets no reply within this long.
       */
      timeoutMs: number;
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
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "ixitEntries".
 */
export type IxitEntries = IxitEntry[];
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
  /**
   * Free text: what this profile is for.
   */
  description?: string;
  dut: DutIdentity;
  /**
   * Who the laboratory tests the device for (ISO/IEC 17025 §7.8.2.1 f); a report without one is not for certification.
   */
  customer?: {
    name: string;
    address?: string;
  };
  device: SimulatedDevice | LabDevice;
  capture?: CaptureSettings;
  network?: LabNetwork;
  resolver: {
    /**
     * @minItems 1
     */
    listen: ListenSpec[];
    /**
     * The resolver's name: on its lab TLS certificate and the DDR target (RFC 9462); a default when left out.
     */
    name?: DomainName;
    /**
     * The lab's upstream resolver, address[:port] (192.0.2.53, 127.0.0.1:5353, [::1]:5353): names the zone does not hold are asked of it, and every answer is recorded as evidence (upstream.answer).
     */
    upstream?: string;
  };
  /**
   * The records of the zone the resolver serves.
   */
  zone: ZoneRecord[];
  /**
   * The scenario in force, as primitives (ttl(30), forgeA(127.0.0.77)); empty: pass-through.
   */
  scenario: string[];
  signedZone?: SignedZoneSpec;
  /**
   * Canary addresses the harness owns on the lab network; forged answers may point only at these or at loopback addresses.
   */
  canaries: IpAddress[];
  /**
   * Public resolvers beyond the built-in list, address → operator: DNS to them counts as hard-coded (Recommendation #2).
   */
  publicResolvers?: {
    [k: string]: string;
  };
  /**
   * Ports the canary sink listens on besides its defaults (web, MQTT, CoAP, NTP, ...), for a device known to connect elsewhere. Binding one of these is required: failure is bad input.
   */
  canarySink?: {
    tcp?: Port[];
    udp?: Port[];
  };
  liveness?: LivenessSpec;
  /**
   * How long a single observation lasts when no plan says otherwise.
   */
  observe: {
    windowSeconds: number;
  };
  paper?: PaperReference;
  ixit?: DeclaredBehaviour;
  /**
   * The supplier's Implementation Conformance Statement (EN 303 645 annex pro forma) for provisions the harness cites: support Y, N or N/A (N/A only for conditional provisions) with detail. A check whose cited provisions are all N/A is NOT_APPLICABLE; nothing else makes a check NOT_APPLICABLE.
   */
  ics?: IcsEntry[];
  /**
   * The lab's verdicts on clauses no check can test (management-zone clauses, document-only provisions), judged from the supplier's documents; the report shows them as the lab's assessment, apart from the check results.
   */
  labAssessments?: LabAssessment[];
}
/**
 * Who the device under test is (ISO/IEC 17025 §7.8.2.1 g: unambiguous identification).
 */
export interface DutIdentity {
  /**
   * Short stable identifier, used in file names and evidence.
   */
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
   */
  addresses?: IpAddress[];
  /**
   * Condition of the item tested.
   */
  state?: "factory-default" | "initialised";
  /**
   * The manufacturer's MUD URL (RFC 8520 §3.3, https), written into the MUD file `dnsconform allowlist` makes.
   */
  mudUrl?: string;
}
/**
 * A device the harness starts itself.
 */
export interface SimulatedDevice {
  kind: "simulated";
  behaviour: SimulatedBehaviour;
}
/**
 * How a simulated device behaves (its stub resolver and its application).
 *
 * This interface was referenced by `DnsconformDeviceProfile`'s JSON-Schema
 * via the `definition` "behaviour".
 */
export interface SimulatedBehaviour {
  /**
   * @minItems 1
   */
  lookups: LookupSpec[];
  sourcePort: SourcePortStrategy;
  txid: TxidStrategy;
  ttl: TtlHandling;
  retry: RetryPolicy;
  edns:
    | {
        enabled: false;
      }
    | {
        enabled: true;
        udpSize: number;
      };
  /**
   * Retry over TCP when an answer arrives with TC=1.
   */
  tcpOnTruncation: boolean;
  encryption?: EncryptionBehaviour;
  /**
   * How answers are validated (Recommendation #7). strict enforces RFC 5452 matching and takes only records of the asked type and class IN on the question's CNAME chain; sloppy takes the first reply on the socket and any address record anywhere in it, and follows MX/NS targets, as the paper's spoofing-prone stubs do.
   */
  validation: "strict" | "sloppy";
  /**
   * validate: set DO and use answers under the lab trust anchor (signedZone) only when their RRSIGs verify (draft IOTDNS-D-VAL-2); ignore: no DO, answers used as they come.
   */
  dnssec: "validate" | "ignore";
  /**
   * After the first acceptable reply the stub waits waitMs and takes the last acceptable one under the same transaction ID (a later matching answer overwrites the first).
   */
  lastReplyWins?: {
    waitMs: number;
  };
  /**
   * After each network resolution the application connects over TCP to every address it got, then closes.
   */
  connect?: {
    port: Port;
    timeoutMs: number;
  };
  /**
   * RFC 2181 §8: a TTL with the top bit set is taken as 0 (before any clamp).
   */
  ttlTopBitAsZero?: boolean;
  /**
   * TTLs at or above this are kept as given whatever ttl says: the device pins extreme TTLs.
   */
  ttlPinAboveSeconds?: Ttl;
  /**
   * TTLs at or above aboveSeconds are suspect (an abrupt jump, Recommendation #8): kept only keepSeconds (0: not cached), so the next need re-validates them.
   */
  ttlSuspect?: {
    aboveSeconds: Ttl;
    keepSeconds: number;
  };
  /**
   * Failure caching with back-off (RFC 9520 §3.2): after a failed or unusable resolution the name is not asked again for minSeconds, times backoff for each further consecutive failure, at most maxSeconds.
   */
  failureCache?: {
    minSeconds: number;
    maxSeconds: number;
    backoff: number;
  };
  /**
   * A re-query storm: after a failed or unusable resolution, or an answer with TTL 0, the name is asked again every intervalMs, up to maxQueries times, never backing off. Bounded so a simulated storm never loads the harness: at most 20 queries per second per name, 50 per storm.
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
  /**
   * RFC 6891 §7: after FORMERR to a query with EDNS, ask again without it.
   */
  ednsFallback?: boolean;
  /**
   * A TCP service on the device's address (what a liveness probe connects to).
   */
  service?: {
    port: Port;
    /**
     * The service stops accepting while the device's lookups fail (a local function that waits on the cloud) and accepts again at the next answer.
     */
    needsDns?: boolean;
  };
  /**
   * Datagrams larger than this overflow the device's receive buffer.
   */
  receiveBufferBytes?: number;
  /**
   * On overflow: drop the datagram and carry on, hang (the service stops answering) or exit.
   */
  onOverflow: "drop" | "hang" | "exit";
  /**
   * With network.dhcp: follow, the device uses the resolver (option 6) of its latest lease or renewal; ignore, it keeps the resolver it was first given whatever DHCP says later (against Recommendation #2).
   */
  dhcpResolver: "follow" | "ignore";
  /**
   * Besides the assigned resolver, the device asks this one directly every intervalSeconds (a hard-coded fallback, against Recommendation #2). Simulated devices point it at a loopback address nothing listens on.
   */
  hardcodedResolver?: {
    address: IpAddress;
    port?: Port;
    name: string;
    intervalSeconds: number;
  };
}
/**
 * One name the simulated device's application needs, and how often.
 */
export interface LookupSpec {
  name: DomainName;
  type: "A" | "AAAA";
  /**
   * The application asks for the name this often.
   */
  everyMs: number;
  /**
   * Uniform random extra delay added to each interval, 0 for none.
   */
  jitterMs?: number;
}
/**
 * Retransmission policy for one lookup.
 */
export interface RetryPolicy {
  /**
   * Wait for the first answer this long.
   */
  timeoutMs: number;
  /**
   * Total attempts, the first one included.
   */
  attempts: number;
  /**
   * Each next timeout is the previous one times this factor.
   */
  backoff: number;
  maxTimeoutMs: number;
}
/**
 * A real device on a lab network; the harness starts nothing.
 */
export interface LabDevice {
  kind: "lab";
  /**
   * What the operator must do to make the DUT use the harness (shown before observing).
   */
  instructions?: string;
  powerCycle?: PowerCycleSpec;
}
/**
 * How the harness power-cycles the DUT when a plan phase asks for it. With a command (a switched PDU, a smart plug), it runs it through /bin/sh; without one, the operator is prompted and the harness waits for Enter.
 */
export interface PowerCycleSpec {
  /**
   * Run through /bin/sh -c; a non-zero exit is recorded and ends the run as a harness error.
   */
  command?: string;
  timeoutSeconds: number;
  /**
   * Wait this long after the power-cycle before observing, while the DUT boots.
   */
  bootSeconds: number;
}
/**
 * Live packet capture of a lab device; a simulated device is always captured on lo.
 */
export interface CaptureSettings {
  /**
   * The interface facing the DUT (eth1); default any.
   */
  interface?: string;
}
/**
 * The lab segment the harness runs: its DHCP server (dnsmasq) hands the DUT its address and the harness resolver. A simulated device's segment is loopback (interface lo, a subnet of its 127.x.y.0/24 block): the same dnsmasq serves it on ports picked at run time.
 */
export interface LabNetwork {
  dhcp: LabDhcp;
}
/**
 * The harness's DHCP server on the lab segment (dnsmasq, configured per run): a fixed address for the DUT's MAC, the harness resolver as option 6, a short lease, and DNR for the resolver's encrypted endpoints when offered.
 */
export interface LabDhcp {
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
  leaseSeconds: number;
  /**
   * T1 (DHCP option 58), for clients that honour it (dnsmasq sends a T1 below 3 s as half the lease); busybox udhcpc renews at half the lease whatever T1 says. The simulated devices renew at T1.
   */
  renewSeconds?: number;
  /**
   * A second harness resolver address (a udp listener of resolver.listen) that the DHCP server hands out instead of the first from the resolver-change experiment on.
   */
  resolverChange?: IpAddress;
  /**
   * Offer the resolver's dot/doh listeners by DNR (RFC 9463: DHCPv4 option 162, DHCPv6 option 144), named by resolver.name (their ADN).
   */
  encryptedDns: boolean;
  /**
   * IPv6 on the segment: router advertisements with RDNSS (RFC 8106) and stateless DHCPv6 (option 23, and option 144 with encryptedDns). The DUT's SLAAC address (EUI-64 of its MAC) is added to dut.addresses.
   */
  ipv6?: {
    /**
     * The segment's /64; the interface must hold a resolver address inside it.
     */
    prefix: string;
  };
}
/**
 * One record of the zone the resolver serves.
 */
export interface ZoneRecord {
  name: DomainName;
  type: "A" | "AAAA" | "CNAME" | "TXT" | "MX" | "NS";
  ttl: Ttl;
  /**
   * Presentation form: an address, a target name, a text string, `10 mail.example.` for MX.
   */
  data: string;
}
/**
 * A DNSSEC-signed zone in the lab (docs/dnssec.md): the zone records at or below the apex are signed by ldns-signzone and served with RRSIG, DNSKEY and NSEC to queries with DO; the run writes the trust anchor (dnssec/trust-anchor.ds).
 */
export interface SignedZoneSpec {
  /**
   * The zone apex; profile records at or below it are signed, others are served unsigned.
   */
  apex: string;
  /**
   * Directory with the lab's key for the apex (K<apex>.+013+<tag>.private and .key, from ldns-keygen), so the trust anchor stays the same from run to run; a key is made per run when left out.
   */
  keyDir?: string;
}
/**
 * Probes sampled through every phase, so a DUT that stops working under an experiment is evidence (Recommendation #9).
 */
export interface LivenessSpec {
  intervalSeconds: number;
  /**
   * @minItems 1
   */
  probes: LivenessProbeSpec[];
}
/**
 * The device of the paper "From Lookup to Lockdown" a simulated profile plays, and the Table I row expected of it.
 */
export interface PaperReference {
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
   * The expected row: the paper's ✓/✗ for its seven columns; for Recommendations #2 and #6 (no per-device verdict in Table I), optionally, what the profile chose, with its reason in comments.
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
}
/**
 * What the supplier declares about the DUT for testing (ETSI TS 103 701 IXIT): values checks read, and the IXIT entries that matter for DNS, printed in the report as supplied by the customer.
 */
export interface DeclaredBehaviour {
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
  comMech?: ComMechEntry[];
  /**
   * IXIT 12-NetSecImpl: the network and security implementations (stub resolver, TLS stack), with version and how they were reviewed.
   */
  netSecImpl?: IxitEntries;
  /**
   * IXIT 15-Intf: network interfaces and what they disclose without authentication.
   */
  intf?: IxitEntries;
  /**
   * IXIT 23-ResMech: resilience mechanisms for network and power outages.
   */
  resMech?: IxitEntries;
  /**
   * IXIT 29-InpVal: how input, DNS responses included, is validated.
   */
  inpVal?: IxitEntries;
}
/**
 * An IXIT 11-ComMech entry: a communication mechanism and its DNS specifics.
 */
export interface ComMechEntry {
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
  resolverSelection?: Text;
  securityGuarantees?: Text;
  cryptographicDetails?: Text;
  /**
   * Back-off, jitter, failure caching, serve-stale ...
   */
  resilienceMeasures?: Text;
}
/**
 * One entry of an IXIT table, as the supplier wrote it.
 */
export interface IxitEntry {
  id: IxitId;
  description: Text;
  version?: Text;
}
/**
 * One row of the supplier's ICS (EN 303 645 annex pro forma).
 */
export interface IcsEntry {
  /**
   * EN 303 645 V2.1.1 provision number.
   */
  provision: string;
  /**
   * N/A only for a conditional provision whose condition does not hold.
   */
  support: "Y" | "N" | "N/A";
  /**
   * Measures taken (Y), reasons for not implementing (N), rationale for N/A.
   */
  detail?: Text;
}
/**
 * The lab's conceptual verdict on a clause no check can test.
 */
export interface LabAssessment {
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
}
