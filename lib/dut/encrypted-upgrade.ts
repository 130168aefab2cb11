/**
 * A simulated device's upgrade to encrypted DNS: on its first lookup it asks its resolver
 * for designated resolvers (DDR, RFC 9462), connects to the one it prefers that verifies
 * (lab CA, resolver name and the designating resolver's IP, §4.2), and from then on sends
 * its queries there, padded to 128-octet blocks (RFC 8467 §4.1). No usable designation
 * means it stays on port 53. A failed encrypted exchange falls back to port 53 for that
 * lookup only, unless the device keeps to encryption once upgraded (`cleartextFallback:
 * false`): then the lookup fails instead, and no query leaves in cleartext again.
 */
import type { DecodedMessage } from '../dns/codec.ts';
import { buildQuery } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { SimulatedBehaviour } from '../profile/profile-types.ts';
import { failedAnswerChecks } from './answer-acceptance.ts';
import type { AnswerCheck } from './answer-acceptance.ts';
import { discoverDesignatedResolvers } from './ddr-discovery.ts';
import type { DesignatedEndpoint } from './ddr-discovery.ts';
import type { DeviceLog } from './device-log.ts';
import { encryptedTransport } from './encrypted-transport.ts';
import type { EncryptedTransport } from './encrypted-transport.ts';

/** RFC 8467 §4.1: queries padded to a multiple of 128 octets. */
export const QUERY_PADDING_BLOCK = 128;
/** EDNS(0) Padding option (RFC 7830). */
const PADDING_OPTION = 12;
/** Patience for the DDR query and for each TLS handshake. */
const DISCOVERY_TIMEOUT_MS = 2000;
/** Patience for one encrypted exchange before the lookup falls back to port 53. */
const EXCHANGE_TIMEOUT_MS = 2000;
/** UDP size advertised in encrypted queries when the device otherwise sends no OPT record. */
const DEFAULT_EDNS_SIZE = 1232;

/** What the upgrade needs to know of the device. */
export interface UpgradeOptions {
  /** Which transport to try first when both are designated. */
  prefer: 'dot' | 'doh';
  sourceAddress: string;
  resolver: { address: string; port: number };
  /** The lab CA the device trusts; without it nothing verifies and the device stays on port 53. */
  trustedCa: string | undefined;
  udpSize: number | null;
  /** After a failed encrypted exchange, whether the lookup goes on over port 53 (default) or fails. */
  cleartextFallback?: boolean;
  /** A validating device sets DO on its encrypted queries too, so answers come with their RRSIGs. */
  dnssecOk?: boolean;
  log: DeviceLog;
}

/**
 * What an encrypted attempt came to: the reply; `plain` when the lookup goes on over port 53
 * (no verified transport, or a failure the device falls back from); `failed` when the
 * device keeps to encryption and the lookup fails.
 */
export type EncryptedOutcome = { reply: DecodedMessage } | { plain: true } | { failed: string };

/** A question as the stub asks it. */
interface Question {
  name: string;
  /** A, AAAA for the application; DNSKEY when a validating device fetches its zone's keys. */
  type: 'A' | 'AAAA' | 'DNSKEY';
}

/** The query with an OPT record whose Padding option makes it a whole number of blocks. */
export function paddedQuery(question: Question, txid: number, udpSize: number, dnssecOk = false): Buffer {
  const build = (padding: number) =>
    encodeMessage(
      buildQuery({
        id: txid,
        name: question.name,
        type: question.type,
        edns: { udpSize, do: dnssecOk, options: [{ code: PADDING_OPTION, data: Buffer.alloc(padding) }] },
      }),
    );
  const bare = build(0).length;
  return build((QUERY_PADDING_BLOCK - (bare % QUERY_PADDING_BLOCK)) % QUERY_PADDING_BLOCK);
}

export class EncryptedUpgrade {
  private chosen: Promise<EncryptedTransport | null> | null = null;
  private closed = false;

  /** The unencrypted resolver that designates: the one the device was given, until DHCP names another. */
  private resolver: { address: string; port: number };

  constructor(private readonly options: UpgradeOptions) {
    this.resolver = options.resolver;
  }

  /**
   * The network assigned another resolver: what the old one designated is dropped (RFC 9462
   * §4: a designation holds for the resolver that made it), and the next lookup discovers
   * afresh from the new one.
   */
  resolverChanged(resolver: { address: string; port: number }): void {
    this.resolver = resolver;
    const previous = this.chosen;
    this.chosen = null;
    void previous?.then((transport) => transport?.close()).catch(() => undefined);
  }

  /** The verified transport, discovering on first use; null means stay on port 53. */
  transport(): Promise<EncryptedTransport | null> {
    this.chosen ??= this.discover();
    return this.chosen;
  }

