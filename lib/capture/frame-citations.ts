/**
 * Evidence a reader can open in Wireshark: which frames of a run's pcapng carried the packets
 * of cited events, and a display filter that selects exactly those frames.
 *
 * The resolver records messages at its sockets, the capture records them on the wire: an
 * event is matched to frames by flow (transport, source and destination address and port)
 * and the bytes themselves (a DNS message's wire, a canary contact's SYN), one event after
 * another in time order, so byte-identical retransmissions go to the events in the order they
 * were sent. Events read from the capture itself (`capture.frame`) already name their frame.
 *
 * The filter names packet content, never only frame numbers: addresses, ports and the first
 * two payload octets (a DNS message's ID) for UDP, the raw sequence number and length for
 * TCP. Where that still selects more than the cited frame, the IPv4 identification is
 * added, and only where even that is not enough (identical IPv6 datagrams) the frame number.
 * Uniqueness is decided over every packet of the flow, as the filter names the flow: ICMP
 * errors quote a UDP/TCP header that Wireshark dissects too, so every clause ends in `!icmp`.
 * The DNS dissector is left out on purpose: the lab resolver listens on ports Wireshark does
 * not dissect as DNS, where `dns.id` never matches but `udp.payload[0:2]` does.
 */
import { basename } from 'node:path';
import type { EvidenceEvent, Microseconds } from '../evidence/events.ts';
import { CaptureFormatError } from './capture-format-error.ts';
import { readPacketBatches } from './packets.ts';
import type { CapturedPacket } from './packets.ts';
import { DnsTcpReassembler } from './tcp-stream.ts';
import { TCP_FLAG } from './transport.ts';

/** Where cited events are in the capture, as a report states it beside their seq numbers. */
export interface FrameCitation {
  /** The pcapng, relative to the run directory. */
  file: string;
  /** Frame numbers (Wireshark's, from 1), ascending, of the packets the cited events were. */
  frames: number[];
  /** A Wireshark display filter that selects exactly `frames`; null when there are none. */
  filter: string | null;
  /** Cited events that have no frame, grouped by why (no packet of their own, encrypted, not captured). */
  uncited: { reason: string; seqs: number[] }[];
}

/**
 * How far apart an event and its packet may be in time. The resolver stamps a message when
 * its handler runs, the capture when the kernel saw it: seconds apart at most, on a host
 * loaded far beyond its cores.
 */
const MATCH_TOLERANCE_US: Microseconds = 10_000_000;

interface FlowPacket {
  frame: number;
  timestamp: Microseconds;
  ipVersion: 4 | 6;
  ipId: number | null;
  transport: 'udp' | 'tcp';
  /** UDP payload (base64), for matching a message's wire. */
  payload: string;
  /** First two payload octets, or null when shorter. */
  head: string | null;
  tcp: { seq: number; flags: number; length: number } | null;
}

interface FlowEnds {
  transport: 'udp' | 'tcp';
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
}

const flowKey = (f: FlowEnds): string => `${f.transport} ${f.src} ${f.srcPort} ${f.dst} ${f.dstPort}`;

/** What a cited event is in the capture: the flow and how to recognise its packets, or why it has none. */
type Target =
  | { kind: 'message'; flow: FlowEnds; wire: string; copies: number; t: Microseconds }
  | { kind: 'syn' | 'datagram'; flow: FlowEnds; t: Microseconds }
  /** A liveness probe's connection attempt: the harness's SYN to `dst`, from a port the event does not name. */
  | { kind: 'probe'; dst: string; t: Microseconds }
  /** An event read from this capture: its frame is known; `flow`, when known, lets the filter name its content. */
  | { kind: 'frame'; frame: number; flow: FlowEnds | null }
  | { kind: 'none'; reason: string };

