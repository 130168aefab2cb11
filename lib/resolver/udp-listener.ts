/** DNS over UDP (RFC 1035 §4.2.1): one datagram in, at most one datagram out. */
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { nowMicros } from '../evidence/clock.ts';
import { canonicalAddress } from './access-list.ts';
import type { Responder } from './responder.ts';

export interface UdpListener {
  port: number;
  close(): Promise<void>;
}

export function listenUdp(address: string, port: number, responder: Responder, onError: (error: Error) => void): Promise<UdpListener> {
  const socket: Socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4' });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      socket.on('error', onError);
      const bound = socket.address().port;
      socket.on('message', (bytes, rinfo) => {
        const reply = responder.handle({
          bytes, transport: 'udp', t: nowMicros(),
          client: { address: canonicalAddress(rinfo.address), port: rinfo.port },
          server: { address, port: bound },
        });
        for (let copy = 0; reply && copy < reply.copies; copy += 1) {
          socket.send(reply.bytes, rinfo.port, rinfo.address, (error) => error && onError(error));
        }
      });
      resolve({ port: bound, close: () => new Promise((done) => socket.close(() => done())) });
    });
  });
}
