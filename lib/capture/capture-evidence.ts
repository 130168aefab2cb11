/**
 * Evidence from imported captures: a device's DNS traffic in one or more pcap/pcapng files
 * turned into the same events a live run records (`lib/evidence/events.ts`), so the same
 * analysis and checks judge both. Files are pooled in time order under one phase named
 * `capture`. A corrupt file keeps what was read before the fault and makes the result
 * partial, with the file and byte offset in `problems`.
 */
import { basename } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { summariseWire } from '../dns/wire-summary.ts';
import { Evidence } from '../evidence/evidence.ts';
import type {
  EvidenceEvent,
  MalformedEvent,
  Microseconds,
  PhaseEvent,
  QueryEvent,
  ResponseEvent,
  RunEvent,
} from '../evidence/events.ts';
import { CaptureFormatError } from './capture-format-error.ts';
import type { ClassifyOptions } from './classify.ts';
import { DnsExtractor } from './dns-extract.ts';
import type { DeviceSelector, ExtractedDnsMessage, ExtractionSummary } from './dns-extract.ts';
import { MessageSorter } from './message-sort.ts';
import { NumberTable } from './number-table.ts';
import { readFrameBlocks } from './file-formats.ts';
import { FrameLayers, newPacketCounters } from './packets.ts';
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

/** What reading the captures found, with the device's events still to be built (in time order, from disk when large). */
export interface CaptureRead extends Omit<CaptureEvidence, 'evidence'> {
  /** DNS messages between the device and resolvers that were read. */
  messages: number;
  /** Sorted runs the messages were spilled to on disk (0 when they fitted in memory). */
  spilledRuns: number;
  /**
   * The device's events, numbered from 1, between run and phase markers: built one at a
   * time, so a caller that writes them away holds none of them. Iterate once.
   */
  events(): Generator<EvidenceEvent>;
  /** Removes the temporary files of the sort (also done when `events()` ends). */
  close(): void;
}

/** Options of {@link readCaptures}. */
export interface ReadCapturesOptions extends CaptureEvidenceOptions {
  /** Packed message bytes held in memory before a sorted run goes to disk (see message-sort.ts). */
  sortChunkBytes?: number;
  /** Where sorted runs go (default: the system temp directory). */
  sortTempDir?: string;
}

/**
 * What reading the captures found, before the events are built: the device's DNS messages
 * are in the sort, the rest is counted. (`background-read.ts` carries it from a worker.)
 */
export interface CaptureMessages {
  files: CaptureFileSummary[];
  /** Files that could not be read to their end. */
  problems: string[];
  observations: ExtractionSummary;
  counters: PacketCounters;
  /** The device's DNS messages, to be taken back in time order. */
  sorter: MessageSorter;
}

/**
 * Reads the captures: counters, summaries and problems at once; the device's DNS messages
 * sorted by time (spilled to a temporary file when large), turned into events by
 * {@link CaptureRead.events}.
 */
export async function readCaptures(
  files: readonly string[],
  device: CaptureDevice,
  options: ReadCapturesOptions = {},
): Promise<CaptureRead> {
  return captureRead(await readCaptureMessages(files, device, options), device, options);
}

