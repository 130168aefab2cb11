/**
 * DNS over HTTPS (RFC 8484): `POST` with an `application/dns-message` body and `GET` with
 * the message base64url-encoded in `?dns=`, on one path (`/dns-query` by default), over
 * HTTP/2 and, since Node's compatibility API gives it for free, HTTP/1.1. Each request is
 * one message for the shared responder; a dropped query leaves its request unanswered.
 */
import { createSecureServer } from 'node:http2';
import type { Http2ServerRequest, Http2ServerResponse, Http2Session } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { decodeMessage } from '../dns/codec.ts';
import { nowMicros } from '../evidence/clock.ts';
import type { Endpoint, HttpSummary } from '../evidence/events.ts';
import type { Responder } from './responder.ts';
import { listenStreamServer } from './stream-server.ts';
import type { StreamListener } from './stream-server.ts';
import { MIN_TLS_VERSION, clientEndpoint, recordHandshakeFailure, tlsSummary } from './tls-session.ts';
import type { TlsCredentials } from './tls-session.ts';

/** RFC 8484 §6: the media type of a DNS message. */
export const DNS_MESSAGE_TYPE = 'application/dns-message';
/** The path DoH clients use when told nothing else (RFC 8484 §3 leaves it to the URI template). */
export const DEFAULT_DOH_PATH = '/dns-query';
/** A DNS message is at most 65535 octets; a larger body is refused unread. */
const MAX_BODY = 65_535;
/** Unanswered (dropped) requests are ended after this long, so clients are not held forever. */
const DROPPED_REQUEST_TIMEOUT_MS = 10_000;

/** Why a request carries no usable DNS message, with the HTTP status to send. */
class RequestProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The DNS message of a request: the `dns` parameter of a GET, the body of a POST. */
async function messageOf(request: Http2ServerRequest, url: URL): Promise<Buffer> {
  if (request.method === 'GET') {
    const param = url.searchParams.get('dns');
    if (param === null) throw new RequestProblem(400, 'GET without a dns parameter');
    // RFC 8484 §4.1: base64url without padding; Node's decoder ignores what is not base64url.
    if (!/^[A-Za-z0-9_-]*$/.test(param)) throw new RequestProblem(400, 'dns parameter is not base64url');
    return Buffer.from(param, 'base64url');
  }
  const type = request.headers['content-type'];
  if (type !== DNS_MESSAGE_TYPE)
    throw new RequestProblem(415, `POST with content-type ${type ?? '(none)'}, expected ${DNS_MESSAGE_TYPE}`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_BODY) throw new RequestProblem(413, `body over ${MAX_BODY} octets`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The TLS socket under a request (HTTP/2 keeps it on the session). */
function tlsSocketOf(request: Http2ServerRequest): TLSSocket {
  const session = (request.stream as { session?: Http2Session } | undefined)?.session;
  return (session?.socket ?? request.socket) as TLSSocket;
}

/** The smallest TTL of a response's records, for its Cache-Control (RFC 8484 §5.1); null when it has none. */
function freshnessSeconds(bytes: Buffer): number | null {
  const decoded = decodeMessage(bytes);
  if (!decoded.ok) return null;
  const ttls = [...(decoded.message.answers ?? []), ...(decoded.message.authorities ?? [])]
    .map((rr) => (rr as { ttl?: number }).ttl)
    .filter((ttl): ttl is number => typeof ttl === 'number');
  return ttls.length > 0 ? Math.min(...ttls) : null;
}

export function listenDoh(
  address: string,
  port: number,
  path: string,
  credentials: TlsCredentials,
  responder: Responder,
  onError: (error: Error) => void,
): Promise<StreamListener> {
  const server = createSecureServer({
    key: credentials.keyPem,
    cert: credentials.certPem,
    allowHTTP1: true,
    ALPNProtocols: ['h2', 'http/1.1'],
    minVersion: MIN_TLS_VERSION,
  });
  return listenStreamServer(server, address, port, 'doh', responder, onError, (serverEnd) => {
    server.on('tlsClientError', (error, socket) => {
      recordHandshakeFailure(responder, 'doh', serverEnd, error, socket);
      socket.destroy();
    });
    server.on('request', (request: Http2ServerRequest, response: Http2ServerResponse) => {
      void serveRequest(request, response, path, serverEnd, responder).catch((error: Error) => {
        onError(error);
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
  });
}

async function serveRequest(
  request: Http2ServerRequest,
  response: Http2ServerResponse,
  path: string,
  server: Endpoint,
  responder: Responder,
): Promise<void> {
  const url = new URL(request.url, 'https://doh.invalid');
  if (url.pathname !== path) {
    response.writeHead(404).end();
    return;
  }
  if (request.method !== 'GET' && request.method !== 'POST') {
    response.writeHead(405, { allow: 'GET, POST' }).end();
    return;
  }
  const socket = tlsSocketOf(request);
  const tls = tlsSummary(socket);
  const http: HttpSummary = {
    method: request.method,
    path: url.pathname,
    version: request.httpVersion === '2.0' ? '2' : request.httpVersion,
  };
  const client = clientEndpoint(socket);
  const t = nowMicros();
  let bytes: Buffer;
  try {
    bytes = await messageOf(request, url);
  } catch (error) {
    if (!(error instanceof RequestProblem)) throw error;
    responder.malformed(
      { bytes: Buffer.alloc(0), transport: 'doh', client, server, t, tls, http },
      `DoH ${request.method}: ${error.message}`,
      null,
    );
    response.writeHead(error.status).end();
    return;
  }
  const reply = await responder.handle({ bytes, transport: 'doh', client, server, t, tls, http });
  // Its evidence may be held with a UDP burst: written first, so the answer never overtakes it.
  responder.closeBurst();
  if (!reply) {
    // Silence over HTTP: no response until the client gives up (or we do, later).
    response.setTimeout(DROPPED_REQUEST_TIMEOUT_MS, () => response.stream?.close());
    return;
  }
  const ttl = freshnessSeconds(reply.bytes);
  response.writeHead(200, {
    'content-type': DNS_MESSAGE_TYPE,
    'content-length': String(reply.bytes.length),
    ...(ttl !== null ? { 'cache-control': `max-age=${ttl}` } : {}),
  });
  // One request, one response: HTTP cannot carry the extra copies of a flood.
  response.end(reply.bytes);
}
