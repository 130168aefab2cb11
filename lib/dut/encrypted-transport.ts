/**
 * The device's encrypted DNS clients: DoT (one TLS connection, queries pipelined and
 * matched by transaction ID, RFC 7858 §3.3) and DoH (one HTTP/2 session, a POST per query,
 * RFC 8484). Both verify the server the way RFC 9462 §4.2 asks of a client that found it
 * through DDR: the chain ends at the CA the device trusts, the certificate names the
 * designated resolver, and it also covers the IP address of the unencrypted resolver that
 * designated it.
 */
import { randomInt } from 'node:crypto';
import { connect as http2Connect } from 'node:http2';
import type { ClientHttp2Session } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { checkServerIdentity, connect as tlsConnect } from 'node:tls';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { DesignatedEndpoint } from './ddr-discovery.ts';

/** One encrypted channel to a designated resolver. */
export interface EncryptedTransport {
  readonly endpoint: DesignatedEndpoint;
  /** Connects (or reuses the connection) and verifies the server; rejects with why not. */
  open(timeoutMs: number): Promise<void>;
  /** Sends one DNS message and resolves with the reply's bytes; rejects on timeout or failure. */
  exchange(query: Buffer, timeoutMs: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** What a client needs to connect and verify. */
export interface EncryptedTarget {
  endpoint: DesignatedEndpoint;
  /** The device's own address; connections bind to it. */
  localAddress: string;
  /** The CA (PEM) the device trusts. */
  trustedCa: string;
  /** The unencrypted resolver's address: the certificate must cover it too (RFC 9462 §4.2). */
  designatingAddress: string;
}

/** The DoH media type (RFC 8484 §6). */
const DNS_MESSAGE = 'application/dns-message';

/**
 * Verified discovery: the name check TLS does for the SNI name, plus the designating
 * resolver's IP address among the certificate's SANs. Returns why not, or undefined.
 */
function verifyDesignation(target: EncryptedTarget) {
  return (host: string, cert: PeerCertificate): Error | undefined =>
    checkServerIdentity(host, cert) ?? checkServerIdentity(target.designatingAddress, cert);
}

function tlsOptions(target: EncryptedTarget, alpn: string[]) {
  const { endpoint } = target;
  return {
    ca: target.trustedCa,
    servername: endpoint.name,
    ALPNProtocols: alpn,
    minVersion: 'TLSv1.2' as const,
    checkServerIdentity: verifyDesignation(target),
  };
}

/** Connects with TLS from the device's address; resolves once the handshake verified the server. */
function tlsSocket(target: EncryptedTarget, alpn: string[], timeoutMs: number): Promise<TLSSocket> {
  const { endpoint } = target;
  return new Promise((resolve, reject) => {
    const tcp = netConnect({ host: endpoint.address, port: endpoint.port, localAddress: target.localAddress });
    const socket = tlsConnect({ socket: tcp, ...tlsOptions(target, alpn) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`TLS handshake with ${endpoint.address}:${endpoint.port} took over ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** DNS over TLS: a persistent connection, reopened when the server closes it. */
export class DotTransport implements EncryptedTransport {
  private socket: Promise<TLSSocket> | null = null;
  /** Outstanding queries by transaction ID: settle with the reply, or fail when the connection goes. */
  private readonly waiting = new Map<number, { resolve: (reply: Buffer) => void; reject: (error: Error) => void }>();
  private buffered = Buffer.alloc(0);

  constructor(private readonly target: EncryptedTarget) {}

  get endpoint(): DesignatedEndpoint {
    return this.target.endpoint;
  }

  /** Connects (or reuses the connection) and verifies the server. */
  connection(timeoutMs: number): Promise<TLSSocket> {
    if (!this.socket) {
      const opening = tlsSocket(this.target, ['dot'], timeoutMs);
      this.socket = opening;
      opening.then(
        (socket) => {
          socket.on('data', (chunk: Buffer) => this.receive(chunk));
          socket.on('close', () => {
            if (this.socket === opening) this.socket = null;
            this.buffered = Buffer.alloc(0);
            // RFC 7766 §6.2.3 lets the server close idle connections; what was in flight is lost.
            for (const waiter of [...this.waiting.values()])
              waiter.reject(new Error('DoT connection closed by the server'));
          });
          socket.on('error', () => socket.destroy());
        },
        () => {
          if (this.socket === opening) this.socket = null;
        },
      );
    }
    return this.socket;
  }

  async open(timeoutMs: number): Promise<void> {
    await this.connection(timeoutMs);
  }

  async exchange(query: Buffer, timeoutMs: number): Promise<Buffer> {
    const txid = query.readUInt16BE(0);
    // RFC 7766 §6.2.1.1: queries pipelined on one connection need distinct IDs. A clash goes
    // out under a free ID (claimed before any await, so concurrent callers cannot both take
    // it) and its reply comes back under the caller's own.
    let wireId = txid;
    while (this.waiting.has(wireId)) wireId = randomInt(0, 0x10000);
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.waiting.delete(wireId);
      };
      const timer = setTimeout(
        () => this.waiting.get(wireId)?.reject(new Error(`no DoT reply within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting.set(wireId, {
        resolve: (reply) => {
          settle();
          const own = Buffer.from(reply);
          own.writeUInt16BE(txid, 0);
          resolve(own);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      this.connection(timeoutMs).then(
        (socket) => {
          if (!this.waiting.has(wireId)) return;
          const framed = Buffer.alloc(2 + query.length);
          framed.writeUInt16BE(query.length, 0);
          query.copy(framed, 2);
          framed.writeUInt16BE(wireId, 2);
          socket.write(framed);
        },
        (error: Error) => this.waiting.get(wireId)?.reject(error),
      );
    });
  }

  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 2) {
      const length = this.buffered.readUInt16BE(0);
      if (this.buffered.length < 2 + length) return;
      const message = this.buffered.subarray(2, 2 + length);
      this.buffered = this.buffered.subarray(2 + length);
      if (message.length < 2) continue;
      this.waiting.get(message.readUInt16BE(0))?.resolve(message);
    }
  }

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = null;
    if (socket) (await socket.catch(() => null))?.destroy();
  }
}

/** DNS over HTTPS: one HTTP/2 session, a POST per query (RFC 8484 §4.1). */
export class DohTransport implements EncryptedTransport {
  private session: Promise<ClientHttp2Session> | null = null;

  constructor(private readonly target: EncryptedTarget) {}

  get endpoint(): DesignatedEndpoint {
    return this.target.endpoint;
  }

  /** Opens (or reuses) the HTTP/2 session over a verified TLS connection. */
  connection(timeoutMs: number): Promise<ClientHttp2Session> {
    if (!this.session) {
      const { endpoint } = this.target;
      const opening = tlsSocket(this.target, ['h2'], timeoutMs).then((socket) => {
        const session = http2Connect(`https://${endpoint.name}:${endpoint.port}`, { createConnection: () => socket });
        session.on('close', () => {
          if (this.session === opening) this.session = null;
        });
        session.on('error', () => session.destroy());
        return session;
      });
      opening.catch(() => {
        if (this.session === opening) this.session = null;
      });
      this.session = opening;
    }
    return this.session;
  }

  async open(timeoutMs: number): Promise<void> {
    await this.connection(timeoutMs);
  }

  async exchange(query: Buffer, timeoutMs: number): Promise<Buffer> {
    const session = await this.connection(timeoutMs);
    return new Promise((resolve, reject) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': this.target.endpoint.path ?? '/dns-query',
        'content-type': DNS_MESSAGE,
        accept: DNS_MESSAGE,
      });
      const chunks: Buffer[] = [];
      let status = 0;
      stream.setTimeout(timeoutMs, () => {
        stream.close();
        reject(new Error(`no DoH reply within ${timeoutMs} ms`));
      });
      stream.on('response', (headers) => {
        status = Number(headers[':status']);
      });
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () =>
        status === 200 ? resolve(Buffer.concat(chunks)) : reject(new Error(`DoH status ${status}`)),
      );
      stream.on('error', reject);
      stream.end(query);
    });
  }

  async close(): Promise<void> {
    const session = this.session;
    this.session = null;
    if (session) (await session.catch(() => null))?.destroy();
  }
}

/** The client for an endpoint's transport. */
export function encryptedTransport(target: EncryptedTarget): EncryptedTransport {
  return target.endpoint.transport === 'dot' ? new DotTransport(target) : new DohTransport(target);
}
