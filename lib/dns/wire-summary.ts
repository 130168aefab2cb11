/**
 * A DNS message as evidence events record it (flags, questions, EDNS, records in
 * presentation form: `summarise.ts`'s vocabulary), decoded from the wire.
 *
 * Hand-written because no library decodes straight into that vocabulary: dns-packet builds
 * a full object of every message (with a Buffer per record and an error object per
 * failure), which then has to be summarised; for an imported capture of 177 000 messages
 * that was half the cost of turning them into events. The fast path here reads only the
 * shapes devices send and resolvers answer every day (names, A, AAAA, NS, CNAME and PTR
 * records, an OPT record with plain options) and says null for anything else, which then
 * goes through dns-packet as before: the result is always the one dns-packet and
 * `summarise.ts` give (the spec holds the two together on every message of the shared
 * captures and on damaged ones), including its names (labels as UTF-8, joined by dots).
 */
import { createRequire } from 'node:module';
import type { DnsFlags, DnsQuestion, EdnsOptionSummary, EdnsSummary, RecordSummary } from '../evidence/events.ts';
import { decodeMessage, HEADER_BYTES, impossibleCounts } from './codec.ts';
import {
  EDNS_OPTION_NAMES,
  summariseEdns,
  summariseFlags,
  summariseQuestions,
  summariseRecords,
  typeName,
} from './summarise.ts';

/** dns-packet's own names of types, classes, opcodes and RCODEs (its modules have no typings of their own). */
const load = createRequire(import.meta.url);
const names = (module: string) => load(`dns-packet/${module}`) as { toString(value: number): string };
const TYPES = names('types.js');
const CLASSES = names('classes.js');
const OPCODES = names('opcodes.js');
const RCODES = names('rcodes.js');
const AAAA_RECORD = (load('dns-packet') as { aaaa: { decode(buf: Buffer, offset: number): string } }).aaaa;

/** The summarised parts of a message. */
export interface MessageSummary {
  id: number;
  flags: DnsFlags;
  questions: DnsQuestion[];
  edns: EdnsSummary | null;
  answers: RecordSummary[];
  authority: RecordSummary[];
  additional: RecordSummary[];
}

/** A summary, or why the bytes are not a DNS message (dns-packet's words). */
export type SummaryResult = { ok: true; summary: MessageSummary } | { ok: false; error: string };

/** Record types the fast path presents: A, NS, CNAME, PTR, AAAA (and OPT, summarised as EDNS). */
const A = 1;
const NS = 2;
const CNAME = 5;
const PTR = 12;
const AAAA = 28;
const OPT = 41;
/** EDNS options dns-packet decodes further (ECS, TCP keepalive, key tags): taken through it. */
const DECODED_OPTIONS = new Set([8, 11, 14]);

/** Memoised names of small codes. */
function memo(toString: (value: number) => string, size: number): (value: number) => string {
  const cache: string[] = [];
  return (value) => (value < size ? (cache[value] ??= toString(value)) : toString(value));
}
const typeOf = memo((t) => typeName(TYPES.toString(t)), 256);
const classOf = memo((c) => CLASSES.toString(c), 256);
const opcodeOf = memo((o) => OPCODES.toString(o), 16);
const rcodeOf = memo((r) => RCODES.toString(r), 16);

/** A name as read from where it starts: its text, its octets as dns-packet counts them, and where its own bytes end. */
interface ReadName {
  name: string;
  total: number;
  end: number;
}

/**
 * The question name of the last message whose name had no pointer, with its wire bytes:
 * consecutive messages mostly ask about the same name, and bytes compare faster than labels
 * decode.
 */
let lastQuestion: { wire: Buffer; read: ReadName } | null = null;

/** Reads the message; every method returns null where dns-packet would do anything but the plain thing. */
class WireReader {
  /** Where the last name read ended (the next field), as dns-packet counts it. */
  next = 0;
  /** Names read in this message by where they start: a pointer to one reads it once. */
  private readonly names = new Map<number, ReadName>();

