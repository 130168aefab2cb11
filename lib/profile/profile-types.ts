/**
 * A profile describes one device under test and how the harness meets it: who the DUT
 * is, where the resolver listens, what the zone holds, how long to observe, and either
 * the behaviour of a simulated device (the harness starts it) or nothing more (a real
 * device on a lab network). Profiles are YAML, validated by `profile.schema.json`.
 */
import type { TableICell, TableIColumn } from '../catalogue/table-i-columns.ts';

/** Who the device under test is (ISO/IEC 17025 §7.8.2.1 g: unambiguous identification). */
export interface DutIdentity {
  /** Short stable identifier, used in file names and evidence (`[a-z0-9-]+`). */
  id: string;
  vendor: string;
  model: string;
  hardware?: string;
  firmware?: string;
  serial?: string;
  mac?: string;
  /** The DUT's IP addresses. Only these get answers from the resolver. */
  addresses: string[];
  /** Condition of the item tested. */
  state?: 'factory-default' | 'initialised';
  /** The manufacturer's MUD URL (RFC 8520, https): the MUD file `allowlist` writes names it. */
  mudUrl?: string;
}

/** One socket the resolver listens on. */
export interface ListenSpec {
  /** `dot`: DNS over TLS (RFC 7858); `doh`: DNS over HTTPS (RFC 8484), HTTP/2 and HTTP/1.1. */
  transport: 'udp' | 'tcp' | 'dot' | 'doh';
  address: string;
  /**
   * 53 (udp, tcp), 853 (dot) or 443 (doh) when the profile leaves it out; 0 lets the system
   * pick a free port (simulated devices are told which).
   */
  port: number;
  /** DoH only: the URI path of the endpoint (RFC 8484 §3), `/dns-query` when left out. */
  path?: string;
}

/** How the lab signs its zone (profile `signedZone`, docs/dnssec.md). */
export interface SignedZoneSpec {
  /** The zone apex; profile records at or below it are signed, others are served unsigned. */
  apex: string;
  /** A directory holding the lab's key (`K<apex>.+013+<tag>.private` and `.key`, as `ldns-keygen` writes them); without it a key is made per run. */
  keyDir?: string;
}

/** One record of the zone the resolver serves. */
export interface ZoneRecord {
  name: string;
  type: 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'MX' | 'NS';
  ttl: number;
  /** Presentation form: an address, a target name, a text string, `10 mail.example.` for MX. */
  data: string;
}

/** Where a source port comes from for each query. */
export type SourcePortStrategy =
  | { strategy: 'fixed'; port: number }
  | { strategy: 'sequential'; start: number; step?: number }
  | { strategy: 'pool'; ports: number[] }
  | { strategy: 'random'; min: number; max: number }
  /** Let the kernel choose an ephemeral port (Linux randomises them). */
  | { strategy: 'os' }
  /** A biased draw: one port or range per choice, by weight (LG television: 42.75 % on one port). */
  | { strategy: 'weighted'; choices: WeightedChoice[] };

/**
 * One choice of a weighted draw: a single value, or a range (every `step`-th value from
 * `min` to `max`, 1 by default), picked with probability weight / the sum of the weights.
 */
export type WeightedChoice =
  | { weight: number; value: number }
  | { weight: number; min: number; max: number; step?: number };

/** Where a transaction ID comes from for each query. */
export type TxidStrategy =
  | { strategy: 'constant'; value: number }
  | { strategy: 'counter'; start: number; step?: number }
  | { strategy: 'random' }
  /** A biased draw: one ID or range per choice, by weight (Eufy chime: IDs in 0x00–0x4F). */
  | { strategy: 'weighted'; choices: WeightedChoice[] };

/** What the stub does with the TTLs it receives. */
export type TtlHandling =
  | { mode: 'honour' }
  /** No cache: every lookup the application makes goes to the network. */
  | { mode: 'ignore' }
  | { mode: 'clamp'; min: number; max: number };

