/**
 * Discovery of Network-designated Resolvers (DNR, RFC 9463): the DHCPv4 option 162 and
 * DHCPv6 option 144 payloads that name the harness's DoT/DoH endpoints with their
 * Authentication Domain Name (ADN). dnsmasq sends them as opaque hex options, so the
 * harness builds the bytes itself; no npm or Debian library encodes DNR. The SvcParams are
 * the project's SVCB codec's (lib/dns/svcb.ts), the ADN is an uncompressed wire name.
 *
 * DHCPv4 (RFC 9463 §5.1), one or more instances, each:
 *   DNR Instance Data Length (2) | Service Priority (2) | ADN Length (1) | ADN
 *   | Addr Length (1) | IPv4 Address(es) | Service Parameters (rest of the instance)
 * DHCPv6 (RFC 9463 §4.1), one instance per option:
 *   Service Priority (2) | ADN Length (2) | ADN | Addr Length (2) | IPv6 Address(es)
 *   | Service Parameters (rest of the option)
 * In ADN-only mode (no addresses) the Addr Length, addresses and SvcParams are absent.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { decodeSvcParams, encodeSvcParams, encodeUncompressedName, ipv6Bytes, presentIpv6 } from '../dns/svcb.ts';
import type { SvcParams } from '../dns/svcb.ts';

/** DHCPv4 option code of the Encrypted DNS option (IANA, RFC 9463 §7.2). */
export const DHCPV4_DNR_OPTION = 162;
/** DHCPv6 option code of the Encrypted DNS option (IANA, RFC 9463 §7.1). */
export const DHCPV6_DNR_OPTION = 144;

/** One encrypted resolver as DNR names it. */
export interface DnrInstance {
  /** Lower is preferred; 0 is reserved (RFC 9463 §3.1.1). */
  priority: number;
  /** Authentication Domain Name, without the trailing dot. */
  adn: string;
  /** Addresses to reach it; empty for ADN-only mode. */
  addresses: string[];
  /** `alpn` is mandatory outside ADN-only mode; `port`, `dohpath` as needed (RFC 9463 §3.1.5). */
  params: SvcParams;
}

/** Bytes that do not follow RFC 9463, with the octet offset where they went wrong. */
export class DnrFormatError extends Error {
  constructor(
    readonly offset: number,
    problem: string,
  ) {
    super(`DNR option at octet ${offset}: ${problem}`);
    this.name = 'DnrFormatError';
  }
}

