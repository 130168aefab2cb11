/**
 * SVCB resource records (RFC 9460 §2.2, type 64) and their presentation form.
 *
 * Written by hand because dns-packet 5.6 does not know SVCB: it passes type 64 through as
 * `UNKNOWN_64` with raw RDATA, which is what {@link svcbAnswer} builds and
 * {@link decodeSvcb} reads. Keys handled: mandatory, alpn, no-default-alpn, port,
 * ipv4hint, ipv6hint (RFC 9460 §7) and dohpath (RFC 9461); any other key round-trips as
 * `keyNNNNN` with its raw value.
 */
import type { Answer } from 'dns-packet';
import { isIPv4, isIPv6 } from 'node:net';

/** The RR type code of SVCB. */
export const SVCB_TYPE = 64;
/** How dns-packet names type 64 in decoded messages and wants it for encoding. */
export const SVCB_PACKET_TYPE = 'UNKNOWN_64';

/** SvcParamKey codes (IANA "DNS SVCB Service Parameter Keys"). */
export const SVC_PARAM_KEY = {
  mandatory: 0,
  alpn: 1,
  'no-default-alpn': 2,
  port: 3,
  ipv4hint: 4,
  ech: 5,
  ipv6hint: 6,
  dohpath: 7,
} as const;

/** Decoded SvcParams; `other` keeps keys this module does not interpret, by code. */
export interface SvcParams {
  mandatory?: number[];
  alpn?: string[];
  noDefaultAlpn?: boolean;
  port?: number;
  ipv4hint?: string[];
  ipv6hint?: string[];
  /** URI template of the DoH endpoint relative to the target, e.g. `/dns-query{?dns}`. */
  dohpath?: string;
  other?: Map<number, Buffer>;
}

/** One SVCB record's RDATA. Priority 0 is AliasMode, anything else ServiceMode. */
export interface SvcbData {
  priority: number;
  /** Fully qualified, without the trailing dot (`.` for the root). */
  target: string;
  params: SvcParams;
}

/** RDATA that does not follow RFC 9460 §2.2, with the octet offset where it went wrong. */
export class SvcbFormatError extends Error {
  constructor(
    readonly offset: number,
    problem: string,
  ) {
    super(`SVCB RDATA at octet ${offset}: ${problem}`);
    this.name = 'SvcbFormatError';
  }
}

