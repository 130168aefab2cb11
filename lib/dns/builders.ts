/**
 * Message builders for everything the harness sends. Each one produces a `Packet` that
 * dns-packet encodes; `builders.spec.ts` holds every builder to the round-trip property
 * (encode → decode → re-encode gives the same bytes).
 */
import type { Answer, Packet, Question } from 'dns-packet';
import { FLAG, RCODE } from './codec.ts';
import type { RcodeName } from './codec.ts';

/** Header bits a builder may set; QR and the RCODE are set from the builder's own arguments. */
export interface HeaderBits {
  aa?: boolean;
  tc?: boolean;
  rd?: boolean;
  ra?: boolean;
  ad?: boolean;
  cd?: boolean;
}

/** An OPT record to attach (RFC 6891 §6.1.2). */
export interface EdnsParameters {
  udpSize: number;
  do?: boolean;
  /** Raw options (code + data). */
  options?: { code: number; data: Buffer }[];
}

/** The 16-bit flags word without QR (dns-packet sets QR from `type`). */
export function flagsWord(bits: HeaderBits, rcode: RcodeName = 'NOERROR'): number {
  let flags = RCODE[rcode];
  if (bits.aa) flags |= FLAG.AA;
  if (bits.tc) flags |= FLAG.TC;
  if (bits.rd) flags |= FLAG.RD;
  if (bits.ra) flags |= FLAG.RA;
  if (bits.ad) flags |= FLAG.AD;
  if (bits.cd) flags |= FLAG.CD;
  return flags;
}

/** An OPT pseudo-record in dns-packet's form. */
export function optRecord(edns: EdnsParameters): Answer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize: edns.udpSize,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: edns.do ? 0x8000 : 0,
    flag_do: edns.do ?? false,
    options: (edns.options ?? []).map((o) => ({ code: o.code, data: o.data })),
  } as unknown as Answer;
}

/** A standard query (opcode QUERY) for one question. */
export function buildQuery(query: {
  id: number;
  name: string;
  type: Question['type'];
  rd?: boolean;
  cd?: boolean;
  edns?: EdnsParameters;
}): Packet {
  return {
    type: 'query',
    id: query.id,
    flags: flagsWord({ rd: query.rd ?? true, cd: query.cd ?? false }),
    questions: [{ name: query.name, type: query.type, class: 'IN' }],
    answers: [],
    authorities: [],
    additionals: query.edns ? [optRecord(query.edns)] : [],
  };
}

/** A response to `questions` with transaction ID `id`. */
export function buildResponse(response: {
  id: number;
  questions: Question[];
  rcode: RcodeName;
  bits: HeaderBits;
  answers?: Answer[];
  authorities?: Answer[];
  additionals?: Answer[];
  edns?: EdnsParameters;
}): Packet {
  return {
    type: 'response',
    id: response.id,
    flags: flagsWord(response.bits, response.rcode),
    questions: response.questions,
    answers: response.answers ?? [],
    authorities: response.authorities ?? [],
    additionals: [...(response.additionals ?? []), ...(response.edns ? [optRecord(response.edns)] : [])],
  };
}

/**
 * What a server sends when the full answer does not fit the client's UDP limit:
 * header and question only, TC=1 (RFC 1035 §4.2.1, RFC 6891 §7), so the client retries over TCP.
 */
export function buildTruncated(full: Packet): Packet {
  const opt = (full.additionals ?? []).filter((rr) => rr.type === 'OPT');
  return { ...full, flags: (full.flags ?? 0) | FLAG.TC, answers: [], authorities: [], additionals: opt };
}
