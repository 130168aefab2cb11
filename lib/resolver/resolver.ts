/**
 * The embedded adversarial resolver: UDP, TCP, DoT and DoH listeners sharing one responder,
 * serving each declared DUT its zone under its current scenario, refusing everyone else. A
 * scenario may also act on the plain listeners: close them for a phase (closed port), or
 * have spoofed answers sent from other harness addresses (the RFC 5452 race).
 */
import { nowMicros } from '../evidence/clock.ts';
import type { EvidenceSink } from '../evidence/event-log.ts';
import type { Transport } from '../evidence/events.ts';
import type { ListenSpec } from '../profile/profile-types.ts';
import { AccessList } from './access-list.ts';
import { DEFAULT_RESOLVER_NAME } from './ddr.ts';
import { DEFAULT_DOH_PATH, listenDoh } from './doh-listener.ts';
import { listenDot } from './dot-listener.ts';
import { Responder } from './responder.ts';
import type { DutBinding } from './responder.ts';
import { scenarioListenerNeeds } from './scenario.ts';
import type { Scenario } from './scenario.ts';
import { listenTcp } from './tcp-listener.ts';
import type { TcpListener } from './tcp-listener.ts';
import type { TlsCredentials } from './tls-session.ts';
import { DRAIN_IDLE_TURNS, DRAIN_MAX_TURNS, drain } from './drain.ts';
import { LatenessMonitor } from './lateness-monitor.ts';
import { receiveDrops } from './receive-drops.ts';
import { listenUdp } from './udp-listener.ts';
import type { UdpListener } from './udp-listener.ts';

/** A socket the resolver actually listens on (port resolved when 0 was asked for). */
export interface BoundEndpoint {
  transport: Transport;
  address: string;
  port: number;
  /** DoH only: the URI path served. */
  path?: string;
}

/** A DUT the resolver serves. */
export interface ServedDut extends DutBinding {
  addresses: readonly string[];
}

export interface ResolverOptions {
  listen: readonly ListenSpec[];
  duts: readonly ServedDut[];
  sink: EvidenceSink;
  /** Socket errors after start-up (logged by the caller; never fatal). */
  onError?: (error: Error) => void;
  /** Key and certificate for the DoT and DoH listeners; required when `listen` has any. */
  tls?: TlsCredentials;
  /** The resolver's name, advertised as the DDR target (RFC 9462); see `lab-certificate.ts`. */
  name?: string;
}

/** How often the kernel's drop counts are read and suppressed counts written out. */
export const LOSS_POLL_MS = 1000;
/** The pause between two looks at the kernel's queues while draining. */
const DRAIN_TURN_MS = 10;

/** Attempts at finding a port free for both UDP and TCP when port 0 is asked for. */
const SHARED_PORT_ATTEMPTS = 20;

/** UDP and TCP on one address and port, as listened on now (either may be closed). */
interface ListenerPair {
  address: string;
  port: number;
  wantUdp: boolean;
  wantTcp: boolean;
  udp?: UdpListener;
  tcp?: TcpListener;
}

export class AdversarialResolver {
  private readonly bindings = new Map<string, DutBinding>();
  private readonly responder: Responder;
  private pairs: ListenerPair[] = [];
  /** DoT and DoH listeners: open for the whole run (a closed-port scenario is about port 53). */
  private encrypted: { endpoint: BoundEndpoint; close: () => Promise<void> }[] = [];
  private closedByScenario = false;
  /** Listener changes asked for by scenario switches, applied one after the other. */
  private listenerWork: Promise<void> = Promise.resolve();
  /** Kernel drops already accounted for per UDP socket, and when they were measured. */
  private readonly dropsSeen = new WeakMap<UdpListener, { drops: number; at: number }>();
  private lossTimer: NodeJS.Timeout | null = null;
  /** How late the event loop that reads the sockets runs, recorded while the resolver listens. */
  private readonly lateness: LatenessMonitor;