function targetOf(event: EvidenceEvent, byseq: ReadonlyMap<number, EvidenceEvent>, captureFile: string): Target {
  const captured = (event as { capture?: { file?: unknown; frame?: unknown } }).capture;
  if (captured && typeof captured.frame === 'number' && typeof captured.file === 'string') {
    if (basename(captured.file) !== basename(captureFile))
      return { kind: 'none', reason: `read from another capture (${basename(captured.file)})` };
    const { capture: _, ...own } = event as EvidenceEvent & { capture: unknown };
    const onWire = targetOf(own as EvidenceEvent, byseq, captureFile);
    return { kind: 'frame', frame: captured.frame, flow: 'flow' in onWire ? onWire.flow : null };
  }
  switch (event.type) {
    case 'dns.query':
    case 'dns.response':
    case 'dns.malformed': {
      if (event.transport !== 'udp' && event.transport !== 'tcp')
        return { kind: 'none', reason: `encrypted (${event.transport}): the capture holds only ciphertext` };
      const fromClient = event.type !== 'dns.response';
      const [from, to] = fromClient ? [event.client, event.server] : [event.server, event.client];
      const copies = event.type === 'dns.response' ? (event.copies ?? 1) : 1;
      return {
        kind: 'message',
        flow: { transport: event.transport, src: from.address, srcPort: from.port, dst: to.address, dstPort: to.port },
        wire: event.wire,
        copies,
        t: event.t,
      };
    }
    case 'dns.drop': {
      const query = byseq.get(event.queryRef);
      return query === undefined
        ? { kind: 'none', reason: 'a dropped query whose query event is missing' }
        : targetOf(query, byseq, captureFile);
    }
    case 'canary.contact': {
      if (event.transport === 'icmp') return { kind: 'none', reason: 'ICMP canary contacts are not indexed' };
      const flow: FlowEnds = {
        transport: event.transport,
        src: event.client.address,
        srcPort: event.client.port,
        dst: event.canary.address,
        dstPort: event.canary.port,
      };
      return { kind: event.transport === 'tcp' ? 'syn' : 'datagram', flow, t: event.t };
    }
    case 'liveness.probe': {
      const target = /^\[?([^\]]+?)\]?:(\d+)$/.exec(event.target);
      if (event.probe !== 'tcp' || target === null)
        return { kind: 'none', reason: `no packet of its own (${event.probe} liveness probe)` };
      return { kind: 'probe', dst: `${target[1]} ${target[2]}`, t: event.t };
    }
    default:
      return { kind: 'none', reason: `no packet of its own (${event.type})` };
  }
}

/** The frames of a capture matched to events, and the filter clauses that select them. */
export class FrameIndex {
  private constructor(
    private readonly captureFile: string,
    private readonly relativeFile: string,
    private readonly targets: ReadonlyMap<number, Target>,
    /** Frames of each matched event. */
    private readonly matched: ReadonlyMap<number, number[]>,
    /** Every stored packet by frame, and each flow's packets. */
    private readonly packets: ReadonlyMap<number, FlowPacket & { flow: FlowEnds }>,
    private readonly flows: ReadonlyMap<string, FlowPacket[]>,
    /** Why the capture could not be read to its end, or null. */
    private readonly readProblem: string | null,
  ) {}

