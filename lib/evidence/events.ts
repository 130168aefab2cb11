/**
 * The evidence event vocabulary: one JSON object per line of `events.ndjson`.
 *
 * Events are written as they happen and never rewritten. Every verdict is computed
 * from these records alone, so each one carries what a check or a regulator needs to
 * re-judge it: time, endpoints, the decoded header and sections, and the raw wire
 * bytes (base64) so the decoding itself can be re-done.
 */

/** Microseconds since the Unix epoch (fits a double exactly until the year 2255). */
export type Microseconds = number;

/** A transport address as seen on the socket. IPv4-mapped IPv6 is normalised to IPv4. */
export interface Endpoint {
  address: string;
  port: number;
}

/** How a DNS message travelled. `dot` and `doh` arrive with the encrypted-transport issue. */
export type Transport = 'udp' | 'tcp' | 'dot' | 'doh';

/** TLS parameters of an encrypted exchange (DoT, DoH), as the handshake settled them. */
export interface TlsSummary {
  /** `TLSv1.3`, `TLSv1.2`, ... */
  version: string;
  /** Server name the client indicated, or null when it sent none. */
  sni: string | null;
  /** Negotiated application protocol (`dot`, `h2`, `http/1.1`), or null. */
  alpn: string | null;
}

/** How a DoH query travelled (RFC 8484 §4.1). */
export interface HttpSummary {
  method: 'GET' | 'POST';
  path: string;
  /** `2` or `1.1`. */
  version: string;
}

/** Header flags of a DNS message, decoded. */
export interface DnsFlags {
  qr: boolean;
  opcode: string;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** The Z bit (must be zero). */
  z: boolean;
  ad: boolean;
  cd: boolean;
  rcode: string;
}

/** One entry of the question section. Names are kept as sent (0x20 case included). */
export interface DnsQuestion {
  name: string;
  type: string;
  class: string;
}

/** One EDNS(0) option of an OPT record. */
export interface EdnsOptionSummary {
  code: number;
  /** IANA name where known, e.g. `PADDING` for code 12. */
  name: string | null;
  /** Option data length in octets. */
  length: number;
}

/** What the OPT pseudo-record of a message said (RFC 6891). */
export interface EdnsSummary {
  /** Advertised UDP payload size (the OPT record's CLASS field). */
  udpSize: number;
  version: number;
  /** DNSSEC OK bit. */
  do: boolean;
  extendedRcode: number;
  options: EdnsOptionSummary[];
}

/** A resource record, decoded to presentation form. */
export interface RecordSummary {
  name: string;
  type: string;
  class: string;
  ttl: number;
  /** RDATA in presentation form (address, target name, text...). */
  data: string;
}

/** Fields shared by every event. */
export interface EventBase {
  /** Position in this log, from 1, without gaps. */
  seq: number;
  /** When it happened, µs since the epoch. */
  t: Microseconds;
  /** The DUT this event belongs to, or null (harness events, traffic from undeclared hosts). */
  dut: string | null;
  /** The phase in force when it happened, or null outside any phase. */
  phase: string | null;
}

/** Fields shared by the decoded DNS message events. */
export interface DnsMessageFields {
  transport: Transport;
  /** The DUT side of the exchange. */
  client: Endpoint;
  /** The harness side of the exchange. */
  server: Endpoint;
  txid: number;
  flags: DnsFlags;
  questions: DnsQuestion[];
  /** The OPT record, or null when the message carried none. */
  edns: EdnsSummary | null;
  /** Message size in octets (without the TCP length prefix). */
  size: number;
  /** The message exactly as it was on the wire, base64. */
  wire: string;
  /** Present on DoT and DoH exchanges. */
  tls?: TlsSummary;
  /** Present on DoH exchanges. */
  http?: HttpSummary;
}

/** A DNS query the resolver received. */
export interface QueryEvent extends EventBase, DnsMessageFields {
  type: 'dns.query';
  /** The scenario in force, in its textual form (e.g. `ttl(0)|forgeA(127.0.0.77)`). */
  scenario: string;
}

/** A DNS response the resolver sent. */
export interface ResponseEvent extends EventBase, DnsMessageFields {
  type: 'dns.response';
  /** `seq` of the query this answers. */
  queryRef: number;
  answers: RecordSummary[];
  authority: RecordSummary[];
  additional: RecordSummary[];
  scenario: string;
  /** Names of the scenario primitives that changed this response, in order. */
  manipulations: string[];
  /** Why the harness answered this way when it was not the scenario (e.g. ACL refusal). */
  reason: string | null;
  /** Identical copies sent (response flooding); absent means one. */
  copies?: number;
  /**
   * Where the answer came from before the scenario changed it: the profile's zone, the lab's
   * upstream resolver, or a recorded run replayed (`upstream.answer` with this `queryRef`
   * holds what came). Absent on refusals and errors of the harness, and in older evidence.
   */
  answerSource?: AnswerSource;
}

