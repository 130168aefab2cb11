/**
 * Evidence from imported captures: a device's DNS traffic in one or more pcap/pcapng files
 * turned into the same events a live run records (`lib/evidence/events.ts`), so the same
 * analysis and checks judge both. Files are pooled in time order under one phase named
 * `capture`. A corrupt file keeps what was read before the fault and makes the result
 * partial, with the file and byte offset in `problems`.
 */
import { basename } from 'node:path';
import { decodeMessage } from '../dns/codec.ts';
import { summariseEdns, summariseFlags, summariseQuestions, summariseRecords } from '../dns/summarise.ts';
import { Evidence } from '../evidence/evidence.ts';
import type { EvidenceEvent, MalformedEvent, Microseconds, PhaseEvent, QueryEvent, ResponseEvent, RunEvent } from '../evidence/events.ts';
import { CaptureFormatError } from './capture-format-error.ts';
import type { ClassifyOptions } from './classify.ts';
import { DnsExtractor } from './dns-extract.ts';
import type { DeviceSelector, ExtractedDnsMessage, ExtractionSummary } from './dns-extract.ts';
import { newPacketCounters, readPacketBatches } from './packets.ts';
import type { PacketCounters } from './packets.ts';

/** The phase (and scenario) name of evidence imported from captures. */
export const CAPTURE_PHASE = 'capture';

/** Where in a capture an event's message was. */
export interface CaptureRef {
  file: string;
  /** Frame number in that file (Wireshark's numbering, from 1). */
  frame: number;
}

/**
 * Events read from a capture carry where they came from. `events.ts` has no such field yet
 * (`capture?: CaptureRef` is proposed for its DNS events); until then it rides along.
 */
export type CapturedQueryEvent = QueryEvent & { capture: CaptureRef };
export type CapturedResponseEvent = ResponseEvent & { capture: CaptureRef };
export type CapturedMalformedEvent = MalformedEvent & { capture: CaptureRef };

/** The device the evidence is about. */
export interface CaptureDevice extends DeviceSelector {
  /** The DUT id events carry in `dut`. */
  id: string;
}

/** Options of {@link evidenceFromCaptures}. */
export interface CaptureEvidenceOptions {
  /** Public resolver and DoH lists for flow classification. */
  classify?: ClassifyOptions;
  /** Read-window size (tests use small ones). */
  chunkBytes?: number;
  /** `runId` of the run markers; defaults to `capture-<device id>`. */
  runId?: string;
}

/** Per-file reading outcome. */
export interface CaptureFileSummary {
  file: string;
  /** Frames read (all of them, up to a fault). */
  frames: number;
  /** DNS messages between the device and resolvers. */
  dnsMessages: number;
  /** First and last frame time, µs; null for a file without frames. */
  first: Microseconds | null;
  last: Microseconds | null;
  /** The fault that ended reading early, if any. */
  error: CaptureFormatError | null;
}

/** Evidence with what reading the captures found besides DNS messages. */
export interface CaptureEvidence {
  evidence: Evidence;
  /** True when a file could not be read to its end. */
  partial: boolean;
  /** Faults and caveats, each naming its file. */
  problems: string[];
  files: CaptureFileSummary[];
  /** mDNS/LLMNR counts, encrypted-DNS contacts, and what could not be followed. */
  observations: ExtractionSummary;
  /** Packet counters pooled over all files. */
  counters: PacketCounters;
}

/** A message waiting for its place in time order. */
interface Pending {
  message: ExtractedDnsMessage;
  fileIndex: number;
  order: number;
}

/** Key pairing a response with its query: endpoints, TXID and question (case-folded: 0x20 echoes). */
function pairingKey(m: ExtractedDnsMessage, txid: number, question: string): string {
  return `${m.transport}|${m.client.address}|${m.client.port}|${m.server.address}|${m.server.port}|${txid}|${question}`;
}