  /**
   * Reads `captureFile` once, keeping only the flows the `cited` events travelled, and
   * matches every event of those flows (not only the cited ones, so a retransmission is
   * matched to the event that sent it). `relativeFile` is how citations name the file.
   */
  static async build(
    captureFile: string,
    relativeFile: string,
    events: readonly EvidenceEvent[],
    cited: ReadonlySet<number>,
  ): Promise<FrameIndex> {
    const byseq = new Map(events.map((e) => [e.seq, e]));
    const targets = new Map<number, Target>();
    for (const seq of cited) {
      const event = byseq.get(seq);
      targets.set(
        seq,
        event === undefined ? { kind: 'none', reason: 'not in the event log' } : targetOf(event, byseq, captureFile),
      );
    }
    const wantedFlows = new Set<string>();
    const probed = new Set<string>();
    for (const target of targets.values()) {
      if ('flow' in target && target.flow) wantedFlows.add(flowKey(target.flow));
      if (target.kind === 'probe') probed.add(target.dst);
    }

    // Every event of a wanted flow takes part in the matching, in time order.
    const contenders: { seq: number; target: Extract<Target, { kind: 'message' | 'syn' | 'datagram' | 'probe' }> }[] =
      [];
    for (const event of events) {
      const target = cited.has(event.seq) ? targets.get(event.seq)! : targetOf(event, byseq, captureFile);
      if (event.type === 'dns.drop') continue; // a drop shares its query's packet; it is resolved after matching
      if (
        target.kind === 'probe'
          ? probed.has(target.dst)
          : 'flow' in target && target.kind !== 'frame' && wantedFlows.has(flowKey(target.flow))
      )
        contenders.push({ seq: event.seq, target: target as (typeof contenders)[number]['target'] });
    }
    contenders.sort((a, b) => a.target.t - b.target.t || a.seq - b.seq);

    const flows = new Map<string, FlowPacket[]>();
    const packets = new Map<number, FlowPacket & { flow: FlowEnds }>();
    const messages = new Map<string, { frame: number; timestamp: Microseconds }[]>();
    const reassembler = new DnsTcpReassembler();
    let readProblem: string | null = null;
    const probeSyns = new Map<string, { frame: number; timestamp: Microseconds }[]>();
    if (wantedFlows.size > 0 || probed.size > 0) {
      try {
        for await (const batch of readPacketBatches(captureFile)) {
          for (const packet of batch) {
            const flow: FlowEnds = {
              transport: packet.transport,
              src: packet.src,
              srcPort: packet.srcPort,
              dst: packet.dst,
              dstPort: packet.dstPort,
            };
            const key = flowKey(flow);
            const probeSyn =
              probed.has(`${packet.dst} ${packet.dstPort}`) &&
              packet.tcp !== null &&
              (packet.tcp.flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN;
            if (probeSyn)
              pushTo(probeSyns, `${packet.dst} ${packet.dstPort}`, {
                frame: packet.frame,
                timestamp: packet.timestamp,
              });
            if (!wantedFlows.has(key) && !probeSyn) continue;
            const stored = storedPacket(packet);
            packets.set(packet.frame, { ...stored, flow });
            let list = flows.get(key);
            if (list === undefined) flows.set(key, (list = []));
            list.push(stored);
            if (packet.transport === 'udp') {
              pushTo(messages, `${key} ${stored.payload}`, { frame: packet.frame, timestamp: packet.timestamp });
            } else {
              for (const message of reassembler.push(packet)) {
                pushTo(messages, `${key} ${message.bytes.toString('base64')}`, {
                  frame: message.packet.frame,
                  timestamp: message.packet.timestamp,
                });
              }
            }
          }
        }
      } catch (error) {
        // A damaged file: the frames before the fault are cited, the rest say why they are not.
        if (!(error instanceof CaptureFormatError)) throw error;
        readProblem = error.message;
      }
    }

    // Greedy in time order: an event takes the earliest unclaimed packets of its kind within the tolerance.
    const cursors = new Map<string, number>();
    const matched = new Map<number, number[]>();
    const queues = new Map<string, { frame: number; timestamp: Microseconds }[]>();
    const queueOf = (
      target: (typeof contenders)[number]['target'],
    ): [string, { frame: number; timestamp: Microseconds }[]] => {
      if (target.kind === 'probe') return [`probe ${target.dst}`, probeSyns.get(target.dst) ?? []];
      const key = flowKey(target.flow);
      if (target.kind === 'message') return [`${key} ${target.wire}`, messages.get(`${key} ${target.wire}`) ?? []];
      const queueKey = `${key} ${target.kind}`;
      let queue = queues.get(queueKey);
      if (queue === undefined) {
        const isSyn = (p: FlowPacket) =>
          p.tcp !== null && (p.tcp.flags & (TCP_FLAG.SYN | TCP_FLAG.ACK)) === TCP_FLAG.SYN;
        queue = (flows.get(key) ?? [])
          .filter((p) => target.kind !== 'syn' || isSyn(p))
          .map((p) => ({ frame: p.frame, timestamp: p.timestamp }));
        queues.set(queueKey, queue);
      }
      return [queueKey, queue];
    };
    for (const { seq, target } of contenders) {
      const [queueKey, queue] = queueOf(target);
      let at = cursors.get(queueKey) ?? 0;
      while (at < queue.length && queue[at]!.timestamp < target.t - MATCH_TOLERANCE_US) at += 1;
      const frames: number[] = [];
      const wanted = target.kind === 'message' ? target.copies : 1;
      while (frames.length < wanted && at < queue.length && queue[at]!.timestamp <= target.t + MATCH_TOLERANCE_US) {
        frames.push(queue[at]!.frame);
        at += 1;
      }
      cursors.set(queueKey, at);
      if (frames.length > 0) matched.set(seq, frames);
    }
    // A cited drop is its query's packet.
    for (const seq of cited) {
      const event = byseq.get(seq);
      if (event?.type === 'dns.drop') {
        const frames = matched.get(event.queryRef);
        if (frames) matched.set(seq, frames);
      }
    }
    return new FrameIndex(captureFile, relativeFile, targets, matched, packets, flows, readProblem);
  }

  /** The frames of one cited event (empty when it has none). */
  framesOf(seq: number): number[] {
    const target = this.targets.get(seq);
    if (target?.kind === 'frame') return [target.frame];
    return this.matched.get(seq) ?? [];
  }

  /** The citation of some of the cited events: their frames and the filter selecting exactly those. */
  cite(seqs: readonly number[]): FrameCitation {
    const frames = new Set<number>();
    const uncited = new Map<string, number[]>();
    for (const seq of seqs) {
      const own = this.framesOf(seq);
      for (const frame of own) frames.add(frame);
      if (own.length > 0) continue;
      const target = this.targets.get(seq);
      const reason =
        target === undefined
          ? 'not among the events the index was built for'
          : target.kind === 'none'
            ? target.reason
            : this.readProblem === null
              ? `no matching packet in ${basename(this.captureFile)} (not captured)`
              : `no matching packet in the part of ${basename(this.captureFile)} that could be read (${this.readProblem})`;
      pushTo(uncited, reason, seq);
    }
    const sorted = [...frames].sort((a, b) => a - b);
    return {
      file: this.relativeFile,
      frames: sorted,
      filter: sorted.length === 0 ? null : this.filterFor(sorted),
      uncited: [...uncited].map(([reason, list]) => ({ reason, seqs: list })),
    };
  }

  /**
   * A display filter selecting exactly `frames`: one group per flow (addresses and ports
   * once), inside it one alternative per frame. A frame the index did not store (an event
   * that named its own frame) is selected by number.
   */
  private filterFor(frames: readonly number[]): string {
    const groups = new Map<string, { base: string; parts: string[] }>();
    const byNumber: number[] = [];
    for (const frame of frames) {
      const packet = this.packets.get(frame);
      if (packet === undefined) {
        byNumber.push(frame);
        continue;
      }
      const key = flowKey(packet.flow);
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { base: flowClause(packet), parts: [] }));
      group.parts.push(this.frameClause(packet, this.flows.get(key) ?? []));
    }
    const clauses = [...groups.values()].map(({ base, parts }) =>
      parts.length === 1 ? `(${base} && ${parts[0]})` : `(${base} && (${parts.join(' || ')}))`,
    );
    if (byNumber.length > 0) clauses.push(`frame.number in {${byNumber.join(', ')}}`);
    return clauses.join(' || ');
  }

  /** What tells this frame from the other packets of its flow, tightened until nothing else matches. */
  private frameClause(packet: FlowPacket, flow: readonly FlowPacket[]): string {
    const tests: { text: string; holds: (other: FlowPacket) => boolean }[] = [];
    if (packet.tcp !== null) {
      const { seq, flags, length } = packet.tcp;
      if ((flags & TCP_FLAG.SYN) !== 0) {
        const ack = (flags & TCP_FLAG.ACK) !== 0 ? 1 : 0;
        tests.push({
          text: `tcp.flags.syn == 1 && tcp.flags.ack == ${ack}`,
          holds: (o) =>
            o.tcp !== null &&
            (o.tcp.flags & TCP_FLAG.SYN) !== 0 &&
            ((o.tcp.flags & TCP_FLAG.ACK) !== 0 ? 1 : 0) === ack,
        });
      }
      tests.push({ text: `tcp.seq_raw == ${seq}`, holds: (o) => o.tcp?.seq === seq });
      tests.push({ text: `tcp.len == ${length}`, holds: (o) => o.tcp?.length === length });
    } else if (packet.head !== null) {
      const head = packet.head;
      tests.push({ text: `udp.payload[0:2] == ${head}`, holds: (o) => o.head === head });
    }
    const selects = () => flow.filter((o) => tests.every((t) => t.holds(o))).length === 1;
    if (!selects() && packet.ipId !== null) {
      const id = packet.ipId;
      tests.push({ text: `ip.id == 0x${id.toString(16).padStart(4, '0')}`, holds: (o) => o.ipId === id });
    }
    if (!selects()) tests.push({ text: `frame.number == ${packet.frame}`, holds: (o) => o.frame === packet.frame });
    return tests.length === 1 ? tests[0]!.text : `(${tests.map((t) => t.text).join(' && ')})`;
  }
}

