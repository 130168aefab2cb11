/**
 * Canary contacts seen by the packet capture: every UDP datagram and every TCP connection
 * towards a canary address, whatever the port, as `canary.contact` events with source
 * `capture`. This covers the ports no sink listener has (a device that accepted a forged
 * record and connects to some unusual port still shows up). Contacts on the sink's own
 * ports appear twice, once per source, which is fine: both say the same thing.
 *
 * ICMP towards a canary (a ping) is not covered: the capture reader yields UDP and TCP only.
 */
import type { CapturedPacket } from '../capture/packets.ts';
import { TCP_FLAG } from '../capture/transport.ts';
import type { RecordedEvent } from '../evidence/event-log.ts';
import type { Endpoint, Microseconds } from '../evidence/events.ts';
import { canonicalAddress } from '../resolver/access-list.ts';
import { MAX_CONTACT_PAYLOAD } from './canary-sink.ts';

/** A contact as the capture reports it. */
export type CapturedCanaryContact = Extract<RecordedEvent, { type: 'canary.contact' }>;

export interface CaptureContactOptions {
  /** The canary addresses. */
  canaries: readonly string[];
  /** The DUT a client address belongs to, or null. */
  ownerOf(address: string): string | null;
}

/** A TCP connection to a canary, until its first payload (or its end) is seen. */
interface OpenConnection {
  t: Microseconds;
  client: Endpoint;
  canary: Endpoint;
}

/**
 * The contacts in a stream of captured packets: one per UDP datagram, one per TCP
 * connection (timed at its SYN, with the first payload the client sent on it). They come as
 * the capture shows them; connections that never sent anything come last, when it ends.
 */
export async function* captureCanaryContacts(
  packets: AsyncIterable<CapturedPacket>,
  options: CaptureContactOptions,
): AsyncGenerator<CapturedCanaryContact> {
  const canaries = new Set(options.canaries.map(canonicalAddress));
  const open = new Map<string, OpenConnection>();
  /** Connections already reported, so later segments of the same one are not. */
  const reported = new Set<string>();
  const contact = (c: OpenConnection, transport: 'udp' | 'tcp', payload: Buffer): CapturedCanaryContact => ({
    type: 'canary.contact',
    t: c.t,
    dut: options.ownerOf(c.client.address),
    transport,
    client: c.client,
    canary: c.canary,
    payload: payload.subarray(0, MAX_CONTACT_PAYLOAD).toString('base64'),
    source: 'capture',
  });

  for await (const packet of packets) {
    const dst = canonicalAddress(packet.dst);
    if (!canaries.has(dst)) continue;
    const seen: OpenConnection = {
      t: packet.timestamp,
      client: { address: canonicalAddress(packet.src), port: packet.srcPort },
      canary: { address: dst, port: packet.dstPort },
    };
    if (packet.transport === 'udp') {
      yield contact(seen, 'udp', packet.payload);
      continue;
    }
    const key = `${seen.client.address}|${seen.client.port}|${dst}|${packet.dstPort}`;
    const flags = packet.tcp?.flags ?? 0;
    const opening = (flags & TCP_FLAG.SYN) !== 0 && (flags & TCP_FLAG.ACK) === 0;
    if (opening) {
      // A new connection on the same four-tuple (a port reused later) is a new contact.
      reported.delete(key);
      if (!open.has(key)) open.set(key, seen);
      continue;
    }
    if (reported.has(key)) continue;
    const ending = (flags & (TCP_FLAG.FIN | TCP_FLAG.RST)) !== 0;
    if (packet.payload.length === 0 && !ending) {
      // A bare ACK: wait for data. Without a captured SYN, this is where the connection starts.
      if (!open.has(key)) open.set(key, seen);
      continue;
    }
    const connection = open.get(key) ?? seen;
    open.delete(key);
    reported.add(key);
    yield contact(connection, 'tcp', packet.payload);
  }
  // Connections that never sent anything before the capture ended.
  for (const connection of open.values()) yield contact(connection, 'tcp', Buffer.alloc(0));
}
