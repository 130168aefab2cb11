/**
 * A bounded UDP flood from another process (so the flooder does not share the resolver's
 * event loop): `count` copies of one datagram from `from` to `to`, stopping at the count or
 * after `seconds`, whichever comes first. Loopback only: `to` must be in 127.0.0.0/8.
 */
import { spawn } from 'node:child_process';

/** How a flood went, as the flooding process counted it. */
export interface FloodResult {
  /** Datagrams the kernel accepted for sending (failed sends are not counted). */
  sent: number;
  seconds: number;
}

/** Max-count header: ID 0xBEEF, a query, every section count 0xFFFF, nothing after (RFC 1035 §4.1.1). */
export const MAX_COUNT_HEADER = Buffer.from([0xbe, 0xef, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

const FLOODER = `
const dgram = require('node:dgram');
const [from, address, port, count, seconds, hex, rate] = process.argv.slice(1);
const bytes = Buffer.from(hex, 'hex');
const socket = dgram.createSocket('udp4');
socket.bind(0, from, () => {
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(Number(seconds) * 1e9));
  let sent = 0;
  let inFlight = 0;
  let failed = 0;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    process.stdout.write(JSON.stringify({ sent: sent - failed, seconds: elapsed }));
    socket.close();
  };
  const burst = () => {
    if (sent >= Number(count) || process.hrtime.bigint() > deadline) return inFlight === 0 ? finish() : undefined;
    // At a set rate, no further ahead of the clock than the rate allows.
    const due = Number(rate) > 0 ? Math.floor(Number(process.hrtime.bigint() - start) / 1e9 * Number(rate)) + 1 - sent : 256;
    if (due <= 0) return void setTimeout(burst, 1);
    const n = Math.min(256, due, Number(count) - sent);
    for (let i = 0; i < n; i += 1) {
      inFlight += 1;
      socket.send(bytes, Number(port), address, (error) => { inFlight -= 1; if (error) failed += 1; if (inFlight === 0 && (sent >= Number(count) || process.hrtime.bigint() > deadline)) finish(); });
    }
    sent += n;
    setImmediate(burst);
  };
  burst();
});
`;

/** Floods (at `perSecond` datagrams per second, or as fast as it can) and resolves with what was sent once the flooding process has exited. */
export function floodUdp(options: {
  from: string;
  to: { address: string; port: number };
  count: number;
  seconds: number;
  datagram?: Buffer;
  perSecond?: number;
}): Promise<FloodResult> {
  if (!options.to.address.startsWith('127.'))
    throw new Error(`a flood may only go to loopback, not ${options.to.address}`);
  const datagram = options.datagram ?? MAX_COUNT_HEADER;
  const child = spawn(
    process.execPath,
    [
      '-e',
      FLOODER,
      options.from,
      options.to.address,
      String(options.to.port),
      String(options.count),
      String(options.seconds),
      datagram.toString('hex'),
      String(options.perSecond ?? 0),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`flooder exited with ${code}`));
      resolve(JSON.parse(out) as FloodResult);
    });
  });
}