/** Reads the captures and builds the device's evidence. */
export async function evidenceFromCaptures(
  files: readonly string[],
  device: CaptureDevice,
  options: CaptureEvidenceOptions = {},
): Promise<CaptureEvidence> {
  const extractor = new DnsExtractor(device, options.classify);
  const counters = newPacketCounters();
  const pending: Pending[] = [];
  const summaries: CaptureFileSummary[] = [];
  const problems: string[] = [];
  for (const [fileIndex, file] of files.entries()) {
    const summary: CaptureFileSummary = { file, frames: 0, dnsMessages: 0, first: null, last: null, error: null };
    summaries.push(summary);
    const framesBefore = counters.frames;
    try {
      for await (const packets of readPacketBatches(file, { counters, chunkBytes: options.chunkBytes })) {
        for (const packet of packets) {
          if (summary.first === null || packet.timestamp < summary.first) summary.first = packet.timestamp;
          if (summary.last === null || packet.timestamp > summary.last) summary.last = packet.timestamp;
          for (const message of extractor.push(packet)) {
            pending.push({ message, fileIndex, order: pending.length });
            summary.dnsMessages += 1;
          }
        }
      }
    } catch (error) {
      if (!(error instanceof CaptureFormatError)) throw error;
      summary.error = error;
      problems.push(`${error.message} (kept the ${counters.frames - framesBefore} frames before it)`);
    }
    summary.frames = counters.frames - framesBefore;
  }
  const observations = extractor.summary();
  if (observations.framesWithoutMac > 0) {
    problems.push(`${observations.framesWithoutMac} frames record no MAC address, so the device could only be recognised by IP${device.ip === undefined ? ' (none given: those frames were passed over)' : ''}`);
  }
  if (observations.incompleteMessages > 0) problems.push(`${observations.incompleteMessages} DNS datagrams were cut short (snap length or IP fragmentation)`);
  if (observations.lostTcpStreams > 0) problems.push(`${observations.lostTcpStreams} DNS-over-TCP streams had gaps that never filled (segments missing from the capture)`);
  pending.sort((a, b) => a.message.timestamp - b.message.timestamp || a.fileIndex - b.fileIndex || a.order - b.order);
  const events = buildEvents(pending, summaries, device.id, options.runId ?? `capture-${device.id}`);
  return { evidence: new Evidence(events), partial: summaries.some((s) => s.error !== null), problems, files: summaries, observations, counters };
}

/** Numbers the messages into events between run and phase markers. */
function buildEvents(pending: readonly Pending[], files: readonly CaptureFileSummary[], dut: string, runId: string): EvidenceEvent[] {
  const firsts = files.map((f) => f.first).filter((t): t is number => t !== null);
  const lasts = files.map((f) => f.last).filter((t): t is number => t !== null);
  const start = firsts.length > 0 ? Math.min(...firsts) : 0;
  const end = lasts.length > 0 ? Math.max(...lasts) : start;
  const events: EvidenceEvent[] = [];
  const push = <E extends EvidenceEvent>(event: Omit<E, 'seq'>): E => {
    const numbered = { ...event, seq: events.length + 1 } as E;
    events.push(numbered);
    return numbered;
  };
  const names = files.map((f) => basename(f.file)).join(', ');
  push<RunEvent>({ type: 'run.start', t: start, dut, phase: null, runId });
  push<PhaseEvent>({ type: 'phase.start', t: start, dut, phase: CAPTURE_PHASE, name: CAPTURE_PHASE, scenario: CAPTURE_PHASE });
  // Queries awaiting a response, oldest first, by pairing key; answered ones stay for duplicate responses.
  const open = new Map<string, { seq: number; answered: boolean }[]>();
  for (const { message } of pending) {
    const capture: CaptureRef = { file: message.file, frame: message.frame };
    const common = { t: message.timestamp, dut, phase: CAPTURE_PHASE, transport: message.transport, client: message.client, server: message.server };
    const decoded = decodeMessage(message.bytes);
    if (!decoded.ok) {
      // Only what the device sent is its behaviour; garbage from a resolver is not judged here.
      if (message.fromDevice) {
        push<CapturedMalformedEvent>({ type: 'dns.malformed', ...common, size: message.bytes.length, error: decoded.error, answered: false, wire: message.bytes.toString('base64'), capture });
      }
      continue;
    }
    const m = decoded.message;
    const txid = m.id ?? 0;
    const question = summariseQuestions(m).map((q) => `${q.name.toLowerCase()}/${q.type}/${q.class}`).join(',');
    const fields = {
      ...common, txid, flags: summariseFlags(m), questions: summariseQuestions(m), edns: summariseEdns(m),
      size: message.bytes.length, wire: message.bytes.toString('base64'), capture,
    };
    const key = pairingKey(message, txid, question);
    if (message.fromDevice && !m.flag_qr) {
      const query = push<CapturedQueryEvent>({ type: 'dns.query', ...fields, scenario: CAPTURE_PHASE });
      const list = open.get(key) ?? [];
      list.push({ seq: query.seq, answered: false });
      open.set(key, list);
    } else if (!message.fromDevice && m.flag_qr) {
      const candidates = open.get(key);
      if (candidates === undefined) continue;
      const target = candidates.find((c) => !c.answered) ?? candidates.at(-1)!;
      target.answered = true;
      push<CapturedResponseEvent>({
        type: 'dns.response', ...fields, queryRef: target.seq,
        answers: summariseRecords(m.answers), authority: summariseRecords(m.authorities), additional: summariseRecords(m.additionals),
        scenario: CAPTURE_PHASE, manipulations: [], reason: null,
      });
    }
  }
  push<PhaseEvent>({ type: 'phase.end', t: end, dut, phase: CAPTURE_PHASE, name: CAPTURE_PHASE, scenario: CAPTURE_PHASE, reason: `end of capture (${names})` });
  push<RunEvent>({ type: 'run.end', t: end, dut, phase: null, runId, reason: 'end of capture' });
  return events;
}