/** Reads the captures into a {@link MessageSorter}, counting everything else (the reading half of {@link readCaptures}). */
export async function readCaptureMessages(
  files: readonly string[],
  device: CaptureDevice,
  options: ReadCapturesOptions = {},
): Promise<CaptureMessages> {
  // The sorter copies each message into its own buffer at once: the extractor need not copy it first.
  const extractor = new DnsExtractor(device, options.classify, { copyPayloads: false });
  const counters = newPacketCounters();
  const layers = new FrameLayers();
  const sorter = new MessageSorter({
    ...(options.sortChunkBytes === undefined ? {} : { chunkBytes: options.sortChunkBytes }),
    ...(options.sortTempDir === undefined ? {} : { tempDir: options.sortTempDir }),
  });
  const summaries: CaptureFileSummary[] = [];
  const problems: string[] = [];
  try {
    for (const file of files) {
      const summary: CaptureFileSummary = { file, frames: 0, dnsMessages: 0, first: null, last: null, error: null };
      summaries.push(summary);
      const framesBefore = counters.frames;
      try {
        // Every frame is read and counted in place; a packet is made only of those the extractor
        // may take. Nothing keeps a view of a window (the extractor's TCP streams and the sorter
        // copy what they keep), so the reader can fill its two windows in turn.
        let blocks = 0;
        for await (const block of readFrameBlocks(file, { chunkBytes: options.chunkBytes, recycleWindows: true })) {
          // Reads are synchronous: every 64 windows (16 MB), the event loop gets a turn for what
          // else the process does meanwhile (a hashing worker's messages, a browser starting).
          blocks += 1;
          if (blocks % 64 === 0) await setImmediate();
          for (let i = 0; i < block.count; i += 1) {
            if (!layers.read(block, i, counters)) continue;
            const timestamp = block.timestamp[i]!;
            if (summary.first === null || timestamp < summary.first) summary.first = timestamp;
            if (summary.last === null || timestamp > summary.last) summary.last = timestamp;
            if (!extractor.concerns(block.buffer, layers.link, layers.ip, layers.transport)) continue;
            for (const message of extractor.push(layers.packet(file, block, i))) {
              sorter.push(message);
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
  } catch (error) {
    sorter.close();
    throw error;
  }
  return { files: summaries, problems, observations: extractor.summary(), counters, sorter };
}

/** The {@link CaptureRead} of what reading found: its caveats stated, its events built from the sort on demand. */
export function captureRead(
  read: CaptureMessages,
  device: CaptureDevice,
  options: Pick<ReadCapturesOptions, 'runId'> = {},
): CaptureRead {
  const { files: summaries, observations, counters, sorter } = read;
  const problems = [...read.problems];
  if (observations.framesWithoutMac > 0) {
    problems.push(
      `${observations.framesWithoutMac} frames record no MAC address, so the device could only be recognised by IP${device.ip === undefined ? ' (none given: those frames were passed over)' : ''}`,
    );
  }
  if (observations.incompleteMessages > 0)
    problems.push(`${observations.incompleteMessages} DNS datagrams were cut short (snap length or IP fragmentation)`);
  if (observations.lostTcpStreams > 0)
    problems.push(
      `${observations.lostTcpStreams} DNS-over-TCP streams had gaps that never filled (segments missing from the capture)`,
    );
  const runId = options.runId ?? `capture-${device.id}`;
  let started = false;
  return {
    partial: summaries.some((s) => s.error !== null),
    problems,
    files: summaries,
    observations,
    counters,
    messages: sorter.count,
    spilledRuns: sorter.spilledRuns,
    events() {
      if (started) throw new Error('the events of a capture read are built once');
      started = true;
      return buildEvents(sorter.sorted(), summaries, device.id, runId);
    },
    close: () => sorter.close(),
  };
}

/** Reads the captures and builds the device's evidence in memory ({@link readCaptures} streams it, for large captures). */
export async function evidenceFromCaptures(
  files: readonly string[],
  device: CaptureDevice,
  options: ReadCapturesOptions = {},
): Promise<CaptureEvidence> {
  const read = await readCaptures(files, device, options);
  try {
    const events = [...read.events()];
    return {
      evidence: new Evidence(events),
      partial: read.partial,
      problems: read.problems,
      files: read.files,
      observations: read.observations,
      counters: read.counters,
    };
  } finally {
    read.close();
  }
}

/** The queries asked under one pairing key: `seq * 2 + answered`, or a list of them, oldest first. */
type Asked = number | number[];

/** What {@link QueryPairing} keeps the asked queries in. */
interface AskedStore<K> {
  get(key: K): Asked | undefined;
  set(key: K, value: Asked): void;
}

/**
 * Pairs responses with their queries by endpoints, TXID and question (case-folded: 0x20
 * echoes). One entry stays for every query asked, so keys are packed small: interned route
 * and question, client port and TXID as one whole number in a typed table (as a string of
 * six UTF-16 code units in a map, when the ids are too large for that).
 */
class QueryPairing {
  private readonly routes = new Map<string, number>();
  private readonly questions = new Map<string, number>();
  private readonly table = new NumberTable();
  private readonly open = new Map<string, Asked>();

  private static id(map: Map<string, number>, key: string): number {
    let id = map.get(key);
    if (id === undefined) {
      id = map.size;
      map.set(key, id);
    }
    return id;
  }

  /** The route of the last message, and its id: most messages travel the same one. */
  private last: { transport: string; client: string; server: string; port: number; id: number } | null = null;

  private routeId(m: ExtractedDnsMessage): number {
    const last = this.last;
    if (
      last !== null &&
      last.transport === m.transport &&
      last.client === m.client.address &&
      last.server === m.server.address &&
      last.port === m.server.port
    )
      return last.id;
    const id = QueryPairing.id(this.routes, `${m.transport}|${m.client.address}|${m.server.address}|${m.server.port}`);
    this.last = { transport: m.transport, client: m.client.address, server: m.server.address, port: m.server.port, id };
    return id;
  }

  /** Records a query. */
  ask(m: ExtractedDnsMessage, txid: number, question: string, seq: number): void {
    const route = this.routeId(m);
    const q = QueryPairing.id(this.questions, question);
    if (route < 1024 && q < 2048)
      QueryPairing.askIn(this.table, ((route * 2048 + q) * 65536 + m.client.port) * 65536 + txid, seq);
    else
      QueryPairing.askIn(
        this.open,
        String.fromCharCode(route & 0xffff, route >>> 16, m.client.port, txid, q & 0xffff, q >>> 16),
        seq,
      );
  }

  /** The seq of the query a response answers: the oldest unanswered one with its key, else the last one; undefined when none was asked. */
  answer(m: ExtractedDnsMessage, txid: number, question: string): number | undefined {
    const route = this.routeId(m);
    const q = QueryPairing.id(this.questions, question);
    if (route < 1024 && q < 2048)
      return QueryPairing.answerIn(this.table, ((route * 2048 + q) * 65536 + m.client.port) * 65536 + txid);
    return QueryPairing.answerIn(
      this.open,
      String.fromCharCode(route & 0xffff, route >>> 16, m.client.port, txid, q & 0xffff, q >>> 16),
    );
  }

  private static askIn<K>(store: AskedStore<K>, key: K, seq: number): void {
    const known = store.get(key);
    if (known === undefined) store.set(key, seq * 2);
    else if (typeof known === 'number') store.set(key, [known, seq * 2]);
    else known.push(seq * 2);
  }

  private static answerIn<K>(store: AskedStore<K>, key: K): number | undefined {
    const known = store.get(key);
    if (known === undefined) return undefined;
    if (typeof known === 'number') {
      store.set(key, known - (known % 2) + 1);
      return Math.floor(known / 2);
    }
    const unanswered = known.findIndex((c) => c % 2 === 0);
    const target = unanswered === -1 ? known.length - 1 : unanswered;
    const value = known[target]!;
    known[target] = value - (value % 2) + 1;
    return Math.floor(value / 2);
  }
}

/** Numbers the messages into events between run and phase markers, one at a time. */
function* buildEvents(
  messages: Iterable<ExtractedDnsMessage>,
  files: readonly CaptureFileSummary[],
  dut: string,
  runId: string,
): Generator<EvidenceEvent> {
  const firsts = files.map((f) => f.first).filter((t): t is number => t !== null);
  const lasts = files.map((f) => f.last).filter((t): t is number => t !== null);
  const start = firsts.length > 0 ? Math.min(...firsts) : 0;
  const end = lasts.length > 0 ? Math.max(...lasts) : start;
  let seq = 0;
  // Numbers the fresh event in place: `seq` comes last, as the log has always written it.
  const numbered = <E extends EvidenceEvent>(event: Omit<E, 'seq'>): E => {
    seq += 1;
    (event as E).seq = seq;
    return event as E;
  };
  const names = files.map((f) => basename(f.file)).join(', ');
  yield numbered<RunEvent>({ type: 'run.start', t: start, dut, phase: null, runId });
  yield numbered<PhaseEvent>({
    type: 'phase.start',
    t: start,
    dut,
    phase: CAPTURE_PHASE,
    name: CAPTURE_PHASE,
    scenario: CAPTURE_PHASE,
  });
  // Queries awaiting a response; answered ones stay for duplicate responses.
  const pairing = new QueryPairing();
  for (const message of messages) {
    const capture: CaptureRef = { file: message.file, frame: message.frame };
    // Each event's fields written out in the order the log has always had (type, t, dut,
    // phase, transport, client, server, ...), not spread from a common part: a spread cost
    // microseconds an event.
    const t = message.timestamp;
    const { transport, client, server } = message;
    const decoded = summariseWire(message.bytes);
    if (!decoded.ok) {
      // Only what the device sent is its behaviour; garbage from a resolver is not judged here.
      if (message.fromDevice) {
        yield numbered<CapturedMalformedEvent>({
          type: 'dns.malformed',
          t,
          dut,
          phase: CAPTURE_PHASE,
          transport,
          client,
          server,
          size: message.bytes.length,
          error: decoded.error,
          answered: false,
          wire: message.bytes.toString('base64'),
          capture,
        });
      }
      continue;
    }
    const m = decoded.summary;
    const txid = m.id;
    const { questions } = m;
    const question = questions.map((q) => `${q.name.toLowerCase()}/${q.type}/${q.class}`).join(',');
    if (message.fromDevice && !m.flags.qr) {
      const query = numbered<CapturedQueryEvent>({
        type: 'dns.query',
        t,
        dut,
        phase: CAPTURE_PHASE,
        transport,
        client,
        server,
        txid,
        flags: m.flags,
        questions,
        edns: m.edns,
        size: message.bytes.length,
        wire: message.bytes.toString('base64'),
        capture,
        scenario: CAPTURE_PHASE,
      });
      pairing.ask(message, txid, question, query.seq);
      yield query;
    } else if (!message.fromDevice && m.flags.qr) {
      const queryRef = pairing.answer(message, txid, question);
      if (queryRef === undefined) continue;
      yield numbered<CapturedResponseEvent>({
        type: 'dns.response',
        t,
        dut,
        phase: CAPTURE_PHASE,
        transport,
        client,
        server,
        txid,
        flags: m.flags,
        questions,
        edns: m.edns,
        size: message.bytes.length,
        wire: message.bytes.toString('base64'),
        capture,
        queryRef,
        answers: m.answers,
        authority: m.authority,
        additional: m.additional,
        scenario: CAPTURE_PHASE,
        manipulations: [],
        reason: null,
      });
    }
  }
  yield numbered<PhaseEvent>({
    type: 'phase.end',
    t: end,
    dut,
    phase: CAPTURE_PHASE,
    name: CAPTURE_PHASE,
    scenario: CAPTURE_PHASE,
    reason: `end of capture (${names})`,
  });
  yield numbered<RunEvent>({ type: 'run.end', t: end, dut, phase: null, runId, reason: 'end of capture' });
}