function checkInstance(instance: DnrInstance, family: 4 | 6): void {
  if (!Number.isInteger(instance.priority) || instance.priority < 1 || instance.priority > 0xffff) {
    throw new Error(`DNR service priority ${instance.priority} is not 1–65535 (0 is reserved)`);
  }
  const valid = family === 4 ? isIPv4 : isIPv6;
  const wrong = instance.addresses.find((a) => !valid(a));
  if (wrong !== undefined) throw new Error(`DNR address "${wrong}" is not an IPv${family} address`);
  if (instance.addresses.length > 0 && !instance.params.alpn?.length)
    throw new Error('DNR needs the alpn SvcParam unless it is ADN-only');
  // RFC 9463 §3.1.5: the addresses supersede the hints.
  if (instance.params.ipv4hint || instance.params.ipv6hint)
    throw new Error('DNR SvcParams must not carry ipv4hint or ipv6hint');
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function uint16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

/** The body of one DHCPv4 DNR instance (everything after its Instance Data Length). */
function v4InstanceBody(instance: DnrInstance): Buffer {
  checkInstance(instance, 4);
  const adn = encodeUncompressedName(instance.adn);
  if (adn.length > 255) throw new Error(`DNR ADN "${instance.adn}" is ${adn.length} octets; DHCPv4 allows 255`);
  const parts = [uint16(instance.priority), Buffer.from([adn.length]), adn];
  if (instance.addresses.length > 0) {
    const addresses = Buffer.concat(instance.addresses.map(ipv4Bytes));
    if (addresses.length > 255) throw new Error('DNR: more IPv4 addresses than fit one instance');
    parts.push(Buffer.from([addresses.length]), addresses, encodeSvcParams(instance.params));
  }
  return Buffer.concat(parts);
}

/** The payload of DHCPv4 option 162 (without code and length) carrying `instances` in order. */
export function encodeDhcpv4Dnr(instances: readonly DnrInstance[]): Buffer {
  if (instances.length === 0) throw new Error('DNR needs at least one instance');
  return Buffer.concat(
    instances.map((instance) => {
      const body = v4InstanceBody(instance);
      if (body.length > 0xffff) throw new Error('DNR instance longer than 65535 octets');
      return Buffer.concat([uint16(body.length), body]);
    }),
  );
}

/** Reads an uncompressed wire name occupying exactly `bytes`. */
function decodeName(bytes: Buffer, at: number): string {
  const labels: string[] = [];
  let offset = 0;
  for (;;) {
    if (offset >= bytes.length) throw new DnrFormatError(at + offset, 'ADN runs past its length');
    const length = bytes[offset]!;
    if (length === 0) {
      if (offset + 1 !== bytes.length) throw new DnrFormatError(at + offset, "octets after the ADN's root label");
      break;
    }
    if (length > 63)
      throw new DnrFormatError(
        at + offset,
        `label length ${length} (compressed or reserved; the ADN must be uncompressed)`,
      );
    if (offset + 1 + length > bytes.length) throw new DnrFormatError(at + offset, 'ADN label runs past its length');
    labels.push(bytes.subarray(offset + 1, offset + 1 + length).toString('ascii'));
    offset += 1 + length;
  }
  if (labels.length === 0) throw new DnrFormatError(at, 'the ADN is the root; RFC 9463 needs a name');
  return labels.join('.');
}

function take(bytes: Buffer, offset: number, length: number, what: string): Buffer {
  if (offset + length > bytes.length) throw new DnrFormatError(offset, `${what} of ${length} octets runs past the end`);
  return bytes.subarray(offset, offset + length);
}

function decodeAddresses(bytes: Buffer, at: number, size: 4 | 16): string[] {
  if (bytes.length === 0 || bytes.length % size !== 0)
    throw new DnrFormatError(at, `Addr Length ${bytes.length} is not a non-zero multiple of ${size}`);
  return Array.from({ length: bytes.length / size }, (_, i) => {
    const one = bytes.subarray(i * size, (i + 1) * size);
    return size === 4 ? [...one].join('.') : presentIpv6(one);
  });
}

/** Reads a DHCPv4 option 162 payload back into its instances. */
export function decodeDhcpv4Dnr(payload: Buffer): DnrInstance[] {
  const instances: DnrInstance[] = [];
  let offset = 0;
  while (offset < payload.length) {
    const length = take(payload, offset, 2, 'DNR Instance Data Length').readUInt16BE(0);
    const start = offset + 2;
    const body = take(payload, start, length, 'DNR instance');
    const priority = take(body, 0, 2, 'Service Priority').readUInt16BE(0);
    const adnLength = take(body, 2, 1, 'ADN Length')[0]!;
    const adn = decodeName(take(body, 3, adnLength, 'ADN'), start + 3);
    let at = 3 + adnLength;
    const instance: DnrInstance = { priority, adn, addresses: [], params: {} };
    if (at < body.length) {
      const addrLength = body[at]!;
      instance.addresses = decodeAddresses(take(body, at + 1, addrLength, 'IPv4 addresses'), start + at + 1, 4);
      at += 1 + addrLength;
      instance.params = decodeSvcParams(body.subarray(at), 0);
    }
    instances.push(instance);
    offset = start + length;
  }
  if (instances.length === 0) throw new DnrFormatError(0, 'empty option');
  return instances;
}

/** The payload of one DHCPv6 option 144 (without code and length). */
export function encodeDhcpv6Dnr(instance: DnrInstance): Buffer {
  checkInstance(instance, 6);
  // svcb.ts's ipv6Bytes reads hex groups only.
  const dotted = instance.addresses.find((a) => a.includes('.'));
  if (dotted !== undefined) throw new Error(`DNR address "${dotted}": write embedded IPv4 in hex groups`);
  const adn = encodeUncompressedName(instance.adn);
  const parts = [uint16(instance.priority), uint16(adn.length), adn];
  if (instance.addresses.length > 0) {
    const addresses = Buffer.concat(instance.addresses.map(ipv6Bytes));
    parts.push(uint16(addresses.length), addresses, encodeSvcParams(instance.params));
  }
  return Buffer.concat(parts);
}

/** Reads a DHCPv6 option 144 payload. */
export function decodeDhcpv6Dnr(payload: Buffer): DnrInstance {
  const priority = take(payload, 0, 2, 'Service Priority').readUInt16BE(0);
  const adnLength = take(payload, 2, 2, 'ADN Length').readUInt16BE(0);
  const adn = decodeName(take(payload, 4, adnLength, 'ADN'), 4);
  let at = 4 + adnLength;
  const instance: DnrInstance = { priority, adn, addresses: [], params: {} };
  if (at < payload.length) {
    const addrLength = take(payload, at, 2, 'Addr Length').readUInt16BE(0);
    instance.addresses = decodeAddresses(take(payload, at + 2, addrLength, 'IPv6 addresses'), at + 2, 16);
    at += 2 + addrLength;
    instance.params = decodeSvcParams(payload.subarray(at), 0);
  }
  return instance;
}

/** Octets as dnsmasq takes an opaque option value: `01:ab:...`. */
export function dnsmasqHex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}