/** Uncompressed wire form of a name (RFC 9460 §2.2: TargetName is never compressed; RFC 9463 ADNs likewise). */
export function encodeUncompressedName(name: string): Buffer {
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .filter((l) => l !== '');
  const parts: Buffer[] = [];
  for (const label of labels) {
    const bytes = Buffer.from(label, 'ascii');
    if (bytes.length > 63) throw new Error(`label "${label}" is longer than 63 octets`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function encodeAddresses(addresses: string[], family: 4 | 6): Buffer {
  return Buffer.concat(
    addresses.map((address) => {
      if (family === 4) {
        if (!isIPv4(address)) throw new Error(`ipv4hint "${address}" is not an IPv4 address`);
        return Buffer.from(address.split('.').map(Number));
      }
      if (!isIPv6(address)) throw new Error(`ipv6hint "${address}" is not an IPv6 address`);
      if (address.includes('.')) throw new Error(`ipv6hint "${address}": write embedded IPv4 in hex groups`);
      return ipv6Bytes(address);
    }),
  );
}

/** 16 octets of an IPv6 address (hex groups, `::` allowed; check it with isIPv6 first). */
export function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const middle = Array.from({ length: 8 - left.length - right.length }, () => '0');
  const all = address.includes('::') ? [...left, ...middle, ...right] : left;
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

/**
 * The SvcParams in wire order (keys strictly increasing, RFC 9460 §2.2): the tail of SVCB
 * RDATA, and the SvcParams field of the DNR options (RFC 9463 §3.1.5).
 */
export function encodeSvcParams(params: SvcParams): Buffer {
  const values = new Map<number, Buffer>(params.other ?? []);
  if (params.mandatory) {
    const v = Buffer.alloc(params.mandatory.length * 2);
    [...params.mandatory].sort((a, b) => a - b).forEach((key, i) => v.writeUInt16BE(key, i * 2));
    values.set(SVC_PARAM_KEY.mandatory, v);
  }
  if (params.alpn) {
    values.set(
      SVC_PARAM_KEY.alpn,
      Buffer.concat(
        params.alpn.map((id) => {
          const bytes = Buffer.from(id, 'utf8');
          if (bytes.length === 0 || bytes.length > 255) throw new Error(`alpn id "${id}" must be 1–255 octets`);
          return Buffer.concat([Buffer.from([bytes.length]), bytes]);
        }),
      ),
    );
  }
  if (params.noDefaultAlpn) values.set(SVC_PARAM_KEY['no-default-alpn'], Buffer.alloc(0));
  if (params.port !== undefined) {
    const v = Buffer.alloc(2);
    v.writeUInt16BE(params.port);
    values.set(SVC_PARAM_KEY.port, v);
  }
  if (params.ipv4hint) values.set(SVC_PARAM_KEY.ipv4hint, encodeAddresses(params.ipv4hint, 4));
  if (params.ipv6hint) values.set(SVC_PARAM_KEY.ipv6hint, encodeAddresses(params.ipv6hint, 6));
  if (params.dohpath !== undefined) values.set(SVC_PARAM_KEY.dohpath, Buffer.from(params.dohpath, 'utf8'));
  const parts: Buffer[] = [];
  for (const key of [...values.keys()].sort((a, b) => a - b)) {
    const value = values.get(key)!;
    const header = Buffer.alloc(4);
    header.writeUInt16BE(key, 0);
    header.writeUInt16BE(value.length, 2);
    parts.push(header, value);
  }
  return Buffer.concat(parts);
}

/** RDATA of one SVCB record. */
export function encodeSvcb(data: SvcbData): Buffer {
  const priority = Buffer.alloc(2);
  priority.writeUInt16BE(data.priority);
  return Buffer.concat([priority, encodeUncompressedName(data.target), encodeSvcParams(data.params)]);
}

/** Reads SVCB RDATA; throws {@link SvcbFormatError} naming the offset of the first problem. */
export function decodeSvcb(rdata: Buffer): SvcbData {
  if (rdata.length < 3) throw new SvcbFormatError(0, `${rdata.length} octets, too short for priority and target`);
  const priority = rdata.readUInt16BE(0);
  let offset = 2;
  const labels: string[] = [];
  for (;;) {
    if (offset >= rdata.length) throw new SvcbFormatError(offset, 'TargetName runs past the end');
    const length = rdata[offset]!;
    if (length === 0) {
      offset += 1;
      break;
    }
    if (length > 63)
      throw new SvcbFormatError(
        offset,
        `label length ${length} (compressed or reserved; TargetName must be uncompressed)`,
      );
    if (offset + 1 + length > rdata.length) throw new SvcbFormatError(offset, 'label runs past the end');
    labels.push(rdata.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += 1 + length;
  }
  const params = decodeSvcParams(rdata, offset);
  return { priority, target: labels.length === 0 ? '.' : labels.join('.'), params };
}

/**
 * Reads SvcParams from `offset` to the end of `bytes` (keys strictly increasing); errors
 * name the octet offset within `bytes`.
 */
export function decodeSvcParams(bytes: Buffer, offset = 0): SvcParams {
  const params: SvcParams = {};
  let previousKey = -1;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) throw new SvcbFormatError(offset, 'SvcParam header runs past the end');
    const key = bytes.readUInt16BE(offset);
    const length = bytes.readUInt16BE(offset + 2);
    if (key <= previousKey)
      throw new SvcbFormatError(offset, `SvcParamKey ${key} after ${previousKey}: keys must strictly increase`);
    previousKey = key;
    const start = offset + 4;
    if (start + length > bytes.length)
      throw new SvcbFormatError(offset, `SvcParam ${key} value of ${length} octets runs past the end`);
    decodeParam(key, bytes.subarray(start, start + length), start, params);
    offset = start + length;
  }
  return params;
}

function decodeParam(key: number, value: Buffer, at: number, params: SvcParams): void {
  const fixed = (size: number, what: string) => {
    if (value.length % size !== 0 || value.length === 0)
      throw new SvcbFormatError(at, `${what} of ${value.length} octets, expected a non-zero multiple of ${size}`);
  };
  switch (key) {
    case SVC_PARAM_KEY.mandatory:
      fixed(2, 'mandatory');
      params.mandatory = Array.from({ length: value.length / 2 }, (_, i) => value.readUInt16BE(i * 2));
      return;
    case SVC_PARAM_KEY.alpn: {
      const ids: string[] = [];
      for (let i = 0; i < value.length; ) {
        const length = value[i]!;
        if (length === 0 || i + 1 + length > value.length)
          throw new SvcbFormatError(at + i, 'alpn id length is zero or runs past the value');
        ids.push(value.subarray(i + 1, i + 1 + length).toString('utf8'));
        i += 1 + length;
      }
      params.alpn = ids;
      return;
    }
    case SVC_PARAM_KEY['no-default-alpn']:
      if (value.length !== 0) throw new SvcbFormatError(at, 'no-default-alpn must have an empty value');
      params.noDefaultAlpn = true;
      return;
    case SVC_PARAM_KEY.port:
      if (value.length !== 2) throw new SvcbFormatError(at, `port of ${value.length} octets, expected 2`);
      params.port = value.readUInt16BE(0);
      return;
    case SVC_PARAM_KEY.ipv4hint:
      fixed(4, 'ipv4hint');
      params.ipv4hint = Array.from({ length: value.length / 4 }, (_, i) =>
        [...value.subarray(i * 4, i * 4 + 4)].join('.'),
      );
      return;
    case SVC_PARAM_KEY.ipv6hint:
      fixed(16, 'ipv6hint');
      params.ipv6hint = Array.from({ length: value.length / 16 }, (_, i) =>
        presentIpv6(value.subarray(i * 16, i * 16 + 16)),
      );
      return;
    case SVC_PARAM_KEY.dohpath:
      params.dohpath = value.toString('utf8');
      return;
    default:
      params.other = new Map(params.other ?? []);
      params.other.set(key, Buffer.from(value));
  }
}

/** RFC 5952 text of 16 octets. */
export function presentIpv6(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  // RFC 5952 §4.2: the longest run of two or more zero groups becomes "::".
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j += 1;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  if (best.start < 0) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

/** Presentation form (RFC 9460 §2.1), e.g. `1 dns.example. alpn=dot port=853 ipv4hint=192.0.2.53`. */
export function presentSvcb(data: SvcbData): string {
  const p = data.params;
  const parts = [String(data.priority), data.target === '.' ? '.' : `${data.target}.`];
  if (p.mandatory) parts.push(`mandatory=${p.mandatory.map((k) => keyName(k)).join(',')}`);
  if (p.alpn) parts.push(`alpn=${p.alpn.join(',')}`);
  if (p.noDefaultAlpn) parts.push('no-default-alpn');
  if (p.port !== undefined) parts.push(`port=${p.port}`);
  if (p.ipv4hint) parts.push(`ipv4hint=${p.ipv4hint.join(',')}`);
  if (p.ipv6hint) parts.push(`ipv6hint=${p.ipv6hint.join(',')}`);
  if (p.dohpath !== undefined) parts.push(`dohpath=${p.dohpath}`);
  for (const [key, value] of [...(p.other ?? new Map<number, Buffer>())].sort(([a], [b]) => a - b))
    parts.push(`key${key}=\\# ${value.toString('hex')}`);
  return parts.join(' ');
}

function keyName(key: number): string {
  return Object.entries(SVC_PARAM_KEY).find(([, code]) => code === key)?.[0] ?? `key${key}`;
}

/** An SVCB record as dns-packet encodes it (raw RDATA under `UNKNOWN_64`). */
export function svcbAnswer(name: string, ttl: number, data: SvcbData): Answer {
  return { name, type: SVCB_PACKET_TYPE, class: 'IN', ttl, data: encodeSvcb(data) } as unknown as Answer;
}

/** Whether a decoded record or question type is SVCB. */
export function isSvcbType(type: string): boolean {
  return type === SVCB_PACKET_TYPE || type === 'SVCB';
}