/** Retransmission policy for one lookup. */
export interface RetryPolicy {
  /** Wait for the first answer this long. */
  timeoutMs: number;
  /** Total attempts, the first one included. */
  attempts: number;
  /** Each next timeout is the previous one times this factor. */
  backoff: number;
  maxTimeoutMs: number;
}

/** One name the simulated device's application needs, and how often. */
export interface LookupSpec {
  name: string;
  type: 'A' | 'AAAA';
  /** The application asks for the name this often. */
  everyMs: number;
  /** Uniform random extra delay added to each interval, 0 for none. */
  jitterMs?: number;
}

/** How a simulated device behaves (its stub resolver and its application). */
export interface SimulatedBehaviour {
  lookups: LookupSpec[];
  sourcePort: SourcePortStrategy;
  txid: TxidStrategy;
  ttl: TtlHandling;
  retry: RetryPolicy;
  edns: { enabled: false } | { enabled: true; udpSize: number };
  /** Retry over TCP when an answer arrives with TC=1. */
  tcpOnTruncation: boolean;
  /** What the device does with Discovery of Designated Resolvers (RFC 9462); left out means it ignores it. */
  encryption?: EncryptionBehaviour;
  /**
   * How answers are validated (Recommendation #7). `strict` (the default) enforces RFC 5452
   * matching and takes only records of the asked type and class IN on the question's CNAME
   * chain; `sloppy` takes the first reply on the socket and any address record anywhere in
   * it, and follows MX/NS targets, as the paper's spoofing-prone stubs do.
   */
  validation?: 'strict' | 'sloppy';
  /**
   * DNSSEC (draft IOTDNS-D-VAL-2, Recommendation #7). `validate`: every query sets DO, and an
   * answer for a name at or below the lab's trust anchor (the profile's `signedZone`, given to
   * the device as a lab configures one) is used only when its RRSIGs verify up to that anchor,
   * a negative one only with a signed NSEC proof. A bogus address is asked again at once and,
   * when every attempt is bogus, the lookup fails; a bogus denial fails it at once (both then
   * fall to the failure caching). The AD bit is never trusted. `ignore`, the
   * default: no DO, answers used as they come.
   */
  dnssec?: 'validate' | 'ignore';
  /**
   * After the first acceptable reply to a UDP query the stub waits `waitMs` and takes the last
   * acceptable reply under the same transaction ID that came meanwhile (one slot per ID, the
   * last write wins), so a later matching answer overwrites the first (against draft
   * IOTDNS-D-SIZE-2: take only the first matching reply).
   */
  lastReplyWins?: { waitMs: number };
  /** After each network resolution the application connects over TCP to every address it got, then closes. */
  connect?: { port: number; timeoutMs: number };
  /** RFC 2181 §8: a TTL with the top bit set is taken as 0 (before any clamp). */
  ttlTopBitAsZero?: boolean;
  /** TTLs at or above this are kept as given whatever `ttl` says: the device pins extreme TTLs. */
  ttlPinAboveSeconds?: number;
  /**
   * TTLs at or above `aboveSeconds` (after `ttlTopBitAsZero`) are suspect, as an abrupt jump
   * far beyond the normal range (Recommendation #8, draft IOTDNS-D-TTL-2): the answer is used
   * but kept only `keepSeconds` (0: not cached), so the next need re-validates it.
   */
  ttlSuspect?: { aboveSeconds: number; keepSeconds: number };
  /**
   * Failure caching with back-off (RFC 9520 §3.2): after a failed or unusable resolution the
   * name is not asked again for `minSeconds`, times `backoff` for each further consecutive
   * failure, at most `maxSeconds`.
   */
  failureCache?: { minSeconds: number; maxSeconds: number; backoff: number };
  /**
   * A re-query storm: after a failed or unusable resolution, or an answer with TTL 0, the
   * name is asked again every `intervalMs`, up to `maxQueries` times, never backing off.
   */
  requeryStorm?: { intervalMs: number; maxQueries: number };
  /**
   * A backlog of unmet needs: a need that arrives while its name is failing is kept (at most
   * `maxNeeds` per name), and when the name next resolves every kept need is looked up at
   * once, all together: a burst after an outage (against draft IOTDNS-D-FAIL-2).
   */
  retryBacklog?: { maxNeeds: number };
  /** RFC 6891 §7: after FORMERR to a query with EDNS, ask again without it. */
  ednsFallback?: boolean;
  /**
   * A TCP service on the device's address (what a liveness probe connects to). `needsDns`:
   * it stops accepting while the device's lookups fail (a local function that waits on the
   * cloud, against EN 303 645 5.9-2) and accepts again at the next answer.
   */
  service?: { port: number; needsDns?: boolean };
  /** Datagrams larger than this overflow the device's receive buffer. */
  receiveBufferBytes?: number;
  /** On overflow: drop the datagram and carry on, hang (the service stops answering) or exit. */
  onOverflow?: 'drop' | 'hang' | 'exit';
  /**
   * Besides the assigned resolver, the device asks this one directly every `intervalSeconds`
   * (a hard-coded fallback, against Recommendation #2). Simulated devices point it at a
   * loopback address nothing listens on.
   */
  hardcodedResolver?: { address: string; port?: number; name: string; intervalSeconds: number };
  /**
   * With `network.dhcp` (the harness's dnsmasq on loopback): `follow` (default) uses the
   * resolver of the latest lease or renewal (option 6), as Recommendation #2 asks; `ignore`
   * keeps the resolver it was first given whatever DHCP hands out later.
   */
  dhcpResolver?: 'follow' | 'ignore';
}

