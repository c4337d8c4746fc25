/**
 * The one HTTP stack of calsync's outbound edge: a small `fetch` on `node:http`/`node:https` with the
 * client's own keep-alive agents, in two flavours — `guardedFetch` refuses every address that is not
 * global unicast (address-guard.ts), `unguardedFetch` (allowPrivate: LAN servers, the emulator, tests)
 * does not.
 *
 * The guard checks the address that is actually connected to, on every connection (every redirect hop
 * is a new request through here):
 * - a host name is resolved inside the connection's own `lookup`, and EVERY answer is checked — a name
 *   that passed `assertAllowedUrl` a moment ago but now answers 127.0.0.1 (DNS rebinding) is refused;
 * - an IP literal never reaches `lookup` (net.connect skips it for literals), so literals are checked
 *   here before the request is made, in ipaddr.js's reading — `[::ffff:7f00:1]` is loopback.
 *
 * Bodies come back as web streams, decompressed (gzip, deflate, br) lazily: the decompressor runs only
 * as fast as the consumer pulls, so a gzip bomb costs what the byte-capped reader (capped-body.ts)
 * lets through, never its inflated size.
 *
 * Why not undici: the npm undici 7.30.2 crashes the PROCESS with an uncatchable
 * `AssertionError: assert(!this.paused)` (client-h1.js, `onHttpSocketEnd`) when a server closes the
 * connection after a response while the body is paused by backpressure (nodejs/undici#5360, fixed
 * upstream after 7.30.2). Node 20's built-in `fetch` takes no per-request agent, so it cannot carry
 * the connect-time guard, and its global dispatcher may be the npm undici's. `node:http` has neither
 * problem, and this module loads no undici, so it changes no global dispatcher.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable, pipeline, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { CalsyncError } from '../errors.js';
import { addressRange, isLoopbackHost } from './address-guard.js';
import type { FetchLike } from './types.js';

export type Resolver = (hostname: string, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) => dnsLookup(hostname, { all: true } satisfies LookupAllOptions, callback);

function refusal(host: string, address: string): CalsyncError {
  return new CalsyncError('VALIDATION', `${host} is (or resolves to) a private, loopback or special-purpose address; refused`, {
    details: { host, range: addressRange(address) ?? 'none' },
  });
}

/** Throws VALIDATION unless `address` (an IP literal, any spelling) is global unicast. */
export function assertPublicAddress(host: string, address: string): void {
  if (addressRange(address) !== 'unicast') throw refusal(host, address);
}

/** A `net.connect` lookup that refuses a name when ANY of its addresses is not global unicast. */
export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (err, addresses) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const refused = addresses.find((a) => addressRange(a.address) !== 'unicast');
      const first = addresses[0];
      if (refused || !first) {
        callback(refusal(hostname, refused?.address ?? '') as unknown as NodeJS.ErrnoException, '', 0);
        return;
      }
      // net.connect asks for every address when it may try several (autoSelectFamily).
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/** Statuses whose responses have no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function headerRecord(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, key) => (out[key] = value));
  return out;
}

/** Bytes read ahead of the consumer. */
const READ_AHEAD_BYTES = 256 * 1024;
/** Decompressor output piece: 64 KiB (zlib's default is 16 KiB), a quarter of the chunks for every layer above. */
const INFLATE_CHUNK = 64 * 1024;

function decompressorFor(encoding: string): Transform | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip({ chunkSize: INFLATE_CHUNK });
    case 'deflate':
      return createInflate({ chunkSize: INFLATE_CHUNK });
    case 'br':
      return createBrotliDecompress({ chunkSize: INFLATE_CHUNK });
    default:
      return undefined;
  }
}

/**
 * The response body as a web stream, decompressed when the server compressed it. The stream reads at
 * most `READ_AHEAD_BYTES` ahead of its consumer (`Readable.toWeb`'s default on Node 20 counts the node
 * stream's byte high-water mark as *chunks*). Cancelling it destroys the decompressor and the socket.
 */