/** Where the resolver's answer to a question came from. */
export type AnswerSource = 'zone' | 'upstream' | 'replay';

/**
 * An answer the harness obtained for a name its zone does not hold: asked of the lab's
 * upstream resolver (profile `resolver.upstream`), or replayed from a recorded run
 * (`--replay-zone`). Recorded when it arrived, before any scenario changed it; a later run
 * replays these. A failure (timeout, unusable rcode, a name the replayed run never asked)
 * is recorded too, and the DUT is answered SERVFAIL.
 */
export interface UpstreamAnswerEvent extends EventBase {
  type: 'upstream.answer';
  /** `seq` of the DUT's query this answer serves. */
  queryRef: number;
  source: 'upstream' | 'replay';
  /** The resolver asked; null on replay. */
  upstream: Endpoint | null;
  /** The run replayed (its run id); null when upstream was asked. */
  replayOf: string | null;
  question: DnsQuestion;
  /** When the harness began asking (µs); `t` is when the answer (or the failure) came. */
  askedAt: Microseconds;
  /** The rcode upstream answered (or the recorded one replayed); null when no usable answer came. */
  rcode: string | null;
  answers: RecordSummary[];
  authority: RecordSummary[];
  /** `tcp` after a truncated UDP answer; null on replay or failure. */
  transport: 'udp' | 'tcp' | null;
  /** Round trip to the upstream, ms; null on replay or failure. */
  rttMs: number | null;
  /** The upstream's response as received (base64): what a replay serves. Null on failure. */
  wire: string | null;
  /** Why no usable answer came; null when one did. The DUT got SERVFAIL. */
  failure: string | null;
}

/** A query the scenario chose not to answer. */
export interface DropEvent extends EventBase {
  type: 'dns.drop';
  queryRef: number;
  transport: Transport;
  client: Endpoint;
  scenario: string;
  reason: string;
}

/** Bytes that did not decode as a DNS message. Logged, never fatal. */
export interface MalformedEvent extends EventBase {
  type: 'dns.malformed';
  transport: Transport;
  client: Endpoint;
  server: Endpoint;
  size: number;
  /** What the decoder said. */
  error: string;
  /** Whether the harness answered FORMERR (only to declared DUTs, when the header was readable). */
  answered: boolean;
  wire: string;
}

/**
 * Messages the resolver counted but did not record one by one: over the per-source budget
 * of a host that is not a DUT (any message), or of anyone sending malformed input. They
 * were neither decoded nor answered. One event per source, transport and second.
 */
export interface SuppressedEvent extends EventBase {
  type: 'dns.suppressed';
  transport: Transport;
  /** The sending address, or `(other sources)` when too many distinct senders were seen. */
  source: string;
  /** Messages left out. */
  count: number;
  /** Arrival of the first and last of them, µs. */
  since: Microseconds;
  until: Microseconds;
  /** Why they were left out. */
  reason: string;
}

/**
 * Traffic the harness could not take in, measured where it was lost: datagrams the kernel
 * dropped on a full receive buffer of a resolver socket (`/proc/net/udp`, drops column:
 * whose they were is unknown, so `dut` is null), or still queued, unread, when the socket
 * closed. Checks whose evidence a loss may have thinned are INCONCLUSIVE.
 */
export interface LossEvent extends EventBase {
  type: 'resolver.loss';
  transport: Transport;
  /** The harness socket that lost traffic. */
  listener: Endpoint;
  /**
   * `receive-drops`: the kernel dropped datagrams on a full receive buffer. `unread-at-close`:
   * datagrams were still queued when the listener closed (after waiting for them to be read).
   */
  kind: 'receive-drops' | 'unread-at-close';
  /** Datagrams lost since the previous measurement; null when only bytes are known. */
  count: number | null;
  /**
   * Bytes lost, where that is what the kernel tells (`unread-at-close`): its accounting of the
   * queued datagrams (`rx_queue`), which counts each one's buffer, not only its payload.
   */
  bytes: number | null;
  /** Datagrams lost on this socket since it was bound; null when unknown. */
  total: number | null;
  /** When the previous measurement was taken (the loss happened after it), µs. */
  since: Microseconds;
}

/**
 * The harness's own lateness: in the span from `since` to `t`, its event loop (the one that
 * reads the resolver's sockets and the canary sink) ran up to `lateMs` behind a timer due
 * every `tickMs` (a loaded machine descheduled it, or it was busy). A message the harness
 * read in that span, or while it caught up just after, may have waited unread for up to
 * `lateMs + tickMs`, so its time in the evidence may be that much later than its arrival.
 * Recorded only for spans at least as late as the monitor's threshold; against no DUT.
 */