/** The flow part of a clause: addresses, ports, and no ICMP error quoting them. */
function flowClause(packet: FlowPacket & { flow: FlowEnds }): string {
  const { transport, src, srcPort, dst, dstPort } = packet.flow;
  const ip = packet.ipVersion === 4 ? 'ip' : 'ipv6';
  return [
    `${ip}.src == ${src}`,
    `${transport}.srcport == ${srcPort}`,
    `${ip}.dst == ${dst}`,
    `${transport}.dstport == ${dstPort}`,
    packet.ipVersion === 4 ? '!icmp' : '!icmpv6',
  ].join(' && ');
}

function storedPacket(packet: CapturedPacket): FlowPacket {
  const head = packet.payload.length >= 2 ? `${hex(packet.payload[0]!)}:${hex(packet.payload[1]!)}` : null;
  return {
    frame: packet.frame,
    timestamp: packet.timestamp,
    ipVersion: packet.ipVersion,
    ipId: packet.ipId,
    transport: packet.transport,
    payload: packet.transport === 'udp' ? packet.payload.toString('base64') : '',
    head,
    tcp: packet.tcp === null ? null : { seq: packet.tcp.seq, flags: packet.tcp.flags, length: packet.payload.length },
  };
}

const hex = (octet: number): string => octet.toString(16).padStart(2, '0');

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