  constructor(private readonly bytes: Buffer) {}

  u16(at: number): number {
    return (this.bytes[at]! << 8) | this.bytes[at + 1]!;
  }

  /**
   * The name at `at` as dns-packet decodes it, with {@link next} after it; null when
   * dns-packet would throw (past the end, a pointer not backwards, over 254 octets, a bad label).
   */
  name(at: number): string | null {
    const read = this.read(at);
    if (read === null) return null;
    this.next = read.end;
    return read.name;
  }

  /** The question name at the header's end, from the last message's when the bytes are the same. */
  questionName(at: number): string | null {
    const last = lastQuestion;
    const b = this.bytes;
    if (
      last !== null &&
      b.length >= at + last.wire.length &&
      b.compare(last.wire, 0, last.wire.length, at, at + last.wire.length) === 0
    ) {
      this.names.set(at, last.read);
      this.next = last.read.end;
      return last.read.name;
    }
    const name = this.name(at);
    const read = this.names.get(at);
    // Only a name without a pointer stands alone (a pointer reads this message's bytes).
    if (read !== undefined && b[read.end - 1] === 0)
      lastQuestion = { wire: Buffer.from(b.subarray(at, read.end)), read };
    return name;
  }

  /**
   * The name starting at `start`, read as dns-packet reads a name from there (a pointer must
   * go back before `start`, the labels after it follow as read from its target).
   */
  private read(start: number): ReadName | null {
    const known = this.names.get(start);
    if (known !== undefined) return known;
    const b = this.bytes;
    let name = '';
    let labels = 0;
    let total = 0;
    let at = start;
    let suffix: ReadName | null = null;
    for (;;) {
      if (at >= b.length) return null;
      const len = b[at]!;
      at += 1;
      if (len === 0) break;
      if ((len & 0xc0) === 0) {
        if (at + len > b.length) return null;
        total += len + 1;
        if (total > 254) return null;
        const label = b.toString('utf8', at, at + len);
        name = labels === 0 ? label : `${name}.${label}`;
        labels += 1;
        at += len;
      } else if ((len & 0xc0) === 0xc0) {
        if (at + 1 > b.length) return null;
        const target = ((len & 0x3f) << 8) | b[at]!;
        if (target >= start) return null;
        at += 1;
        suffix = this.read(target);
        if (suffix === null) return null;
        break;
      } else return null;
    }
    // The labels after a pointer are its target's (none when it is the root).
    if (suffix !== null && suffix.total > 0) {
      total += suffix.total;
      if (total > 254) return null;
      name = labels === 0 ? suffix.name : `${name}.${suffix.name}`;
      labels += 1;
    }
    const read = { name: labels === 0 ? '.' : name, total, end: at };
    this.names.set(start, read);
    return read;
  }

  /** A record's data in presentation form, for the types of the fast path with RDLENGTH as they need; null otherwise. */
  data(type: number, at: number, length: number): string | null {
    const b = this.bytes;
    if (type === A) return length === 4 ? `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}` : null;
    // dns-packet's own AAAA decoder (its text for an IPv6 address: the first run of zero groups as ::).
    if (type === AAAA) return length === 16 ? AAAA_RECORD.decode(b, at - 2) : null;
    if (type === CNAME || type === NS || type === PTR) {
      const target = this.name(at);
      return target !== null && this.next === at + length ? target : null;
    }
    return null;
  }
}

/**
 * The summary of `bytes` read directly, or null when the message takes dns-packet: damaged,
 * or holding a record type or EDNS option outside the fast path.
 */
export function fastSummary(bytes: Buffer): MessageSummary | null {
  if (bytes.length < HEADER_BYTES || impossibleCounts(bytes) !== null) return null;
  try {
    return readSummary(bytes);
  } catch {
    // A chain of pointers deep enough to exhaust the stack: dns-packet reads it in a loop.
    return null;
  }
}

