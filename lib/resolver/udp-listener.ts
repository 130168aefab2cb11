/**
 * DNS over UDP (RFC 1035 §4.2.1): one datagram in, at most one datagram out — plus, when
 * the scenario races spoofed answers (RFC 5452), those first, from the listener's own
 * socket, from a second port of its address, or from another harness address on its port;
 * and late answers after it, from the listener's own socket.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo, Socket, SocketOptions } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { nowMicros } from '../evidence/clock.ts';
import type { Endpoint } from '../evidence/events.ts';
import { canonicalAddress } from './access-list.ts';
import type { Reply, Responder } from './responder.ts';
import type { SpoofSockets } from './spoof-race.ts';

export interface UdpListener {
  port: number;
  /** The socket queries arrive on (its kernel drop count is measured by local end). */
  readonly local: Endpoint;
  /** Datagrams read from the socket so far: whether a drain is getting anywhere. */
  readonly received: number;
  close(): Promise<void>;
  /** Binds a socket on each address of the listener's family, on the listener's port, to send spoofs from. */
  prepareSpoofSources(addresses: readonly string[]): Promise<void>;
}

/**
 * Address lookup for the sockets: an IP literal (every address the resolver sends to is
 * one, from the datagram it answers) is its own answer, given at once; Node's default
 * (`dns.lookup`) answers it a tick later, a deferral per datagram sent.
 */
function literalLookup(
  address: string,
  family: number,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const literal = isIP(address);
  if (literal !== 0) callback(null, address, literal);
  else lookup(address, family, callback);
}

function bindSocket(address: string, port: number): Promise<Socket> {
  const socket = createSocket({
    type: isIPv6(address) ? 'udp6' : 'udp4',
    lookup: literalLookup as SocketOptions['lookup'],
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

const key = (e: Endpoint) => `${e.address}|${e.port}`;

/**
 * Receive buffer asked for on the query socket: room for bursts (a flood and a DUT's query
 * in the same millisecond). The kernel caps it at `net.core.rmem_max`; what still overflows
 * is counted as `resolver.loss`.
 */
export const UDP_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

export async function listenUdp(
  address: string,
  port: number,
  responder: Responder,
  onError: (error: Error) => void,
): Promise<UdpListener> {
  const socket = await bindSocket(address, port);
  socket.on('error', onError);
  socket.setRecvBufferSize(UDP_RECEIVE_BUFFER_BYTES);
  const bound = socket.address().port;
  const server: Endpoint = { address, port: bound };
  // The wrong-port spoof leaves from here: the resolver's address, a port the client never asked.
  const otherPort = await bindSocket(address, 0).catch(async (error: unknown) => {
    socket.close();
    throw error;
  });
  otherPort.on('error', onError);
  const senders = new Map<string, Socket>([
    [key(server), socket],
    [key({ address, port: otherPort.address().port }), otherPort],
  ]);
  const spoofSockets: SpoofSockets = {
    endpointFor(spoof) {
      if (spoof.kind === 'port') return { address, port: otherPort.address().port };
      if (spoof.kind !== 'source') return server;
      const from = { address: canonicalAddress(spoof.from ?? ''), port: bound };
      return senders.has(key(from)) ? from : null;
    },
  };

  // Sending on a closed socket throws: an upstream answer that comes after the listener
  // closed (the run's end, a closed-port phase) has nowhere to go.
  let closed = false;
  const send = (reply: Reply, rinfo: RemoteInfo): void => {
    if (!reply || closed) return;
    const sendGenuine = () => {
      for (let copy = 0; copy < reply.copies; copy += 1) {
        socket.send(reply.bytes, rinfo.port, rinfo.address, (error) => error && onError(error));
      }
      // Late answers leave the same socket after the genuine one (datagrams of one socket go out in order).
      for (let copy = 0; copy < (reply.late?.copies ?? 0); copy += 1) {
        socket.send(reply.late!.bytes, rinfo.port, rinfo.address, (error) => error && onError(error));
      }
    };
    const spoofs = reply.spoofs ?? [];
    if (spoofs.length === 0) {
      sendGenuine();
      return;
    }
    // The genuine answer goes once every spoof has left, so the spoofs really win the race.
    let pending = spoofs.length;
    const sent = (error?: Error | null) => {
      if (error) onError(error);
      pending -= 1;
      if (pending === 0) sendGenuine();
    };
    for (const spoof of spoofs) {
      const sender = senders.get(key(spoof.from));
      if (sender) sender.send(spoof.bytes, rinfo.port, rinfo.address, sent);
      else sent(new Error(`no socket on ${spoof.from.address}:${spoof.from.port} for a spoofed answer`));
    }
  };
  let received = 0;
  socket.on('message', (bytes, rinfo) => {
    received += 1;
    // The datagrams read in one go share one write of evidence; their answers follow it.
    responder.openBurst();
    const reply = responder.handle({
      bytes,
      transport: 'udp',
      t: nowMicros(),
      client: { address: canonicalAddress(rinfo.address), port: rinfo.port },
      server,
      spoofSockets,
    });
    // Zone answers leave at once; an upstream answer when it comes, unless the listener closed meanwhile.
    if (reply instanceof Promise)
      reply.then((ready) => responder.afterEvidence(() => send(ready, rinfo))).catch(onError);
    else if (reply) responder.afterEvidence(() => send(reply, rinfo));
  });

  return {
    port: bound,
    local: server,
    get received() {
      return received;
    },
    async prepareSpoofSources(addresses) {
      for (const from of addresses.map(canonicalAddress)) {
        if (isIPv6(from) !== isIPv6(address) || senders.has(key({ address: from, port: bound }))) continue;
        const sender = await bindSocket(from, bound);
        sender.on('error', onError);
        senders.set(key({ address: from, port: bound }), sender);
      }
    },
    close: () => {
      closed = true;
      return Promise.all(
        [...new Set(senders.values())].map((s) => new Promise<void>((done) => s.close(() => done()))),
      ).then(() => undefined);
    },
  };
}