/**
 * `upgrade`: ask `_dns.resolver.arpa` SVCB and move to the designated DoT or DoH resolver
 * that verifies against the lab CA; `ignore`: stay on port 53 whatever is offered. Once
 * upgraded, a failed encrypted exchange falls back to port 53 for that lookup unless
 * `cleartextFallback` is false (the lookup fails instead: no cleartext downgrade).
 */
export type EncryptionBehaviour =
  | { ddr: 'ignore' }
  | { ddr: 'upgrade'; prefer: 'dot' | 'doh'; cleartextFallback?: boolean };

/** A device the harness starts itself. */
export interface SimulatedDevice {
  kind: 'simulated';
  behaviour: SimulatedBehaviour;
}

/** A real device on a lab network; the harness starts nothing. */
export interface LabDevice {
  kind: 'lab';
  /** What the operator must do to make the DUT use the harness (shown before observing). */
  instructions?: string;
  /** How to power-cycle it when a phase asks; without it the operator is prompted. */
  powerCycle?: PowerCycleSpec;
}

/** A lab DUT's power-cycle: a command (switched PDU, smart plug) or, without one, the operator. */
export interface PowerCycleSpec {
  /** Run through `/bin/sh -c`; a non-zero exit is recorded and ends the run as a harness error. */
  command?: string;
  timeoutSeconds: number;
  /** Wait this long after the power-cycle before observing. */
  bootSeconds: number;
}

/** One way to tell whether the DUT still works. */
export type LivenessProbeSpec =
  /** Dead when the DUT sent no DNS query for `silentSeconds`. */
  | { probe: 'queries'; silentSeconds: number }
  /** Dead when a TCP connection to `address:port` is not accepted within `timeoutMs`. */
  | { probe: 'tcp'; address?: string; port: number; timeoutMs: number }
  /** Dead when an ICMP echo gets no reply within `timeoutMs`. */
  | { probe: 'icmp'; address?: string; timeoutMs: number };

/** Liveness probes sampled through every phase (Recommendation #9: resilience). */
export interface LivenessSpec {
  intervalSeconds: number;
  probes: LivenessProbeSpec[];
}