  /** Resolves over the encrypted transport; see {@link EncryptedOutcome} for what comes back. */
  async resolve(question: Question, txid: number, answerChecks: readonly AnswerCheck[]): Promise<EncryptedOutcome> {
    const transport = await this.transport();
    if (!transport || this.closed) return { plain: true };
    const { endpoint } = transport;
    const { log } = this.options;
    // RFC 8484 §4.1: a DoH client SHOULD use ID 0 (HTTP matches replies; caches stay shareable).
    if (endpoint.transport === 'doh') txid = 0;
    log('query', { ...question, txid, transport: endpoint.transport, server: `${endpoint.address}:${endpoint.port}` });
    try {
      const query = paddedQuery(question, txid, this.options.udpSize ?? DEFAULT_EDNS_SIZE, this.options.dnssecOk);
      // A connection the server closed while idle is reopened once before giving up on it.
      const reply = await transport.exchange(query, EXCHANGE_TIMEOUT_MS).catch((error: Error) => {
        if (!/closed/.test(error.message)) throw error;
        log('encrypted-reconnect', { ...question, txid, transport: endpoint.transport, error: error.message });
        return transport.exchange(query, EXCHANGE_TIMEOUT_MS);
      });
      const decoded = decodeMessage(reply);
      if (!decoded.ok) throw new Error(`malformed reply: ${decoded.error}`);
      // The peer of a verified TLS connection is the designated resolver by construction.
      const peer = { address: endpoint.address, port: endpoint.port };
      const failed = failedAnswerChecks(decoded.message, peer, { txid, ...question, resolver: peer }, answerChecks);
      if (failed.length > 0) throw new Error(`reply fails ${failed.join(', ')}`);
      log('answer', {
        ...question,
        txid,
        transport: endpoint.transport,
        rcode: decoded.message.rcode,
        records: decoded.message.answers?.length ?? 0,
      });
      return { reply: decoded.message };
    } catch (error) {
      const reason = (error as Error).message;
      if (this.options.cleartextFallback === false) {
        log('encrypted-failed', { ...question, txid, transport: endpoint.transport, error: reason });
        return { failed: `${endpoint.transport} exchange failed: ${reason}` };
      }
      log('encrypted-fallback', { ...question, txid, transport: endpoint.transport, error: reason });
      return { plain: true };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const transport = await this.chosen?.catch(() => null);
    await transport?.close();
  }

  private async discover(): Promise<EncryptedTransport | null> {
    const { log, trustedCa } = this.options;
    const { resolver } = this;
    const designated = await discoverDesignatedResolvers({
      sourceAddress: this.options.sourceAddress,
      resolver,
      timeoutMs: DISCOVERY_TIMEOUT_MS,
    }).catch((error: Error) => {
      log('ddr-error', { error: error.message });
      return [] as DesignatedEndpoint[];
    });
    log('ddr-discovered', { endpoints: designated });
    if (designated.length === 0) return null;
    if (!trustedCa) {
      log('ddr-not-upgraded', { reason: 'no trusted CA installed: cannot verify a designated resolver' });
      return null;
    }
    const ordered = [...designated].sort(
      (a, b) =>
        Number(b.transport === this.options.prefer) - Number(a.transport === this.options.prefer) ||
        a.priority - b.priority,
    );
    for (const endpoint of ordered) {
      const transport = encryptedTransport({
        endpoint,
        localAddress: this.options.sourceAddress,
        trustedCa,
        designatingAddress: resolver.address,
      });
      try {
        await transport.open(DISCOVERY_TIMEOUT_MS);
        log('ddr-upgraded', {
          transport: endpoint.transport,
          server: `${endpoint.address}:${endpoint.port}`,
          name: endpoint.name,
        });
        return transport;
      } catch (error) {
        log('ddr-rejected', {
          transport: endpoint.transport,
          server: `${endpoint.address}:${endpoint.port}`,
          reason: (error as Error).message,
        });
        await transport.close();
      }
    }
    return null;
  }
}

/** The upgrade a behaviour asks for, or undefined when the device ignores DDR. */
export function encryptedUpgradeFor(
  behaviour: SimulatedBehaviour,
  device: Omit<UpgradeOptions, 'prefer' | 'udpSize' | 'cleartextFallback' | 'dnssecOk'>,
): EncryptedUpgrade | undefined {
  const encryption = behaviour.encryption;
  if (encryption?.ddr !== 'upgrade') return undefined;
  return new EncryptedUpgrade({
    ...device,
    prefer: encryption.prefer,
    udpSize: behaviour.edns.enabled ? behaviour.edns.udpSize : null,
    dnssecOk: behaviour.dnssec === 'validate',
    ...(encryption.cleartextFallback === undefined ? {} : { cleartextFallback: encryption.cleartextFallback }),
  });
}
