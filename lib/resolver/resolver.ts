/**
 * The embedded adversarial resolver: UDP, TCP, DoT and DoH listeners sharing one responder,
 * serving each declared DUT its zone under its current scenario, refusing everyone else.
 */
import { nowMicros } from '../evidence/clock.ts';
import type { EvidenceSink } from '../evidence/event-log.ts';
import type { Transport } from '../evidence/events.ts';
import type { ListenSpec } from '../profile/profile-types.ts';
import { AccessList } from './access-list.ts';
import { DEFAULT_RESOLVER_NAME } from './ddr.ts';
import { Responder } from './responder.ts';
import type { DutBinding } from './responder.ts';
import type { Scenario } from './scenario.ts';
import { DEFAULT_DOH_PATH, listenDoh } from './doh-listener.ts';
import { listenDot } from './dot-listener.ts';
import { listenTcp } from './tcp-listener.ts';
import type { TlsCredentials } from './tls-session.ts';
import { listenUdp } from './udp-listener.ts';

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

/** Attempts at finding a port free for both UDP and TCP when port 0 is asked for. */
const SHARED_PORT_ATTEMPTS = 20;

export class AdversarialResolver {
  private readonly bindings = new Map<string, DutBinding>();
  private readonly responder: Responder;
  private readonly closers: (() => Promise<void>)[] = [];
  private bound: BoundEndpoint[] = [];

  constructor(private readonly options: ResolverOptions) {
    const acl = new AccessList();
    for (const dut of options.duts) {
      acl.declare(dut.id, dut.addresses);
      this.bindings.set(dut.id, { id: dut.id, zone: dut.zone, scenario: dut.scenario });
    }
    this.responder = new Responder(acl, this.bindings, options.sink);
  }

  /**
   * Binds every listener. Where UDP and TCP share an address and port 0 is asked for, both
   * get the same port, as a stub expects TCP fallback on the port it used for UDP.
   */
  async start(): Promise<BoundEndpoint[]> {
    const onError = this.options.onError ?? (() => undefined);
    const byAddress = new Map<string, ListenSpec[]>();
    const plain = this.options.listen.filter((spec) => spec.transport === 'udp' || spec.transport === 'tcp');
    for (const spec of plain) byAddress.set(`${spec.address}|${spec.port}`, [...(byAddress.get(`${spec.address}|${spec.port}`) ?? []), spec]);
    try {
      for (const specs of byAddress.values()) {
        const { address, port } = specs[0]!;
        const wantUdp = specs.some((s) => s.transport === 'udp');
        const wantTcp = specs.some((s) => s.transport === 'tcp');
        await this.bindPair(address, port, wantUdp, wantTcp, onError);
      }
      for (const spec of this.options.listen) {
        if (spec.transport === 'dot' || spec.transport === 'doh') await this.bindEncrypted(spec, onError);
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    for (const endpoint of this.bound) {
      this.options.sink.record({ type: 'resolver.listen', t: nowMicros(), dut: null, transport: endpoint.transport, address: endpoint.address, port: endpoint.port });
    }
    this.responder.designatedResolvers = {
      name: this.options.name ?? DEFAULT_RESOLVER_NAME,
      endpoints: this.bound.flatMap((e) => (e.transport === 'dot' || e.transport === 'doh' ? [{ ...e, transport: e.transport }] : [])),
    };
    return [...this.bound];
  }

  /** Binds one DoT or DoH listener with the lab credentials. */
  private async bindEncrypted(spec: ListenSpec, onError: (e: Error) => void): Promise<void> {
    const { tls } = this.options;
    if (!tls) throw new Error(`a ${spec.transport} listener on ${spec.address} needs TLS credentials, and none were given`);
    if (spec.transport === 'dot') {
      const dot = await listenDot(spec.address, spec.port, tls, this.responder, onError);
      this.closers.push(dot.close);
      this.bound.push({ transport: 'dot', address: spec.address, port: dot.port });
      return;
    }
    const path = spec.path ?? DEFAULT_DOH_PATH;
    const doh = await listenDoh(spec.address, spec.port, path, tls, this.responder, onError);
    this.closers.push(doh.close);
    this.bound.push({ transport: 'doh', address: spec.address, port: doh.port, path });
  }

  private async bindPair(address: string, port: number, wantUdp: boolean, wantTcp: boolean, onError: (e: Error) => void): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      const udp = wantUdp ? await listenUdp(address, port, this.responder, onError) : undefined;
      const sharedPort = udp?.port ?? port;
      try {
        const tcp = wantTcp ? await listenTcp(address, sharedPort, this.responder, onError) : undefined;
        if (udp) { this.closers.push(udp.close); this.bound.push({ transport: 'udp', address, port: udp.port }); }
        if (tcp) { this.closers.push(tcp.close); this.bound.push({ transport: 'tcp', address, port: tcp.port }); }
        return;
      } catch (error) {
        await udp?.close();
        const inUse = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
        if (port !== 0 || !inUse || attempt >= SHARED_PORT_ATTEMPTS) throw error;
      }
    }
  }

  /** Switches a DUT's scenario (phase change); applies to the next message. */
  setScenario(dutId: string, scenario: Scenario): void {
    const binding = this.bindings.get(dutId);
    if (!binding) throw new Error(`no DUT ${dutId} is served`);
    binding.scenario = scenario;
  }

  /** The endpoints bound by start(). */
  get endpoints(): readonly BoundEndpoint[] {
    return this.bound;
  }

  async stop(): Promise<void> {
    const closers = this.closers.splice(0);
    await Promise.all(closers.map((close) => close()));
  }
}