export interface LatenessEvent extends EventBase {
  type: 'harness.lateness';
  since: Microseconds;
  /** The worst lateness of the timer in the span, ms. */
  lateMs: number;
  /** How often the timer was due, ms. */
  tickMs: number;
}

/**
 * Something the resolver did to a stream connection other than serve it: refused it at a
 * connection cap, closed it on a timeout, or saw it reset. `dut` is the DUT the client
 * address belongs to, or null for a host that is not a DUT.
 */
export interface ConnectionEvent extends EventBase {
  type: 'resolver.connection';
  transport: Transport;
  client: Endpoint;
  server: Endpoint;
  action: 'refused' | 'timeout' | 'reset';
  reason: string;
}

/**
 * A listener of the resolver came up, or was closed by the scenario (closed port: the kernel
 * answers ICMP); or the canary sink listens on a canary address and port (so a regulator
 * sees which contacts could have been recorded).
 */
export interface ListenEvent extends EventBase {
  type: 'resolver.listen' | 'resolver.close' | 'canary.listen';
  transport: Transport;
  address: string;
  port: number;
}

/** A phase (one experiment's time window) began or ended. */
export interface PhaseEvent extends EventBase {
  type: 'phase.start' | 'phase.end';
  /** The phase name; `phase` of the base carries the same value. */
  name: string;
  /** The experiment the phase runs (absent in older evidence: then the name is taken). */
  experiment?: string;
  scenario: string;
  /** Why the phase ended (`window elapsed`, `interrupted`, ...); only on `phase.end`. */
  reason?: string;
}

/**
 * A phase of the plan was not run for this DUT (issue 13: an IPv4-only device meets an
 * experiment that forges IPv6 answers). Recorded where the phase would have started; the
 * checks it feeds are not assessed for that reason. When other DUTs of the session run the
 * phase, this DUT's events during its window carry the phase name (so no check judges them
 * as the experiment's) and a `phase.end` closes it.
 */
export interface PhaseSkipEvent extends EventBase {
  type: 'phase.skip';
  /** The phase name. */
  name: string;
  /** The experiment the phase would have run. */
  experiment: string;
  /** Why it was not run, for the report. */
  reason: string;
}

/** The run began or ended. */
export interface RunEvent extends EventBase {
  type: 'run.start' | 'run.end';
  runId: string;
  reason?: string;
  /**
   * On `run.start` of a live run: what the run was asked to do, so a run that never reached
   * its end (kill -9, power loss) can be judged and sealed as it would have been
   * (`dnsconform finalise`). Absent in older evidence and in imported captures.
   */
  session?: RunSessionSettings;
}

/** What a live run was asked to do, as its `run.start` records it. */
export interface RunSessionSettings {
  /** The observation time planned over all phases, seconds. */
  windowSeconds: number;
  /** The `--checks` selection as given; null for every check. */
  checks: string | null;
  /** The plan's name or file as given; null without a plan. */
  plan: string | null;
  /** The `run` options that re-run this session for one device (after `--profile`), and whether `--checks ID` narrows them. */
  reproduction: { flags: string[]; perCheck: boolean } | null;
}

/** A simulated device process started, wrote a line of its own log, or exited. */
export interface DutProcessEvent extends EventBase {
  type: 'dut.start' | 'dut.exit';
  pid: number | null;
  exitCode: number | null;
  signal: string | null;
}

/**
 * The run's packet capture began, ended, or could not run. Checks that need packets
 * (`requires: ['capture']`) are INCONCLUSIVE without a `capture.start`.
 */
export interface CaptureEvent extends EventBase {
  type: 'capture.start' | 'capture.stop' | 'capture.unavailable';
  /** The pcapng file, relative to the run directory; null when none was written. */
  file: string | null;
  /** Capture interface (`lo`, `eth1`, `any`). */
  interface: string;
  /** The BPF filter applied. */
  filter: string;
  /** The capture tool run. */
  tool: string;
  /** On `capture.stop`: packets written and dropped, as the tool reported them (null when it did not). */
  packets?: number | null;
  dropped?: number | null;
  /** Why there is no capture (`capture.unavailable`), or what went wrong with it (`capture.stop`). */
  reason?: string | null;
}

/**
 * Someone contacted a canary address: proof that the DUT used a forged record, since no
 * honest answer ever pointed there.
 */
export interface CanaryContactEvent extends EventBase {
  type: 'canary.contact';
  transport: 'udp' | 'tcp' | 'icmp';
  /** The contacting side (the DUT, when `dut` is set). */
  client: Endpoint;
  /** The canary address and port contacted. */
  canary: Endpoint;
  /** The first bytes the client sent, base64 (at most 512 octets), empty when none. */
  payload: string;
  /** What saw it: the canary sink's own listener, or the packet capture. */
  source: 'sink' | 'capture';
}