/** Where the harness captures a lab DUT's packets. */
export interface CaptureSettings {
  /** The interface facing the DUT (`eth1`); default `any`. */
  interface?: string;
}

/** The lab segment the harness runs for a lab DUT. */
export interface LabNetwork {
  dhcp: LabDhcp;
}

/**
 * The harness's DHCP server on the lab segment (dnsmasq, configured per run): a fixed
 * address for the DUT's MAC, the harness resolver as option 6, a short lease, and DNR for
 * the resolver's encrypted endpoints when offered.
 */
export interface LabDhcp {
  /** The harness's interface on the segment. */
  interface: string;
  /** IPv4 subnet in CIDR form. */
  subnet: string;
  /** Lease time, at least 120 s (dnsmasq's floor). */
  leaseSeconds: number;
  /** T1 (option 58) for clients that honour it. */
  renewSeconds?: number;
  /** The second harness resolver handed out from the resolver-change experiment on. */
  resolverChange?: string;
  /** Offer the resolver's DoT/DoH listeners by DNR (RFC 9463). */
  encryptedDns: boolean;
  /** IPv6: RA with RDNSS and stateless DHCPv6 on this /64. */
  ipv6?: { prefix: string };
}

/** A validated profile. */
export interface Profile {
  profileVersion: 1;
  /** Free text: what this profile is for. */
  description?: string;
  dut: DutIdentity;
  /** Who the lab tests the device for (§7.8.2.1 f); without one the report is not for certification. */
  customer?: { name: string; address?: string };
  /** Live packet capture of a lab device; a simulated device is always captured on `lo`. */
  capture?: CaptureSettings;
  /** The lab segment whose DHCP the harness runs (a lab device only). */
  network?: LabNetwork;
  device: SimulatedDevice | LabDevice;
  resolver: {
    listen: ListenSpec[];
    /** The resolver's name: on its lab TLS certificate and the DDR target (RFC 9462); a default when left out. */
    name?: string;
    /**
     * The lab's upstream resolver, `address[:port]`: names the zone does not hold are asked
     * of it and every answer is recorded (`upstream.answer`). Without it, such names get NXDOMAIN.
     */
    upstream?: string;
  };
  zone: ZoneRecord[];
  /** A DNSSEC-signed zone in the lab: which apex, and the lab's key (docs/dnssec.md). */
  signedZone?: SignedZoneSpec;
  /** The scenario in force, as primitives (`ttl(30)`, `forgeA(127.0.0.77)`); empty = pass-through. */
  scenario: string[];
  /**
   * Canary addresses the harness owns on the lab network; forged answers may point only
   * at these or at loopback addresses.
   */
  canaries: string[];
  /**
   * Public resolvers the lab knows beyond the built-in list (lib/capture/classify.ts),
   * address → operator: DNS to them counts as hard-coded, named by operator (Recommendation #2).
   */
  publicResolvers?: Record<string, string>;
  /**
   * Ports the canary sink listens on besides its defaults (web, MQTT, CoAP, NTP, ...), for a
   * device known to connect elsewhere. Binding one of these is required: failure is bad input.
   */
  canarySink?: { tcp?: number[]; udp?: number[] };
  /** Liveness probes; without them no check can tell a DUT that stopped working. */
  liveness?: LivenessSpec;
  observe: { windowSeconds: number };
  /** What the supplier declares about the DUT for testing (IXIT): values checks read, and the DNS-relevant IXIT entries. */
  ixit?: DeclaredBehaviour;
  /** The supplier's Implementation Conformance Statement for the EN 303 645 provisions the harness cites. */
  ics?: IcsEntry[];
  /** The lab's verdicts on clauses no check can test, judged from the supplier's documents. */
  labAssessments?: LabAssessment[];
  /** The paper device a simulated profile plays, and the Table I row expected of it. */
  paper?: PaperReference;
}