function readSummary(bytes: Buffer): MessageSummary | null {
  const r = new WireReader(bytes);
  const bits = r.u16(2);
  const counts = [r.u16(4), r.u16(6), r.u16(8), r.u16(10)] as const;
  let at = HEADER_BYTES;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < counts[0]; i += 1) {
    const name = i === 0 ? r.questionName(at) : r.name(at);
    if (name === null || r.next + 4 > bytes.length) return null;
    at = r.next;
    questions.push({ name, type: typeOf(r.u16(at)), class: classOf(r.u16(at + 2)) });
    at += 4;
  }
  const sections: RecordSummary[][] = [[], [], []];
  let edns: EdnsSummary | null = null;
  for (let s = 0; s < 3; s += 1) {
    for (let i = 0; i < counts[s + 1]!; i += 1) {
      const name = r.name(at);
      if (name === null || r.next + 10 > bytes.length) return null;
      at = r.next;
      const type = r.u16(at);
      const length = r.u16(at + 8);
      const rdata = at + 10;
      if (rdata + length > bytes.length) return null;
      if (type === OPT) {
        const options: EdnsOptionSummary[] = [];
        let o = rdata;
        while (o < rdata + length) {
          if (o + 4 > rdata + length) return null;
          const code = r.u16(o);
          const optionLength = r.u16(o + 2);
          if (DECODED_OPTIONS.has(code) || o + 4 + optionLength > rdata + length) return null;
          options.push({ code, name: EDNS_OPTION_NAMES[code] ?? null, length: optionLength });
          o += 4 + optionLength;
        }
        // The first OPT record of the additional section is the message's EDNS (findOpt); OPT records are never listed as records.
        if (s === 2)
          edns ??= {
            udpSize: r.u16(at + 2),
            version: bytes[at + 5]!,
            do: (bytes[at + 6]! & 0x80) !== 0,
            extendedRcode: bytes[at + 4]!,
            options,
          };
      } else {
        const data = r.data(type, rdata, length);
        if (data === null) return null;
        sections[s]!.push({
          name,
          type: typeOf(type),
          class: classOf(r.u16(at + 2) & 0x7fff),
          ttl: bytes.readUInt32BE(at + 4),
          data,
        });
      }
      at = rdata + length;
    }
  }
  // dns-packet takes a message only when nothing follows it (decodeMessage).
  if (at !== bytes.length) return null;
  return {
    id: r.u16(0),
    flags: {
      qr: (bits & 0x8000) !== 0,
      opcode: opcodeOf((bits >> 11) & 0xf),
      aa: (bits & 0x400) !== 0,
      tc: (bits & 0x200) !== 0,
      rd: (bits & 0x100) !== 0,
      ra: (bits & 0x80) !== 0,
      z: (bits & 0x40) !== 0,
      ad: (bits & 0x20) !== 0,
      cd: (bits & 0x10) !== 0,
      rcode: rcodeOf(bits & 0xf),
    },
    questions,
    edns,
    answers: sections[0]!,
    authority: sections[1]!,
    additional: sections[2]!,
  };
}

/** The summary through dns-packet and `summarise.ts` (every message, whatever its shape). */
export function packetSummary(bytes: Buffer): SummaryResult {
  const decoded = decodeMessage(bytes);
  if (!decoded.ok) return { ok: false, error: decoded.error };
  const m = decoded.message;
  return {
    ok: true,
    summary: {
      id: m.id ?? 0,
      flags: summariseFlags(m),
      questions: summariseQuestions(m),
      edns: summariseEdns(m),
      answers: summariseRecords(m.answers),
      authority: summariseRecords(m.authorities),
      additional: summariseRecords(m.additionals),
    },
  };
}

/** Decodes and summarises a message: the fast path where it applies, dns-packet for the rest. */
export function summariseWire(bytes: Buffer): SummaryResult {
  const summary = fastSummary(bytes);
  return summary === null ? packetSummary(bytes) : { ok: true, summary };
}
