/**
 * DNS over TCP from captured segments: one byte stream per direction of a connection,
 * put back in sequence order (retransmitted and overlapping segments trimmed by sequence
 * number, early segments held until the gap fills), then cut into messages by the 2-byte
 * length prefix (RFC 1035 §4.2.2, RFC 7766 §8): several messages per segment and messages
 * split across segments both occur.
 */
import type { CapturedPacket } from './packets.ts';
import { TCP_FLAG } from './transport.ts';

/** A DNS message taken out of a TCP stream. */
export interface StreamMessage {
  /** The message, without its length prefix. */
  bytes: Buffer;
  /** The segment whose arrival completed the message (its time and frame are the message's). */
  packet: CapturedPacket;
  /** Frame of the segment that carried the message's first byte. */
  firstFrame: number;
}

/** Limits that keep memory bounded on hostile or lossy captures. */
export interface ReassemblyLimits {
  /** Directions tracked at once; the least recently used is dropped beyond it. */
  maxStreams: number;
  /** Out-of-order segments held per direction before the stream is declared lost. */
  maxPendingSegments: number;
}

const DEFAULT_LIMITS: ReassemblyLimits = { maxStreams: 4096, maxPendingSegments: 256 };

interface StreamState {
  /** Sequence number of the next byte expected, or null before any byte was seen. */
  nextSeq: number | null;
  /** Bytes received in order and not yet cut into messages. */
  buffered: Buffer;
  /** Frame that carried `buffered[0]`. */
  bufferedFrom: number;
  /** Segments ahead of `nextSeq`, by sequence number. */
  pending: Map<number, { data: Buffer; packet: CapturedPacket }>;
}

/** Signed distance a − b in 32-bit sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** Reassembles every TCP direction fed to it; not tied to a port (the caller picks the flows). */
export class DnsTcpReassembler {
  private readonly streams = new Map<string, StreamState>();
  private readonly limits: ReassemblyLimits;
  /** Streams dropped because a gap never filled (lost segments in the capture). */
  lostStreams = 0;

  constructor(limits: Partial<ReassemblyLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Feeds one TCP segment; returns the messages it completed, in stream order. */
  push(packet: CapturedPacket): StreamMessage[] {
    const tcp = packet.tcp;
    if (tcp === null) return [];
    const key = `${packet.src}|${packet.srcPort}|${packet.dst}|${packet.dstPort}`;
    let state = this.streams.get(key);
    if (state === undefined) {
      state = { nextSeq: null, buffered: Buffer.alloc(0), bufferedFrom: packet.frame, pending: new Map() };
      if (this.streams.size >= this.limits.maxStreams) this.streams.delete(this.streams.keys().next().value!);
    } else {
      this.streams.delete(key);
    }
    this.streams.set(key, state);
    let seq = tcp.seq;
    if (tcp.flags & TCP_FLAG.SYN) {
      // A (re)opened connection: the SYN takes one sequence number.
      state.nextSeq = (seq + 1) >>> 0;
      state.buffered = Buffer.alloc(0);
      state.pending.clear();
      seq = (seq + 1) >>> 0;
    }
    const messages: StreamMessage[] = [];
    if (packet.payload.length > 0) {
      // Mid-stream start (no SYN captured): take the first data segment as the beginning.
      if (state.nextSeq === null) state.nextSeq = seq;
      this.accept(state, seq, packet.payload, packet);
      this.cut(state, packet, messages);
    }
    if (tcp.flags & (TCP_FLAG.FIN | TCP_FLAG.RST)) this.streams.delete(key);
    return messages;
  }

  /** Appends in-order data, trims what was seen, parks what is early. */
  private accept(state: StreamState, seq: number, data: Buffer, packet: CapturedPacket): void {
    const offset = seqDiff(seq, state.nextSeq!);
    if (offset + data.length <= 0) return;
    if (offset > 0) {
      const held = state.pending.get(seq);
      // Parked data is copied: the payload is a view that would keep its read window alive.
      if (!held || held.data.length < data.length) state.pending.set(seq, { data: Buffer.from(data), packet });
      if (state.pending.size > this.limits.maxPendingSegments) {
        // The gap will not fill: drop the stream's state and restart at the earliest parked segment.
        this.lostStreams += 1;
        const earliest = [...state.pending.keys()].sort((a, b) => seqDiff(a, b))[0]!;
        const parked = state.pending.get(earliest)!;
        state.pending.clear();
        state.buffered = Buffer.alloc(0);
        state.nextSeq = earliest;
        this.accept(state, earliest, parked.data, parked.packet);
      }
      return;
    }
    const fresh = data.subarray(-offset);
    if (state.buffered.length === 0) state.bufferedFrom = packet.frame;
    // Copied either way: the payload views a read window the reader may fill again (recycled windows).
    state.buffered = state.buffered.length === 0 ? Buffer.from(fresh) : Buffer.concat([state.buffered, fresh]);
    state.nextSeq = (state.nextSeq! + fresh.length) >>> 0;
    // Segments parked earlier may now be in order.
    for (const [parkedSeq, parked] of state.pending) {
      if (seqDiff(parkedSeq, state.nextSeq) <= 0) {
        state.pending.delete(parkedSeq);
        this.accept(state, parkedSeq, parked.data, parked.packet);
        return;
      }
    }
  }

  /** Cuts complete length-prefixed messages off the front of the stream. */
  private cut(state: StreamState, packet: CapturedPacket, messages: StreamMessage[]): void {
    let at = 0;
    const buffered = state.buffered;
    while (buffered.length - at >= 2) {
      const length = buffered.readUInt16BE(at);
      if (buffered.length - at - 2 < length) break;
      messages.push({
        bytes: Buffer.from(buffered.subarray(at + 2, at + 2 + length)),
        packet,
        firstFrame: at === 0 ? state.bufferedFrom : packet.frame,
      });
      at += 2 + length;
    }
    if (at > 0) {
      state.buffered = buffered.subarray(at);
      state.bufferedFrom = packet.frame;
    }
  }
}
