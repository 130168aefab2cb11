/**
 * Datagrams the kernel dropped on a UDP socket because its receive buffer was full: the
 * `drops` column of `/proc/net/udp` and `/proc/net/udp6` (Linux), found by the socket's
 * local address and port. Node exposes no `SO_RXQ_OVFL`, and the proc table needs no
 * privilege; elsewhere than Linux the count is unknown (null), and said so.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { isIPv6 } from 'node:net';

/** A UDP socket's local end. */
export interface LocalEnd {
  address: string;
  port: number;
}

/**
 * The kernel prints each 32-bit word of the address as a number in host byte order
 * (`%08X`), so on a little-endian host 127.0.0.1 reads `0100007F`.
 */
function procAddress(address: string): string {
  const bytes = isIPv6(address) ? ipv6Bytes(address) : Buffer.from(address.split('.').map(Number));
  const words: string[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    const word = endianness() === 'LE' ? bytes.readUInt32LE(i) : bytes.readUInt32BE(i);
    words.push(word.toString(16).toUpperCase().padStart(8, '0'));
  }
  return words.join('');
}

/** The 16 bytes of an IPv6 address in text form (`::` expanded). */
function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const all = [...left, ...Array.from({ length: 8 - left.length - right.length }, () => '0'), ...right];
  const bytes = Buffer.alloc(16);
  all.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

function readTable(file: string): string[] {
  try {
    return readFileSync(file, 'latin1').split('\n').slice(1);
  } catch {
    return [];
  }
}

/** What the kernel holds and has dropped for one socket. */
export interface SocketQueue {
  /** Datagrams dropped on a full receive buffer since the socket was bound. */
  drops: number;
  /** Bytes received and not yet read (`rx_queue`). */
  queued: number;
}

/**
 * The kernel's counts for each of `ends`, read in one pass over the proc tables: null for a
 * socket the tables do not list (not Linux, or already closed).
 */
export function receiveDrops(ends: readonly LocalEnd[]): (SocketQueue | null)[] {
  if (ends.length === 0) return [];
  const wanted = new Map(
    ends.map((end, i) => [`${procAddress(end.address)}:${end.port.toString(16).toUpperCase().padStart(4, '0')}`, i]),
  );
  const drops: (SocketQueue | null)[] = ends.map(() => null);
  const lines = [
    ...(ends.some((e) => !isIPv6(e.address)) ? readTable('/proc/net/udp') : []),
    ...(ends.some((e) => isIPv6(e.address)) ? readTable('/proc/net/udp6') : []),
  ];
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    const index = wanted.get(fields[1] ?? '');
    const count = Number(fields.at(-1));
    const queued = parseInt(fields[4]?.split(':')[1] ?? '', 16);
    if (index === undefined || !Number.isFinite(count) || !Number.isFinite(queued)) continue;
    const before = drops[index];
    drops[index] = { drops: (before?.drops ?? 0) + count, queued: (before?.queued ?? 0) + queued };
  }
  return drops;
}