function bodyOf(res: IncomingMessage): ReadableStream<Uint8Array> {
  const strategy = new ByteLengthQueuingStrategy({ highWaterMark: READ_AHEAD_BYTES });
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decompressor = decompressorFor(encoding);
  if (!decompressor) return Readable.toWeb(res, { strategy }) as ReadableStream<Uint8Array>;
  pipeline(res, decompressor, () => undefined);
  return Readable.toWeb(decompressor, { strategy }) as ReadableStream<Uint8Array>;
}

export interface HttpFetchOptions {
  /** Refuse every address that is not global unicast (default true). */
  guard?: boolean;
  /** DNS for the guarded lookup (tests). */
  resolve?: Resolver;
  /** Extra CA certificate(s) in PEM to trust (the Graph emulator's), for this fetch's agent only. */
  ca?: string | string[];
  /** Sockets per origin. Default: unlimited (node's default). */
  maxSockets?: number;
}

/**
 * `fetch` semantics as calsync's callers use them: string bodies, `redirect: 'manual'` (node:http never
 * follows redirects; callers follow them by hand and each hop comes back through here), abort by
 * signal (request and body), compression (asked for except on loopback). One keep-alive agent per scheme;
 * `close()` destroys them, and every later request fails at once.
 */
export function httpFetch(options: HttpFetchOptions = {}): FetchLike & { close(): void } {
  const guard = options.guard ?? true;
  const agentOptions = {
    keepAlive: true,
    ...(guard ? { lookup: guardedLookup(options.resolve) } : {}),
    ...(options.maxSockets === undefined ? {} : { maxSockets: options.maxSockets }),
  };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent({ ...agentOptions, ...(options.ca === undefined ? {} : { ca: options.ca }) });
  let closed = false;
  const fetch: FetchLike = (url, init) =>
    new Promise<Response>((resolve, reject) => {
      // A closed fetch refuses at once (a request would otherwise open a new socket after `close`).
      if (closed) throw new Error('this HTTP client is closed');
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') throw new CalsyncError('VALIDATION', `unsupported protocol ${target.protocol}`);
      // net.connect never calls `lookup` for an IP literal: the literal is the address connected to.
      const host = target.hostname.replace(/^\[|\]$/g, '');
      if (guard && addressRange(host) !== undefined) assertPublicAddress(host, host);
      const method = (init.method ?? 'GET').toUpperCase();
      const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : undefined;
      const headers: Record<string, string> = { ...(isLoopbackHost(target.hostname) ? {} : { 'accept-encoding': 'gzip' }), ...headerRecord(init.headers) };
      if (body) headers['content-length'] = String(body.length);
      const requestOptions = { method, headers, agent: secure ? https : http, ...(init.signal ? { signal: init.signal } : {}) };
      const req = (secure ? httpsRequest : httpRequest)(target, requestOptions, (res) => {
        const status = res.statusCode ?? 0;
        try {
          const responseHeaders = new Headers();
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string);
          if (NULL_BODY.has(status) || method === 'HEAD') {
            res.resume();
            resolve(new Response(null, { status, headers: responseHeaders }));
          } else resolve(new Response(bodyOf(res), { status, headers: responseHeaders }));
        } catch (err) {
          res.destroy();
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      req.on('error', reject);
      req.end(body);
    });
  return Object.assign(fetch, {
    close: () => {
      closed = true;
      http.destroy();
      https.destroy();
    },
  });
}

/** fetch whose connections reach global unicast addresses only (literals and every DNS answer checked). */
export function guardedFetch(resolve?: Resolver): FetchLike {
  return httpFetch(resolve ? { resolve } : {});
}

/** fetch for private/loopback servers (`allowPrivate`): no address guard. */
export function unguardedFetch(): FetchLike {
  return httpFetch({ guard: false });
}