/** One sample of a liveness probe: is the DUT still working? */
export interface LivenessEvent extends EventBase {
  type: 'liveness.probe';
  /** `queries`: the DUT keeps querying; `tcp`: a port of the DUT accepts; `icmp`: it answers echo. */
  probe: 'queries' | 'tcp' | 'icmp';
  /** What was probed, e.g. `127.0.10.3:8080`, or the DUT id for `queries`. */
  target: string;
  alive: boolean;
  /** Round-trip time of the probe, or for `queries` the seconds since the DUT's last query; null when dead. */
  latencyMs: number | null;
  /** Why it counts as dead (timeout, refused, silent for N s), null when alive. */
  detail: string | null;
}

/** The harness acted on the DUT between phases (restart, operator prompt). */
export interface TriggerEvent extends EventBase {
  type: 'trigger';
  trigger: 'power-cycle' | 'operator';
  /** What was done: the command run, or the prompt shown. */
  action: string;
  /** Exit code of a power-cycle command, null otherwise. */
  exitCode: number | null;
}

/**
 * The DUT opened an encrypted DNS transport whose messages the harness cannot read (DoT,
 * DoQ, or DoH to a known endpoint), as a packet capture saw it. One event per server,
 * at its first contact; `contacts` counts them all (DoT connections, DoH ClientHellos,
 * DoQ datagrams). Queries the harness's own DoT/DoH resolver decrypted are `dns.query`.
 */
export interface EncryptedDnsContactEvent extends EventBase {
  type: 'dns.encrypted-contact';
  protocol: 'dot' | 'doq' | 'doh';
  /** The server contacted (address and port 853 or 443). */
  server: Endpoint;
  /** TLS server name of the first ClientHello seen, or null. */
  sni: string | null;
  /** ALPN protocols that ClientHello offered. */
  alpn: string[];
  contacts: number;
  source: 'capture';
}

/** One DHCP option the harness's DHCP server sent, as dnsmasq's --log-dhcp reported it. */
export interface DhcpOptionSent {
  code: number;
  /** dnsmasq's name for it (`dns-server`, `lease-time`), or null for an option it has no name for (162). */
  name: string | null;
  /** The value as dnsmasq printed it (addresses, `2m`, hex octets `00:1a:...`). */
  value: string;
}

/**
 * The harness's DHCP server acknowledged a lease to the DUT: its first in the run (or after
 * a new DISCOVER: `lease`) or a renewal of one (`renewal`); or it refused one (`nak`), or
 * the DUT gave it back (`release`).
 */
export interface DhcpLeaseEvent extends EventBase {
  type: 'dhcp.lease';
  kind: 'lease' | 'renewal' | 'nak' | 'release';
  mac: string;
  /** The address leased (for a nak: the one asked for), or null when none was named. */
  address: string | null;
  interface: string;
  /** The DHCP transaction ID dnsmasq logged (decimal). */
  xid: string;
  /** Options the DUT asked for (option 55), by code. */
  requested: number[];
  /** Options the server sent in its answer. */
  options: DhcpOptionSent[];
}

/** The harness's DHCP server for a lab segment started or stopped (also on failure). */
export interface DhcpServerEvent extends EventBase {
  type: 'dhcp.server.start' | 'dhcp.server.stop';
  interface: string;
  /** The generated dnsmasq configuration, relative to the run directory. */
  config: string;
  pid: number | null;
  /** On stop: how it ended, or what went wrong; null when stopped as asked. */
  problem?: string | null;
}

/**
 * From now on the DHCP server hands out `to` as the resolver (option 6) instead of `from`:
 * the DUT learns it at its next renewal (resolver-change experiment, Recommendation #2).
 */
export interface DhcpResolverChangeEvent extends EventBase {
  type: 'dhcp.resolver-change';
  from: string[];
  to: string[];
  leaseSeconds: number;
  /** T1 the server states (option 58), or null when it leaves the default (half the lease). */
  renewSeconds: number | null;
}

/** Every event kind. Checks switch on `type`. */
export type EvidenceEvent =
  | QueryEvent
  | ResponseEvent
  | UpstreamAnswerEvent
  | DropEvent
  | MalformedEvent
  | SuppressedEvent
  | LossEvent
  | LatenessEvent
  | ConnectionEvent
  | ListenEvent
  | PhaseEvent
  | PhaseSkipEvent
  | RunEvent
  | DutProcessEvent
  | CanaryContactEvent
  | EncryptedDnsContactEvent
  | LivenessEvent
  | TriggerEvent
  | CaptureEvent
  | DhcpLeaseEvent
  | DhcpServerEvent
  | DhcpResolverChangeEvent;

/** An event before the log numbers it. */
export type UnnumberedEvent = EvidenceEvent extends infer E
  ? E extends EvidenceEvent
    ? Omit<E, 'seq'>
    : never
  : never;