/**
 * Where a simulated device comes from in the paper "From Lookup to Lockdown": the device it
 * plays, the sections it follows, the σ values the paper measured, and the Table I row the
 * harness must derive for it (the fleet's expectation, kept as data).
 */
export interface PaperReference {
  /** The device as the paper's Table I names it. */
  name: string;
  /** Sections, figures and tables the behaviour follows. */
  section: string;
  /** Standard deviations the paper reports (§V.A.2, §V.A.3, Fig. 4). */
  sigma?: { sourcePort?: number; txid?: number };
  /**
   * The expected row: the paper's ✓/✗ for its seven columns; for Recommendations #2 and #6
   * (no per-device verdict in Table I) what the profile chose, with its reason in comments.
   */
  tableI?: Partial<Record<TableIColumn, TableICell>>;
}

/** Declarations of the supplier that checks hold the DUT to (ETSI TS 103 701 IXIT). */
export interface DeclaredBehaviour {
  /**
   * The longest the DUT keeps an answer, whatever TTL it came with (RFC 8767 §4 suggests
   * 604800 s). Lets a short run judge huge-TTL handling, and a capped negative TTL.
   */
  ttlCapSeconds?: number;
  /** The DUT validates DNSSEC itself (draft IOTDNS-D-VAL-2): it must then reject every bogus answer. */
  dnssecValidation?: boolean;
  /** IXIT 11-ComMech: communication mechanisms, DNS among them. */
  comMech?: ComMechEntry[];
  /** IXIT 12-NetSecImpl: network and security implementations (stub resolver, TLS stack). */
  netSecImpl?: IxitEntry[];
  /** IXIT 15-Intf: interfaces and what they disclose. */
  intf?: IxitEntry[];
  /** IXIT 23-ResMech: resilience mechanisms. */
  resMech?: IxitEntry[];
  /** IXIT 29-InpVal: input validation, DNS responses included. */
  inpVal?: IxitEntry[];
}

/** The TS 103 701 IXIT table each list of {@link DeclaredBehaviour} fills, in table order (the report prints them so). */
export const IXIT_TABLES = {
  comMech: '11-ComMech',
  netSecImpl: '12-NetSecImpl',
  intf: '15-Intf',
  resMech: '23-ResMech',
  inpVal: '29-InpVal',
} as const satisfies Record<Exclude<keyof DeclaredBehaviour, 'ttlCapSeconds' | 'dnssecValidation'>, string>;

/** One entry of an IXIT table, as the supplier wrote it. */
export interface IxitEntry {
  /** Its id in the supplier's IXIT (`NetSecImpl-2`). */
  id: string;
  description: string;
  version?: string;
}

/** An IXIT 11-ComMech entry: a communication mechanism and its DNS specifics. */
export interface ComMechEntry {
  id: string;
  description: string;
  transports?: ('udp' | 'tcp' | 'dot' | 'doh' | 'doq')[];
  resolverSelection?: string;
  securityGuarantees?: string;
  cryptographicDetails?: string;
  resilienceMeasures?: string;
}

/** One row of the supplier's ICS (EN 303 645 annex pro forma). */
export interface IcsEntry {
  /** EN 303 645 V2.1.1 provision number. */
  provision: string;
  /** N/A only for a conditional provision whose condition does not hold. */
  support: 'Y' | 'N' | 'N/A';
  /** Measures (Y), reasons (N) or rationale (N/A); required for N and N/A. */
  detail?: string;
}

/** The lab's conceptual verdict on a clause no check can test. */
export interface LabAssessment {
  /** A draft clause id or EN 303 645 provision whose catalogue entry allows it. */
  clause: string;
  verdict: 'PASS' | 'FAIL' | 'NOT_ASSESSED';
  justification: string;
  /** What it rests on (IXIT entries, policies). */
  documents?: string[];
  assessor?: string;
}
