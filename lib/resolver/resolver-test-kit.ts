/**
 * Helpers for specs that talk to the resolver over real loopback sockets: a recording
 * evidence sink, and UDP/TCP clients bound to a chosen source address (the "DUT").
 */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Question } from 'dns-packet';
import { buildQuery } from '../dns/builders.ts';
import { decodeMessage, encodeMessage } from '../dns/codec.ts';
import type { DecodedMessage } from '../dns/codec.ts';
import type { EvidenceSink, ExchangeLink, RecordedEvent } from '../evidence/event-log.ts';

/** Keeps every recorded event in memory, with its exchange link. */
export class MemorySink implements EvidenceSink {
  readonly events: (RecordedEvent & { link?: ExchangeLink })[] = [];
  record(event: RecordedEvent, link?: ExchangeLink): void {
    this.events.push(link ? { ...event, link } : event);
  }
  ofType<T extends RecordedEvent['type']>(type: T): Extract<RecordedEvent, { type: T }>[] {
    return this.events.filter((e) => e.type === type) as Extract<RecordedEvent, { type: T }>[];
  }
}

/** Encodes a query, optionally with EDNS of the given UDP size. */
export function query(name: string, type: Question['type'], id = 0x1234, edns?: number): Buffer {
  return encodeMessage(buildQuery({ id, name, type, ...(edns ? { edns: { udpSize: edns } } : {}) }));
}

/** Sends one datagram from `from` and collects every reply that arrives within `waitMs`. */
export async function udpReplies(
  from: string,
  to: { address: string; port: number },
  bytes: Buffer,
  waitMs = 300,
): Promise<{ message: DecodedMessage; size: number }[]> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, from, () => r()));
  const replies: { message: DecodedMessage; size: number }[] = [];
  socket.on('message', (msg) => {
    const decoded = decodeMessage(msg);
    if (decoded.ok) replies.push({ message: decoded.message, size: msg.length });
  });
  socket.send(bytes, to.port, to.address);
  await new Promise((r) => setTimeout(r, waitMs));
  socket.close();
  return replies;
}

/** The first reply to one datagram, or null when none came within `waitMs`. */
export async function udpExchange(
  from: string,
  to: { address: string; port: number },
  bytes: Buffer,
  waitMs = 300,
): Promise<DecodedMessage | null> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, from, () => r()));
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), waitMs);
      socket.on('message', (msg) => {
        clearTimeout(timer);
        const decoded = decodeMessage(msg);
        resolve(decoded.ok ? decoded.message : null);
      });
      socket.send(bytes, to.port, to.address);
    });
  } finally {
    socket.close();
  }
}

/**
 * Writes `bytes` to a TCP connection from `from` in two pieces (the last 5 bytes apart, so
 * a message is split across segments), then reads every length-prefixed reply.
 */
export async function tcpExchange(
  from: string,
  to: { address: string; port: number },
  bytes: Buffer,
): Promise<DecodedMessage[]> {
  const socket = connect({ host: to.address, port: to.port, localAddress: from });
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(bytes.subarray(0, bytes.length - 5));
  await new Promise((r) => setTimeout(r, 30));
  socket.end(bytes.subarray(bytes.length - 5));
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  await new Promise((r) => socket.once('close', r));
  const replies: DecodedMessage[] = [];
  let data = Buffer.concat(chunks);
  while (data.length >= 2) {
    const length = data.readUInt16BE(0);
    const decoded = decodeMessage(data.subarray(2, 2 + length));
    if (decoded.ok) replies.push(decoded.message);
    data = data.subarray(2 + length);
  }
  return replies;
}

/** Length-prefixes messages for DNS over TCP. */
export function framed(messages: Buffer[]): Buffer {
  return Buffer.concat(messages.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m])));
}