  constructor(private readonly options: ResolverOptions) {
    const acl = new AccessList();
    for (const dut of options.duts) {
      acl.declare(dut.id, dut.addresses);
      this.bindings.set(dut.id, {
        id: dut.id,
        zone: dut.zone,
        scenario: dut.scenario,
        ...(dut.signedZone ? { signedZone: dut.signedZone } : {}),
        names: dut.names ?? null,
      });
    }
    this.responder = new Responder(acl, this.bindings, options.sink);
    this.lateness = new LatenessMonitor(options.sink);
  }

  private get onError(): (error: Error) => void {
    return this.options.onError ?? (() => undefined);
  }

  /**
   * Binds every listener. Where UDP and TCP share an address and port 0 is asked for, both
   * get the same port, as a stub expects TCP fallback on the port it used for UDP; and every
   * address asked for with port 0 gets that same port, as DHCP hands out resolver addresses
   * only (a simulated device told another resolver by its lease reaches it on the port it knows).
   */
  async start(): Promise<BoundEndpoint[]> {
    const byAddress = new Map<string, ListenSpec[]>();
    const plain = this.options.listen.filter((spec) => spec.transport === 'udp' || spec.transport === 'tcp');
    for (const spec of plain)
      byAddress.set(`${spec.address}|${spec.port}`, [...(byAddress.get(`${spec.address}|${spec.port}`) ?? []), spec]);
    try {
      const pairs: ListenerPair[] = [...byAddress.values()].map((specs) => ({
        address: specs[0]!.address,
        port: specs[0]!.port,
        wantUdp: specs.some((s) => s.transport === 'udp'),
        wantTcp: specs.some((s) => s.transport === 'tcp'),
      }));
      for (const pair of pairs.filter((p) => p.port !== 0)) {
        await this.bindPair(pair, false);
        this.pairs.push(pair);
      }
      await this.bindSharedPort(pairs.filter((p) => p.port === 0));
      for (const spec of this.options.listen) {
        if (spec.transport === 'dot' || spec.transport === 'doh') await this.bindEncrypted(spec);
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    this.recordListeners('resolver.listen');
    this.recordEncrypted();
    this.lossTimer = setInterval(() => this.measureLoss(), LOSS_POLL_MS);
    this.lossTimer.unref();
    this.lateness.start();
    this.responder.designatedResolvers = {
      name: this.options.name ?? DEFAULT_RESOLVER_NAME,
      endpoints: this.encrypted.map(({ endpoint }) => ({
        ...endpoint,
        transport: endpoint.transport as 'dot' | 'doh',
      })),
    };
    // Where DUTs are pointed, even if the first scenario closes the port straight away.
    const bound = [...this.endpoints, ...this.encrypted.map((e) => e.endpoint)];
    await this.applyListenerNeeds();
    return bound;
  }

  /** Binds the port-0 pairs on one port for all: the first finds it, the others follow; a clash starts over. */
  private async bindSharedPort(pairs: readonly ListenerPair[]): Promise<void> {
    const [first, ...others] = pairs;
    if (!first) return;
    for (let attempt = 1; ; attempt += 1) {
      await this.bindPair(first, true);
      const bound = [first];
      try {
        for (const pair of others) {
          pair.port = first.port;
          await this.bindPair(pair, false);
          bound.push(pair);
        }
        this.pairs.push(...bound);
        return;
      } catch (error) {
        for (const pair of bound) {
          await Promise.all([pair.udp?.close(), pair.tcp?.close()]);
          pair.udp = undefined;
          pair.tcp = undefined;
          pair.port = 0;
        }
        for (const pair of others) pair.port = 0;
        const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!inUse || attempt >= SHARED_PORT_ATTEMPTS) throw error;
      }
    }
  }

  /** Binds one DoT or DoH listener with the lab credentials. */
  private async bindEncrypted(spec: ListenSpec): Promise<void> {
    const { tls } = this.options;
    if (!tls)
      throw new Error(`a ${spec.transport} listener on ${spec.address} needs TLS credentials, and none were given`);
    if (spec.transport === 'dot') {
      const dot = await listenDot(spec.address, spec.port, tls, this.responder, this.onError);
      this.encrypted.push({ endpoint: { transport: 'dot', address: spec.address, port: dot.port }, close: dot.close });
      return;
    }
    const path = spec.path ?? DEFAULT_DOH_PATH;
    const doh = await listenDoh(spec.address, spec.port, path, tls, this.responder, this.onError);
    this.encrypted.push({
      endpoint: { transport: 'doh', address: spec.address, port: doh.port, path },
      close: doh.close,
    });
  }

  private recordEncrypted(): void {
    for (const { endpoint } of this.encrypted) {
      this.options.sink.record({
        type: 'resolver.listen',
        t: nowMicros(),
        dut: null,
        transport: endpoint.transport,
        address: endpoint.address,
        port: endpoint.port,
      });
    }
  }

  /** Binds a pair's sockets; with `searchPort`, retries port 0 until UDP and TCP share one. */
  private async bindPair(pair: ListenerPair, searchPort: boolean): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const udp = pair.wantUdp ? await listenUdp(pair.address, pair.port, this.responder, this.onError) : undefined;
      const sharedPort = udp?.port ?? pair.port;
      try {
        const tcp = pair.wantTcp ? await listenTcp(pair.address, sharedPort, this.responder, this.onError) : undefined;
        pair.udp = udp;
        pair.tcp = tcp;
        pair.port = udp?.port ?? tcp?.port ?? pair.port;
        return;
      } catch (error) {
        await udp?.close();
        const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (!searchPort || pair.port !== 0 || !inUse || attempt >= SHARED_PORT_ATTEMPTS) throw error;
      }
    }
  }

  private recordListeners(type: 'resolver.listen' | 'resolver.close'): void {
    for (const endpoint of this.endpoints) this.options.sink.record({ type, t: nowMicros(), dut: null, ...endpoint });
  }

  /** Switches a DUT's scenario (phase change); applies to the next message. */
  setScenario(dutId: string, scenario: Scenario): void {
    const binding = this.bindings.get(dutId);
    if (!binding) throw new Error(`no DUT ${dutId} is served`);
    binding.scenario = scenario;
    this.listenerWork = this.listenerWork
      .then(() => this.applyListenerNeeds())
      .catch((error: unknown) => this.onError(error as Error));
  }

  /** How long the harness has run late while the resolver listened (see `lateness-monitor.ts`), ms. */
  get lateMs(): number {
    return this.lateness.lateMs;
  }

  /** Resolves once the listeners match the scenarios in force (closed, reopened, spoof sockets bound). */
  settled(): Promise<void> {
    return this.listenerWork;
  }

  /**
   * Closes every listener while any DUT's scenario asks for a closed port (the sockets are
   * shared, so one DUT cannot have them open while another has them closed), reopens them
   * on the same ports afterwards, and binds the sockets spoofed answers leave from.
   */
  private async applyListenerNeeds(): Promise<void> {
    const needs = [...this.bindings.values()].map((b) => scenarioListenerNeeds(b.scenario));
    const closed = needs.some((n) => n.closed);
    if (closed && !this.closedByScenario) {
      this.closedByScenario = true;
      this.recordListeners('resolver.close');
      await this.closeListeners();
    } else if (!closed && this.closedByScenario) {
      this.closedByScenario = false;
      for (const pair of this.pairs) await this.bindPair(pair, false);
      this.recordListeners('resolver.listen');
    }
    const spoofFrom = [...new Set(needs.flatMap((n) => n.spoofFrom))];
    if (!this.closedByScenario && spoofFrom.length > 0) {
      // A forged source can be bound once per port: pairs that share a port (every port-0
      // address gets one, see start) leave it to the first, the address DUTs are first told.
      const prepared = new Set<number>();
      for (const pair of this.pairs) {
        if (!pair.udp || prepared.has(pair.port)) continue;
        prepared.add(pair.port);
        await pair.udp.prepareSpoofSources(spoofFrom);
      }
    }
  }

  /**
   * Records what was lost since the last look: datagrams the kernel dropped on each UDP
   * socket (whose is unknown, so against no DUT), and the counts of messages left out of
   * the evidence in seconds now over.
   */
  measureLoss(listeners: readonly UdpListener[] = this.pairs.flatMap((p) => (p.udp ? [p.udp] : []))): void {
    const now = nowMicros();
    const drops = receiveDrops(listeners.map((l) => l.local));
    listeners.forEach((listener, i) => {
      const total = drops[i]?.drops;
      if (total === undefined) return;
      const seen = this.dropsSeen.get(listener);
      this.dropsSeen.set(listener, { drops: total, at: now });
      // The first reading of a new socket is its baseline, normally 0.
      const count = total - (seen?.drops ?? 0);
      if (count <= 0) return;
      this.options.sink.record({
        type: 'resolver.loss',
        t: now,
        dut: null,
        transport: 'udp',
        listener: listener.local,
        kind: 'receive-drops',
        count,
        bytes: null,
        total,
        since: seen?.at ?? now,
      });
    });
    this.responder.flushSuppressed(now);
  }

  /**
   * Lets the UDP sockets read what the kernel already holds for them, for as long as reading
   * gets anywhere (see `drain.ts`); what is still queued then is recorded as lost.
   */
  private async drain(listeners: readonly UdpListener[]): Promise<void> {
    const left = await drain(listeners, {
      queued: () => receiveDrops(listeners.map((l) => l.local)).map((q) => q?.queued ?? 0),
      pause: () => new Promise((r) => setTimeout(r, DRAIN_TURN_MS)),
      idleTurns: DRAIN_IDLE_TURNS,
      maxTurns: DRAIN_MAX_TURNS,
    });
    listeners.forEach((listener, i) => {
      const bytes = left[i] ?? 0;
      if (bytes === 0) return;
      this.options.sink.record({
        type: 'resolver.loss',
        t: nowMicros(),
        dut: null,
        transport: 'udp',
        listener: listener.local,
        kind: 'unread-at-close',
        count: null,
        bytes,
        total: null,
        since: nowMicros(),
      });
    });
  }

  private async closeListeners(): Promise<void> {
    const listeners = this.pairs.flatMap((p) => (p.udp ? [p.udp] : []));
    await this.drain(listeners);
    // What the last burst holds is written, and its answers sent, while the sockets are open.
    this.responder.closeBurst();
    this.measureLoss(listeners);
    const closing: Promise<void>[] = [];
    for (const pair of this.pairs) {
      if (pair.udp) closing.push(pair.udp.close());
      if (pair.tcp) closing.push(pair.tcp.close());
      pair.udp = undefined;
      pair.tcp = undefined;
    }
    await Promise.all(closing);
  }

  /** The UDP and TCP endpoints listened on now (none while a scenario keeps the port closed). */
  get endpoints(): readonly BoundEndpoint[] {
    return this.pairs.flatMap((p) => [
      ...(p.udp ? [{ transport: 'udp' as const, address: p.address, port: p.udp.port }] : []),
      ...(p.tcp ? [{ transport: 'tcp' as const, address: p.address, port: p.tcp.port }] : []),
    ]);
  }

  async stop(): Promise<void> {
    // Questions still out upstream end now (their DUTs get SERVFAIL, recorded) rather than hold the run open.
    for (const binding of this.bindings.values()) binding.names?.close?.();
    await this.listenerWork;
    if (this.lossTimer) clearInterval(this.lossTimer);
    await this.closeListeners();
    await Promise.all(this.encrypted.splice(0).map(({ close }) => close()));
    this.responder.closeBurst();
    this.responder.flushSuppressed();
    this.lateness.stop();
  }
}
