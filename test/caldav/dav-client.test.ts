import { describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import { DavClient, type DavClientOptions } from '../../src/providers/caldav/dav-client.js';
import { ManualClock } from '../../src/util/clock.js';
import { fakeFetch, xmlResponse, type Handler } from './fake-fetch.js';

const AUTH = `Basic ${Buffer.from('ann:app-pass').toString('base64')}`;

function client(handler: Handler, options: Partial<DavClientOptions> = {}) {
  const fake = fakeFetch(handler);
  const dav = new DavClient({
    trustedUrl: 'https://caldav.example.com/',
    username: 'ann',
    password: 'app-pass',
    fetch: fake.fetch,
    lookup: async () => ['93.184.216.34'],
    resilience: { baseDelayMs: 1, maxAttempts: 3 },
    ...options,
  });
  return { dav, calls: fake.calls };
}

async function failure(promise: Promise<unknown>): Promise<CalsyncError> {
  const error: unknown = await promise.then(() => undefined, (e: unknown) => e);
  if (!(error instanceof CalsyncError)) throw new Error(`expected a CalsyncError, got ${String(error)}`);
  return error;
}

describe('DavClient', () => {
  it('sends Basic auth, the method, headers and body, and counts requests', async () => {
    const { dav, calls } = client(() => xmlResponse(207, '<x/>'));
    const answer = await dav.request({ method: 'PROPFIND', url: 'https://caldav.example.com/a/', headers: { Depth: '0' }, body: '<b/>' });
    expect(answer.status).toBe(207);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'PROPFIND', body: '<b/>', headers: { authorization: AUTH, depth: '0' } });
    expect(dav.stats.requests).toBe(1);
  });

  it('follows redirects by hand: 301 keeps PROPFIND, 303 becomes GET without body', async () => {
    const { dav, calls } = client((req) => {
      if (req.url.endsWith('/.well-known/caldav')) return new Response(null, { status: 301, headers: { location: '/dav/' } });
      if (req.url.endsWith('/dav/')) return new Response(null, { status: 303, headers: { location: 'https://caldav.example.com/final' } });
      return new Response('done', { status: 200 });
    });
    const answer = await dav.request({ method: 'PROPFIND', url: 'https://caldav.example.com/.well-known/caldav', body: '<p/>', followRedirects: true });
    expect(answer.body).toBe('done');
    expect(answer.url).toBe('https://caldav.example.com/final');
    expect(calls.map((c) => [c.method, new URL(c.url).pathname, c.body])).toEqual([
      ['PROPFIND', '/.well-known/caldav', '<p/>'],
      ['PROPFIND', '/dav/', '<p/>'],
      ['GET', '/final', undefined],
    ]);
  });

  it('does not send credentials to another site, even when redirected there', async () => {
    const { dav, calls } = client((req) =>
      req.url.startsWith('https://caldav.example.com')
        ? new Response(null, { status: 307, headers: { location: 'https://attacker.example.net/steal' } })
        : new Response('x', { status: 200 }),
    );
    await dav.request({ method: 'GET', url: 'https://caldav.example.com/x', followRedirects: true });
    expect(calls[0]?.headers['authorization']).toBe(AUTH);
    expect(calls[1]?.url).toBe('https://attacker.example.net/steal');
    expect(calls[1]?.headers['authorization']).toBeUndefined();
  });

  it('refuses a redirect to a private address and endless redirects', async () => {
    const toPrivate = client(() => new Response(null, { status: 302, headers: { location: 'https://10.0.0.1/' } }));
    expect((await failure(toPrivate.dav.request({ method: 'GET', url: 'https://caldav.example.com/', followRedirects: true }))).code).toBe('VALIDATION');
    const loop = client(() => new Response(null, { status: 302, headers: { location: '/again' } }));
    expect((await failure(loop.dav.request({ method: 'GET', url: 'https://caldav.example.com/', followRedirects: true }))).message).toMatch(/redirects/);
    expect(loop.calls).toHaveLength(6);
  });

  it('answers a redirect without following it unless asked, and a redirect without Location as is', async () => {
    const { dav } = client(() => new Response(null, { status: 302 }));
    expect((await failure(dav.request({ method: 'GET', url: 'https://caldav.example.com/' }))).code).toBe('PROVIDER_REJECTED');
    expect((await dav.request({ method: 'GET', url: 'https://caldav.example.com/', followRedirects: true, accept: [302] })).status).toBe(302);
  });

  it('retries a 503 after its Retry-After and succeeds', async () => {
    let n = 0;
    const { dav, calls } = client(() => (++n === 1 ? new Response('busy', { status: 503, headers: { 'retry-after': '0' } }) : new Response('ok')));
    expect((await dav.request({ method: 'GET', url: 'https://caldav.example.com/' })).body).toBe('ok');
    expect(calls).toHaveLength(2);
  });

  it('gives up after maxAttempts with the typed error, and does not retry permanent errors', async () => {
    const down = client(() => new Response('', { status: 502 }));
    const error = await failure(down.dav.request({ method: 'GET', url: 'https://caldav.example.com/' }));
    expect([error.code, error.retryable, down.calls.length]).toEqual(['PROVIDER_UNAVAILABLE', true, 3]);
    const auth = client(() => new Response('', { status: 401 }));
    expect((await failure(auth.dav.request({ method: 'GET', url: 'https://caldav.example.com/' }))).code).toBe('PROVIDER_AUTH');
    expect(auth.calls).toHaveLength(1);
  });

  it('hands a long Retry-After back to the caller instead of waiting', async () => {
    const { dav, calls } = client(() => new Response('', { status: 429, headers: { 'retry-after': '3600' } }));
    const error = await failure(dav.request({ method: 'GET', url: 'https://caldav.example.com/' }));
    expect([error.code, error.retryAfterS, calls.length]).toEqual(['PROVIDER_THROTTLED', 3600, 1]);
  });

  it('returns accepted non-2xx statuses to the caller', async () => {
    const { dav } = client(() => new Response('', { status: 404 }));
    expect((await dav.request({ method: 'GET', url: 'https://caldav.example.com/', accept: [404] })).status).toBe(404);
  });

  it('times out a request that hangs, as a retryable PROVIDER_TIMEOUT', async () => {
    const { dav } = client(
      (req) =>
        new Promise<Response>(() => {
          void req;
        }),
      { timeoutMs: 20, resilience: { maxAttempts: 1 } },
    );
    const error = await failure(dav.request({ method: 'GET', url: 'https://caldav.example.com/' }));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_TIMEOUT', true]);
  });

  it('turns connection failures into PROVIDER_UNAVAILABLE and opens the circuit', async () => {
    const { dav } = client(
      () => {
        throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      },
      { resilience: { maxAttempts: 1, breakerThreshold: 2, halfOpenAfterMs: 60_000 } },
    );
    for (let i = 0; i < 2; i++) expect((await failure(dav.request({ method: 'GET', url: 'https://caldav.example.com/' }))).code).toBe('PROVIDER_UNAVAILABLE');
    expect(dav.circuitState('https://caldav.example.com/x')).toBe('open');
    expect((await failure(dav.request({ method: 'GET', url: 'https://caldav.example.com/' }))).code).toBe('PROVIDER_CIRCUIT_OPEN');
  });

  it('rate-limits per host with the injected clock and sleep', async () => {
    const clock = new ManualClock();
    const slept: number[] = [];
    const { dav } = client(() => new Response('ok'), {
      clock,
      rateLimit: { capacity: 1, refillPerSecond: 2 },
      sleep: async (ms) => {
        slept.push(ms);
        clock.advance(ms);
      },
    });
    await dav.request({ method: 'GET', url: 'https://caldav.example.com/' });
    await dav.request({ method: 'GET', url: 'https://caldav.example.com/' });
    await dav.request({ method: 'GET', url: 'https://p01.example.com/' });
    expect(slept).toEqual([500]);
  });

  it('refuses oversized responses and unsafe start URLs', async () => {
    const big = client(() => new Response('x'.repeat(100), { headers: { 'content-length': '100' } }), { maxResponseBytes: 10 });
    expect((await failure(big.dav.request({ method: 'GET', url: 'https://caldav.example.com/' }))).message).toMatch(/limit/);
    const chunked = client(() => new Response('x'.repeat(100)), { maxResponseBytes: 10 });
    expect((await failure(chunked.dav.request({ method: 'GET', url: 'https://caldav.example.com/' }))).message).toMatch(/limit/);
    const local = client(() => new Response('x'));
    expect((await failure(local.dav.request({ method: 'GET', url: 'http://127.0.0.1:5232/' }))).code).toBe('VALIDATION');
    expect(local.calls).toHaveLength(0);
  });

  it('sends no Authorization header without a user name', async () => {
    const { dav, calls } = client(() => new Response('ok'), { username: undefined });
    await dav.request({ method: 'GET', url: 'https://caldav.example.com/' });
    expect(calls[0]?.headers['authorization']).toBeUndefined();
  });
});

