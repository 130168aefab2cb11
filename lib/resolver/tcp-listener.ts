/**
 * DNS over TCP (RFC 1035 §4.2.2, RFC 7766): messages behind a 2-byte length, several per
 * segment or split across segments, several per connection. Idle connections are closed.
 */
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { nowMicros } from '../evidence/clock.ts';
import type { Endpoint, TlsSummary } from '../evidence/events.ts';
import type { Reply, Responder } from './responder.ts';
import { listenStreamServer } from './stream-server.ts';
import { clientEndpoint } from './tls-session.ts';
import type { StreamListener } from './stream-server.ts';

/** Close a connection after this long without a complete message (RFC 7766 §6.2.3 leaves it to us). */
export const TCP_IDLE_TIMEOUT_MS = 10_000;
/**
 * Close a connection that has held part of a message this long, however slowly more bytes
 * trickle in (RFC 7766 §6.2.3: a server may close connections it finds unproductive; a
 * 64-KiB message takes milliseconds on any lab link).
 */
export const PARTIAL_FRAME_TIMEOUT_MS = 3_000;
/** A bound TCP listener. */
export type TcpListener = StreamListener;

export function listenTcp(
  address: string,
  port: number,
  responder: Responder,
  onError: (error: Error) => void,
): Promise<TcpListener> {
  const server = createServer();
  return listenStreamServer(server, address, port, 'tcp', responder, onError, (serverEnd) => {
    server.on('connection', (socket) => {
      if (!socket.destroyed) serveConnection(socket, serverEnd, responder, { transport: 'tcp' });
    });
  });
}

/** Writes one reply (and its flood copies) behind its length prefix, if the connection is still open. */
function writeReply(socket: Socket, reply: Reply): void {
  if (!reply || !socket.writable) return;
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(reply.bytes.length);
  const framed = Buffer.concat([prefix, reply.bytes]);
  socket.write(reply.copies === 1 ? framed : Buffer.concat(Array.from({ length: reply.copies }, () => framed)));
}

/** How a stream connection arrived: plain TCP, or DoT (RFC 7858 §3.3: the same framing inside TLS). */
export type StreamTransport = { transport: 'tcp' } | { transport: 'dot'; tls: TlsSummary };

/** Serves length-prefixed DNS messages on one connection until the client closes it or idles. */
export function serveConnection(socket: Socket, server: Endpoint, responder: Responder, stream: StreamTransport): void {
  const client = clientEndpoint(socket);
  let pending = Buffer.alloc(0);
  /** Closes the connection once a partial message has been held too long. */
  let partialTimer: NodeJS.Timeout | null = null;
  let cutOffLogged = false;
  /** Records the partial message a connection ends inside (a client bug or an attack), once. */
  const logCutOff = (how: string) => {
    if (pending.length === 0 || cutOffLogged) return;
    cutOffLogged = true;
    const expected =
      pending.length >= 2
        ? `${pending.readUInt16BE(0)} announced, ${pending.length - 2} arrived`
        : '1 byte of the length prefix';
    responder.malformed(
      { bytes: pending, client, server, t: nowMicros(), ...stream },
      `${stream.transport.toUpperCase()} stream ${how} inside a message (${expected})`,
      null,
    );
  };
  const holdPartial = () => {
    if (pending.length === 0) {
      if (partialTimer) clearTimeout(partialTimer);
      partialTimer = null;
    } else if (!partialTimer) {
      partialTimer = setTimeout(() => {
        responder.recordConnection({
          transport: stream.transport,
          client,
          server,
          action: 'timeout',
          reason: `held part of a message for ${PARTIAL_FRAME_TIMEOUT_MS} ms: closed`,
        });
        logCutOff('closed by the harness');
        socket.destroy();
      }, PARTIAL_FRAME_TIMEOUT_MS);
    }
  };
  // Answers go out as soon as they are ready, not held back by Nagle until the client ACKs
  // (with a client that delays its ACKs, that held pipelined answers back by 40 ms).
  socket.setNoDelay(true);
  socket.setTimeout(TCP_IDLE_TIMEOUT_MS, () => socket.end());
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (pending.length > 0)
      responder.recordConnection({
        transport: stream.transport,
        client,
        server,
        action: 'reset',
        reason: `${error.code ?? error.message} while ${pending.length} bytes of a message were held`,
      });
    logCutOff(`was reset (${error.code ?? error.message})`);
    socket.destroy();
  });
  socket.on('close', () => {
    if (partialTimer) clearTimeout(partialTimer);
    logCutOff('closed');
  });
  socket.on('data', (chunk) => {
    // Evidence a UDP burst holds is written (and its answers sent) first: this connection's answers, written at once, must not overtake it.
    responder.closeBurst();
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    // The answers to every query in this chunk leave in one write (one TLS record for DoT)
    // rather than one system call each, in the same order (RFC 7766 §8 asks for no less).
    socket.cork();
    try {
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const bytes = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        const reply = responder.handle({ bytes, client, server, t: nowMicros(), ...stream });
        // An upstream answer goes out when it comes, perhaps after later zone answers (RFC 7766 §7 allows any order).
        if (reply instanceof Promise)
          void reply.then(
            (ready) => {
              responder.closeBurst();
              writeReply(socket, ready);
            },
            () => socket.destroy(),
          );
        else writeReply(socket, reply);
      }
    } finally {
      socket.uncork();
    }
    holdPartial();
  });
  socket.on('end', () => {
    logCutOff('ended');
    socket.end();
  });
}
