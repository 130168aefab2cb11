/**
 * A loopback /24 (127.A.B.0/24) this process holds for a session, so two harness sessions on
 * one host never hand their simulated devices the same addresses. Linux answers every
 * 127.0.0.0/8 address on `lo`, so a free block needs no configuration; what makes it ours
 * is a claim socket the kernel gives to one process only (UDP 127.A.B.0:CLAIM_PORT,
 * released when the process ends, however it ends), and no other socket of the host bound
 * inside the block (read from /proc/net, so a program that does not know the claim is
 * also respected). Written by hand: no library claims address blocks.
 */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';

/** The port of the claim socket, above the kernel's default ephemeral range (32768–60999). */
export const CLAIM_PORT = 65001;

/** A block this process holds until `release`. */
export interface LoopbackBlock {
  /** `127.A.B.` — the block's first three octets and the dot. */
  prefix: string;
  release(): Promise<void>;
}

/** The `st` column of a /proc/net/tcp row for a connection in TIME_WAIT. */
const TCP_TIME_WAIT = '06';

/** `127.A.B.` of an IPv4 loopback address outside 127.0.0.0/24 (the host's own services live there), else null. */
export function blockOf(address: string): string | null {
  const match = /^127\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(address);
  if (!match || (match[1] === '0' && match[2] === '0')) return null;
  return `127.${match[1]}.${match[2]}.`;
}

/** The IPv4 local addresses and ports of the host's sockets (IPv4, and IPv4-mapped IPv6), from /proc/net. */
export function boundIpv4Endpoints(): { address: string; port: number; table: string }[] {
  const endpoints: { address: string; port: number; table: string }[] = [];
  for (const table of ['tcp', 'udp', 'tcp6', 'udp6']) {
    const file = `/proc/net/${table}`;
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local) continue;
      // A TCP row in TIME_WAIT (state 06) is a closed connection the kernel remembers for a
      // minute; no process owns it and it keeps nobody from binding, so it holds no block.
      if (table.startsWith('tcp') && fields[3] === TCP_TIME_WAIT) continue;
      const [hex, portHex] = local.split(':');
      if (!hex || !portHex) continue;
      // IPv4 in host byte order (little-endian here); an IPv6 row holds a mapped IPv4 in its last 8 digits.
      if (hex.length === 32 && !hex.startsWith('0000000000000000FFFF0000')) continue;
      const v4 = hex.slice(-8);
      const octets = [6, 4, 2, 0].map((i) => Number.parseInt(v4.slice(i, i + 2), 16));
      endpoints.push({ address: octets.join('.'), port: Number.parseInt(portHex, 16), table });
    }
  }
  return endpoints;
}

function bindClaim(prefix: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: 'udp4', reuseAddr: false });
    socket.once('error', () => {
      socket.close();
      resolve(null);
    });
    socket.bind(CLAIM_PORT, `${prefix}0`, () => {
      socket.removeAllListeners('error');
      socket.unref();
      resolve(socket);
    });
  });
}

/** Tries to hold `prefix`: the claim socket, and nothing else of the host bound inside. */
async function tryClaim(prefix: string): Promise<LoopbackBlock | null> {
  const socket = await bindClaim(prefix);
  if (!socket) return null;
  const others = boundIpv4Endpoints().filter(
    (e) => e.address.startsWith(prefix) && !(e.address === `${prefix}0` && e.port === CLAIM_PORT && e.table === 'udp'),
  );
  if (others.length > 0) {
    socket.close();
    return null;
  }
  let released = false;
  return {
    prefix,
    release: () =>
      new Promise<void>((resolve) => {
        if (released) return resolve();
        released = true;
        socket.close(() => resolve());
      }),
  };
}

/** How many random blocks are tried before giving up (the space holds 65 279 of them). */
const ATTEMPTS = 200;

/**
 * Claims `preferred` (`127.A.B.`) when it is free, else a free block chosen at random in
 * 127.1.0.0–127.254.255.0 (random, so sessions starting together rarely race for one).
 */
export async function claimLoopbackBlock(preferred: string | null): Promise<LoopbackBlock> {
  if (preferred) {
    const block = await tryClaim(preferred);
    if (block) return block;
  }
  for (let i = 0; i < ATTEMPTS; i += 1) {
    const prefix = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.`;
    const block = await tryClaim(prefix);
    if (block) return block;
  }
  throw new Error(
    `no free loopback /24 found in ${ATTEMPTS} tries (each is claimed by UDP ${CLAIM_PORT} on its .0 address)`,
  );
}