/** A body that sends `parts`, then fails with `error` (a connection reset mid-body) when one is given. */
function streamedBody(parts: readonly string[], error?: Error): ReadableStream<Uint8Array> {
  const encoded = parts.map((p) => new TextEncoder().encode(p));
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = encoded[i++];
      if (next) controller.enqueue(next);
      else if (error) controller.error(error);
      else controller.close();
    },
  });
}

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

describe('DavClient.requestStream', () => {
  const url = 'https://caldav.example.com/cal/';

  it('hands a 2xx body to the consumer as UTF-8 text chunks, multi-byte characters split across chunks intact', async () => {
    const bytes = new TextEncoder().encode('\uFEFF<x>Zoë 👰</x>');
    const parts = [bytes.slice(0, 3), bytes.slice(3, 10), bytes.slice(10, 15), bytes.slice(15)];
    const { dav } = client(() => new Response(new ReadableStream({ start: (c) => (parts.forEach((p) => c.enqueue(p)), c.close()) }), { status: 207 }));
    const seen: string[] = [];
    const answer = await dav.requestStream({ method: 'REPORT', url }, async (chunks) => {
      for await (const chunk of chunks) seen.push(chunk);
      return seen.join('');
    });
    expect(answer.result).toBe('<x>Zoë 👰</x>');
    expect([answer.status, answer.body, seen.length > 1]).toEqual([207, '', true]);
  });

  it('answers other statuses as request does: text body, no consumer call', async () => {
    const { dav } = client(() => new Response('<d:error/>', { status: 403 }));
    let called = false;
    const answer = await dav.requestStream({ method: 'REPORT', url, accept: [403] }, async () => {
      called = true;
    });
    expect([answer.status, answer.body, answer.result, called]).toEqual([403, '<d:error/>', undefined, false]);
    const refused = client(() => new Response('no', { status: 400 }));
    expect((await failure(refused.dav.requestStream({ method: 'REPORT', url }, collect))).code).toBe('PROVIDER_REJECTED');
  });

  it('retries a body cut off by the network with a fresh consumer call, and counts each attempt', async () => {
    let attempt = 0;
    const { dav, calls } = client(() => {
      attempt += 1;
      return new Response(attempt === 1 ? streamedBody(['<a>', 'par'], new TypeError('terminated')) : streamedBody(['<a>', 'whole</a>']), { status: 207 });
    });
    const consumed: string[] = [];
    const answer = await dav.requestStream({ method: 'REPORT', url }, async (chunks) => {
      const text = await collect(chunks);
      consumed.push(text);
      return text;
    });
    expect(answer.result).toBe('<a>whole</a>');
    expect(consumed).toEqual(['<a>whole</a>']);
    expect([calls.length, dav.stats.requests]).toEqual([2, 2]);
  });

  it('fails with the network error when every attempt is cut off, never with what was read so far', async () => {
    const { dav } = client(() => new Response(streamedBody(['<a>'], new TypeError('terminated')), { status: 207 }), { resilience: { baseDelayMs: 1, maxAttempts: 2 } });
    const error = await failure(dav.requestStream({ method: 'REPORT', url }, collect));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_UNAVAILABLE', true]);
  });

  it("passes the consumer's own errors through unchanged and unretried, and stops reading", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new TextEncoder().encode('<bad>'));
      },
    });
    const { dav, calls } = client(() => new Response(body, { status: 207 }));
    const error = await failure(
      dav.requestStream({ method: 'REPORT', url }, async (chunks) => {
        for await (const chunk of chunks) throw new CalsyncError('PROVIDER_REJECTED', `invalid XML near ${chunk}`);
      }),
    );
    expect([error.code, calls.length, pulled < 5]).toEqual(['PROVIDER_REJECTED', 1, true]);
    const bug = client(() => new Response('<x/>', { status: 207 }));
    await expect(
      bug.dav.requestStream({ method: 'REPORT', url }, async () => {
        throw new TypeError('a bug');
      }),
    ).rejects.toThrow(TypeError);
  });

  it('refuses a body over the size limit, declared or streamed', async () => {
    const declared = client(() => new Response('x'.repeat(100), { status: 207, headers: { 'content-length': '100' } }), { maxResponseBytes: 10 });
    expect((await failure(declared.dav.requestStream({ method: 'REPORT', url }, collect))).message).toMatch(/limit/);
    const streamed = client(() => new Response(streamedBody(['x'.repeat(8), 'x'.repeat(8)]), { status: 207 }), { maxResponseBytes: 10 });
    expect((await failure(streamed.dav.requestStream({ method: 'REPORT', url }, collect))).message).toMatch(/limit/);
  });

  it('times out a body that stops arriving, as a retryable PROVIDER_TIMEOUT', async () => {
    const stalled = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(new TextEncoder().encode('<a>')) });
    const { dav } = client(() => new Response(stalled, { status: 207 }), { timeoutMs: 30, resilience: { maxAttempts: 1 } });
    const error = await failure(dav.requestStream({ method: 'REPORT', url }, collect));
    expect([error.code, error.retryable]).toEqual(['PROVIDER_TIMEOUT', true]);
  });

  it('hands an empty 2xx body over as no chunks', async () => {
    const { dav } = client(() => new Response(null, { status: 204 }));
    expect((await dav.requestStream({ method: 'REPORT', url }, collect)).result).toBe('');
  });
});
