/**
 * The HTTP layer under `DavClient`: a small fetch on `node:http`/`node:https`, with two flavours —
 * `guardedFetch` re-checks the address at connect time, `unguardedFetch` (allowPrivate: LAN servers,
 * tests) does not. `assertAllowedUrl` resolves a host name once before the first request, but DNS can
 * answer differently a moment later (DNS rebinding): the name passes as public, then the socket
 * connects to 127.0.0.1. Checking inside the connection's own lookup closes that gap — the address
 * that is checked is the address that is used.
 *
 * Why not undici: the npm undici 7.30.2 crashes the PROCESS with an uncatchable
 * `AssertionError: assert(!this.paused)` (client-h1.js, `onHttpSocketEnd`) when a server closes the
 * connection after a response (Radicale's HTTP/1.0-style server does, on every response) while the
 * body is paused by backpressure — reliably with a gzip'd 1,500-event calendar-query
 * (nodejs/undici#5360, fixed upstream by #5389 after 7.30.2). Node 20's built-in `fetch` cannot be
 * used either: it takes no per-request agent, so it cannot carry the connect-time guard, and once
 * the npm undici is loaded by anyone, the global dispatcher it runs on may be undici 7's agent (the
 * npm undici installs its own when none exists yet) — the same crash. `node:http` has neither
 * problem, and this module loads no undici, so it changes no global dispatcher.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CalsyncError } from '../../errors.js';
import type { FetchLike } from './dav-client.js';
import { isPrivateAddress } from './url-safety.js';

export type Resolver = (hostname: string, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) => dnsLookup(hostname, { all: true } satisfies LookupAllOptions, callback);

/** A `net.connect` lookup that refuses private, loopback and link-local addresses. */
export function guardedLookup(resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (err, addresses) => {
      if (err) {
        callback(err, '', 0);
        return;
      }
      const refused = addresses.find((a) => isPrivateAddress(a.address));
      const first = addresses[0];
      if (refused || !first) {
        const error = new CalsyncError('VALIDATION', `${hostname} resolves to a private or loopback address; refused`, { details: { host: hostname } });
        callback(error as unknown as NodeJS.ErrnoException, '', 0);
        return;
      }
      // net.connect asks for every address when it may try several (autoSelectFamily).
      if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/**
 * A host on this machine (by name or loopback address). Its answers are not compressed: the bytes never
 * cross a network, so gzip would only cost CPU on both ends — Radicale spends ~70 ms compressing a
 * 10,000-event listing, about a sixth of the time it takes to build it.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
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

/**
 * The response body as a web stream, gunzipped when the server compressed it. The stream reads at most
 * `READ_AHEAD_BYTES` ahead of its consumer: `Readable.toWeb`'s default (Node 20) counts the node
 * stream's byte high-water mark as *chunks*, so a large listing was pulled into memory whole while
 * it was being parsed.
 */
function bodyOf(res: IncomingMessage): ReadableStream<Uint8Array> {
  const strategy = new ByteLengthQueuingStrategy({ highWaterMark: READ_AHEAD_BYTES });
  const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
  if (encoding !== 'gzip' && encoding !== 'x-gzip') return Readable.toWeb(res, { strategy }) as ReadableStream<Uint8Array>;
  // 64 KiB pieces (zlib's default is 16 KiB): a quarter of the chunks for every layer above to handle.
  const gunzip = createGunzip({ chunkSize: 64 * 1024 });
  res.on('error', (err) => gunzip.destroy(err));
  return Readable.toWeb(res.pipe(gunzip), { strategy }) as ReadableStream<Uint8Array>;
}

/**
 * `fetch` semantics as `DavClient` uses them: string bodies, `redirect: 'manual'` (node:http never
 * follows redirects), abort by signal (request and body), gzip (asked for except on loopback). One
 * keep-alive agent per scheme.
 */
function httpFetch(lookup: LookupFunction | undefined): FetchLike {
  const agentOptions = { keepAlive: true, ...(lookup ? { lookup } : {}) };
  const http = new HttpAgent(agentOptions);
  const https = new HttpsAgent(agentOptions);
  return (url, init) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      if (!secure && target.protocol !== 'http:') throw new CalsyncError('VALIDATION', `unsupported protocol ${target.protocol}`);
      const method = (init.method ?? 'GET').toUpperCase();
      const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : undefined;
      if (init.body != null && body === undefined) throw new CalsyncError('VALIDATION', 'only string request bodies are supported');
      const headers: Record<string, string> = { ...(isLoopbackHost(target.hostname) ? {} : { 'accept-encoding': 'gzip' }), ...headerRecord(init.headers) };
      if (body) headers['content-length'] = String(body.length);
      const options = { method, headers, agent: secure ? https : http, ...(init.signal ? { signal: init.signal } : {}) };
      const req = (secure ? httpsRequest : httpRequest)(target, options, (res) => {
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
}

/** fetch whose connections use `guardedLookup` (private, loopback and link-local addresses refused). */
export function guardedFetch(resolve?: Resolver): FetchLike {
  return httpFetch(guardedLookup(resolve));
}

/** fetch for private/loopback servers (`allowPrivate`): no address guard. */
export function unguardedFetch(): FetchLike {
  return httpFetch(undefined);
}
