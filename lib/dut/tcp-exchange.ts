/**
 * One DNS exchange over TCP (RFC 1035 §4.2.2): the query goes out behind a 2-byte length
 * prefix and the reply comes back the same way, possibly split across segments.
 */
import { connect } from 'node:net';

/** Endpoints and patience for one exchange. */
export interface TcpExchangeTarget {
  /** Local address the connection binds to (the device's own). */
  localAddress: string;
  server: { address: string; port: number };
  timeoutMs: number;
}

/** Sends `query` and resolves with the first whole reply (without its prefix). */
export function tcpExchange(query: Buffer, target: TcpExchangeTarget): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: target.server.address,
      port: target.server.port,
      localAddress: target.localAddress,
    });
    let received = Buffer.alloc(0);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      outcome();
    };
    socket.setTimeout(target.timeoutMs, () =>
      settle(() => reject(new Error(`no whole TCP reply within ${target.timeoutMs} ms`))),
    );
    socket.on('error', (error) => settle(() => reject(error)));
    socket.on('connect', () => {
      const prefix = Buffer.alloc(2);
      prefix.writeUInt16BE(query.length);
      socket.write(Buffer.concat([prefix, query]));
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const length = received.readUInt16BE(0);
      if (received.length >= 2 + length) settle(() => resolve(received.subarray(2, 2 + length)));
    });
    socket.on('close', () =>
      settle(() => reject(new Error(`TCP connection closed after ${received.length} bytes, before a whole reply`))),
    );
  });
}
