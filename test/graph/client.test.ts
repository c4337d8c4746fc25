import { describe, expect, it } from 'vitest';
import type { CalsyncError } from '../../src/errors.js';
import { ManualClock } from '../../src/util/clock.js';
import { GraphClient } from '../../src/providers/graph/client.js';
import type { GraphClientOptions } from '../../src/providers/graph/client.js';
import { sendBatch } from '../../src/providers/graph/http/batch.js';
import { parseRetryAfter } from '../../src/net/retry-after.js';
import { collectListing, collectPages } from '../../src/providers/graph/http/paging.js';
import { Semaphore } from '../../src/providers/graph/http/semaphore.js';
import { fakeFetch, fakeSleep, graphError, reply } from './support/fake-fetch.js';

const BASE = 'https://graph.test/v1.0';

function client(fetch: GraphClientOptions['fetch'], over: Partial<GraphClientOptions> = {}) {
  const sleep = fakeSleep();
  const tokens: boolean[] = [];
  const c = new GraphClient({
    baseUrl: BASE,
    fetch,
    sleep,
    getToken: async ({ forceRefresh }) => {
      tokens.push(forceRefresh);
      return forceRefresh ? 'fresh-token' : 'old-token';
    },
    ...over,
  });
  return { c, sleep, tokens };
}

async function rejection(p: Promise<unknown>): Promise<CalsyncError> {
  try {
    await p;
  } catch (err) {
    return err as CalsyncError;
  }
  throw new Error('expected a rejection');
}

describe('GraphClient', () => {
  it('never has more than 4 requests in flight, and completes them all', async () => {
    let inFlight = 0;
    let peak = 0;
    const fetch = fakeFetch(async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight -= 1;
      return reply(200, { ok: true });
    });
    const { c } = client(fetch);
    const results = await Promise.all(Array.from({ length: 13 }, (_, i) => c.json({ method: 'GET', url: `/me/events/${i}` })));
    expect(results).toHaveLength(13);
    expect(peak).toBe(4);
    expect(c.semaphore.peak).toBe(4);
    expect(c.requests).toBe(13);
  });

  it('sends the bearer token, JSON body and extra headers to the resolved URL', async () => {
    const fetch = fakeFetch(() => reply(201, { id: 'e1' }));
    const { c } = client(fetch);
    const res = await c.send({ method: 'POST', url: '/me/events', query: { $filter: "iCalUId eq 'a b'" }, body: { subject: 'x' }, headers: { Prefer: 'p' } });
    expect(res.status).toBe(201);
    const call = fetch.calls[0];
    expect(call?.url).toBe(`${BASE}/me/events?$filter=iCalUId%20eq%20'a%20b'`);
    expect(call?.init.headers).toMatchObject({ Authorization: 'Bearer old-token', 'Content-Type': 'application/json', Prefer: 'p, IdType="ImmutableId"' });
    await c.send({ method: 'GET', url: '/me' });
    expect(fetch.calls[1]?.init.headers.Prefer).toBe('IdType="ImmutableId"');
    await c.send({ method: 'GET', url: '/me', headers: { prefer: 'IdType="RestId"' } });
    expect(fetch.calls[2]?.init.headers.prefer).toBe('IdType="RestId"');
    expect(call?.body).toEqual({ subject: 'x' });
    expect(c.resolve('https://elsewhere.test/v1.0/x?$skiptoken=1', { a: '1' })).toBe('https://elsewhere.test/v1.0/x?$skiptoken=1&a=1');
  });

  it('honours Retry-After on 429 through the injected sleep, then succeeds', async () => {
    const fetch = fakeFetch((_c, i) => (i < 2 ? graphError(429, 'TooManyRequests', { 'Retry-After': '7' }) : reply(200, { ok: 1 })));
    const { c, sleep } = client(fetch);
    expect(await c.json({ method: 'GET', url: '/me/events' })).toEqual({ ok: 1 });
    expect(sleep.waits).toEqual([7000, 7000]);
    expect(c.requests).toBe(3);
  });

  it('backs off exponentially on 503/504 without Retry-After', async () => {
    const fetch = fakeFetch((_c, i) => (i === 0 ? graphError(503, 'ServiceUnavailable') : i === 1 ? graphError(504, 'GatewayTimeout') : reply(204)));
    const { c, sleep } = client(fetch);
    expect((await c.send({ method: 'DELETE', url: '/me/events/1' })).status).toBe(204);
    expect(sleep.waits).toEqual([1000, 2000]);
  });

  it('gives up after maxAttempts with PROVIDER_THROTTLED carrying retryAfterS', async () => {
    const fetch = fakeFetch(() => graphError(429, 'TooManyRequests', { 'Retry-After': '3' }));
    const { c, sleep } = client(fetch, { maxAttempts: 3 });
    const err = await rejection(c.send({ method: 'GET', url: '/me/events' }));
    expect(err.code).toBe('PROVIDER_THROTTLED');
    expect(err.retryAfterS).toBe(3);
    expect(err.retryable).toBe(true);
    expect(sleep.waits).toEqual([3000, 3000]);
    expect(fetch.calls).toHaveLength(3);
  });

  it('does not wait out a Retry-After longer than maxWaitS', async () => {
    const fetch = fakeFetch(() => graphError(429, 'TooManyRequests', { 'Retry-After': '600' }));
    const { c, sleep } = client(fetch);
    const err = await rejection(c.send({ method: 'GET', url: '/me/events' }));
    expect(err).toMatchObject({ code: 'PROVIDER_THROTTLED', retryAfterS: 600 });
    expect(sleep.waits).toEqual([]);
  });

  it('refreshes the token once on 401, then reports PROVIDER_AUTH needing re-auth', async () => {
    const once = fakeFetch((call) => (call.init.headers.Authorization === 'Bearer fresh-token' ? reply(200, {}) : graphError(401, 'InvalidAuthenticationToken')));
    const a = client(once);
    await a.c.send({ method: 'GET', url: '/me' });
    expect(a.tokens).toEqual([false, true]);

    const always = fakeFetch(() => graphError(401, 'InvalidAuthenticationToken'));
    const b = client(always);
    const err = await rejection(b.c.send({ method: 'GET', url: '/me' }));
    expect(err.code).toBe('PROVIDER_AUTH');
    expect(err.details?.needsReauth).toBe(true);
    expect(b.tokens).toEqual([false, true]);
  });

  it.each([
    [412, 'ErrorIrresolvableConflict', 'PROVIDER_PRECONDITION_FAILED'],
    [404, 'ErrorItemNotFound', 'PROVIDER_NOT_FOUND'],
    [410, 'Gone', 'PROVIDER_INVALID_SYNC_TOKEN'],
    [400, 'syncStateNotFound', 'PROVIDER_INVALID_SYNC_TOKEN'],
    [400, 'resyncRequired', 'PROVIDER_INVALID_SYNC_TOKEN'],
    [400, 'ErrorInvalidParameter', 'PROVIDER_REJECTED'],
    [403, 'ErrorAccessDenied', 'PROVIDER_REJECTED'],
    [409, 'ErrorDuplicateTransactionId', 'PROVIDER_CONFLICT'],
    [500, 'InternalServerError', 'PROVIDER_UNAVAILABLE'],
    [408, 'RequestTimeout', 'PROVIDER_TIMEOUT'],
  ])('maps %i %s to %s', async (status, code, expected) => {
    const fetch = fakeFetch(() => graphError(status, code));
    const { c } = client(fetch);
    const err = await rejection(c.send({ method: 'PATCH', url: '/me/events/1?$deltatoken=secret', body: {} }));
    expect(err.code).toBe(expected);
    expect(err.details).toMatchObject({ status, graphCode: code, requestId: 'req-1', path: `${BASE}/me/events/1` });
    expect(err.message).not.toContain('secret');
    expect(fetch.calls).toHaveLength(1);
  });

  it('retries network failures and reports timeouts as PROVIDER_TIMEOUT', async () => {
    const flaky = fakeFetch((_c, i) => {
      if (i === 0) throw new TypeError('fetch failed');
      return reply(200, { ok: true });
    });
    const a = client(flaky);
    expect(await a.c.json({ method: 'GET', url: '/x' })).toEqual({ ok: true });
    expect(a.sleep.waits).toEqual([1000]);

    const slow = fakeFetch(() => {
      throw Object.assign(new Error('timed out'), { name: 'TimeoutError' });
    });
    const b = client(slow, { maxAttempts: 2 });
    expect((await rejection(b.c.send({ method: 'GET', url: '/x' }))).code).toBe('PROVIDER_TIMEOUT');
    expect(slow.calls).toHaveLength(2);
  });

  it('keeps a non-JSON gateway page as the error message', async () => {
    const fetch = fakeFetch(() => reply(502, '<html>Bad gateway</html>'));
    const err = await rejection(client(fetch).c.send({ method: 'GET', url: '/x' }));
    expect(err.code).toBe('PROVIDER_UNAVAILABLE');
    expect(err.message).toContain('Bad gateway');
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12, 0, 0));
    expect(parseRetryAfter('12', clock.now())).toBe(12);
    expect(parseRetryAfter('Mon, 01 Jun 2026 12:00:30 GMT', clock.now())).toBe(30);
    expect(parseRetryAfter('soon', clock.now())).toBeUndefined();
    expect(parseRetryAfter(null, clock.now())).toBeUndefined();
  });
});

describe('paging', () => {
  it('follows nextLinks whole (empty pages included) to the deltaLink', async () => {
    const pages = [
      { value: [{ id: 'a' }], '@odata.nextLink': `${BASE}/me/calendarView/delta?$skiptoken=1` },
      { value: [], '@odata.nextLink': `${BASE}/me/calendarView/delta?$skiptoken=2` },
      { value: [{ id: 'b' }, { id: 'c' }], '@odata.deltaLink': `${BASE}/me/calendarView/delta?$deltatoken=9` },
    ];
    const fetch = fakeFetch((_c, i) => reply(200, pages[i]));
    const { c } = client(fetch);
    const result = await collectPages<{ id: string }>(c, { method: 'GET', url: '/me/calendarView/delta', query: { startDateTime: 's' }, headers: { Prefer: 'odata.maxpagesize=1' } });
    expect(result.items.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(result.deltaLink).toBe(`${BASE}/me/calendarView/delta?$deltatoken=9`);
    expect(fetch.calls.map((call) => call.url)).toEqual([`${BASE}/me/calendarView/delta?startDateTime=s`, pages[0]?.['@odata.nextLink'], pages[1]?.['@odata.nextLink']]);
    expect(fetch.calls[2]?.init.headers.Prefer).toBe('odata.maxpagesize=1, IdType="ImmutableId"');
  });

  it('turns a failure mid-listing into PROVIDER_LISTING_FAILED, never a short list', async () => {
    const fetch = fakeFetch((_c, i) => (i === 0 ? reply(200, { value: [{ id: 'a' }], '@odata.nextLink': `${BASE}/n` }) : graphError(500, 'InternalServerError')));
    const err = await rejection(collectListing(client(fetch).c, { method: 'GET', url: '/me/events' }));
    expect(err.code).toBe('PROVIDER_LISTING_FAILED');
    expect(err.details?.causeCode).toBe('PROVIDER_UNAVAILABLE');
  });

  it('passes an invalid delta token through unchanged, and bounds the page count', async () => {
    const expired = fakeFetch(() => graphError(410, 'SyncStateNotFound'));
    expect((await rejection(collectListing(client(expired).c, { method: 'GET', url: '/d' }))).code).toBe('PROVIDER_INVALID_SYNC_TOKEN');
    const loop = fakeFetch(() => reply(200, { value: [], '@odata.nextLink': `${BASE}/again` }));
    expect((await rejection(collectPages(client(loop).c, { method: 'GET', url: '/d' }, 3))).code).toBe('PROVIDER_LISTING_FAILED');
    const broken = fakeFetch(() => reply(200, { nope: true }));
    expect((await rejection(collectPages(client(broken).c, { method: 'GET', url: '/d' }))).code).toBe('PROVIDER_LISTING_FAILED');
  });
});

describe('$batch', () => {
  it('splits into 4s (the mailbox concurrency), keeps order, and resends throttled inner requests after Retry-After', async () => {
    let throttledOnce = false;
    const fetch = fakeFetch((call) => {
      const requests = (call.body as { requests: { id: string; url: string }[] }).requests;
      const responses = requests.map((r) => {
        if (r.id === '3' && !throttledOnce) {
          throttledOnce = true;
          return { id: r.id, status: 429, headers: { 'Retry-After': '5' }, body: { error: { code: 'TooManyRequests' } } };
        }
        return { id: r.id, status: 200, body: { url: r.url } };
      });
      return reply(200, { responses: responses.reverse() });
    });
    const { c, sleep } = client(fetch);
    const items = Array.from({ length: 25 }, (_, i) => ({ method: 'PATCH' as const, url: i === 0 ? `${BASE}/me/events/0` : `/me/events/${i}`, body: { n: i } }));
    const results = await sendBatch(c, items);
    expect(results.map((r) => (r.body as { url: string }).url)).toEqual(items.map((_, i) => `/me/events/${i}`));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(sleep.waits).toEqual([5000]);
    const sizes = fetch.calls.map((call) => (call.body as { requests: unknown[] }).requests.length);
    // 25 items: batches of 4, the throttled one resent alone after the first batch, the last holds 1.
    expect(sizes).toEqual([4, 1, 4, 4, 4, 4, 4, 1]);
    // Each inner request is spent from the budget, and the inner 429 counts as throttled.
    expect(c.budget.snapshot().used).toBe(26);
    expect(c.throttled).toBe(1);
    expect(fetch.calls.every((call) => call.url === `${BASE}/$batch`)).toBe(true);
    const first = (fetch.calls[0]?.body as { requests: { headers: Record<string, string> }[] }).requests[0];
    expect(first?.headers).toEqual({ 'Content-Type': 'application/json', Prefer: 'IdType="ImmutableId"' });
    // A batch of 4 counts as 4 concurrent requests against the mailbox: it held every permit.
    expect(c.semaphore.peak).toBe(4);
  });

  it('returns the throttled status when retries run out, and a placeholder for missing responses', async () => {
    const fetch = fakeFetch((call) => {
      const requests = (call.body as { requests: { id: string }[] }).requests;
      return reply(200, { responses: requests.filter((r) => r.id !== '1').map((r) => ({ id: r.id, status: 429, headers: { 'retry-after': '1' } })) });
    });
    const { c, sleep } = client(fetch, { maxAttempts: 2 });
    const results = await sendBatch(c, [
      { method: 'GET', url: '/a' },
      { method: 'GET', url: '/b' },
    ]);
    expect(results.map((r) => r.status)).toEqual([429, 0]);
    expect(sleep.waits).toEqual([1000]);
  });
});

describe('Semaphore', () => {
  it('is FIFO and clamps permits to the capacity', async () => {
    const s = new Semaphore(2);
    const order: string[] = [];
    const r1 = await s.acquire();
    const big = s.acquire(5).then((release) => {
      order.push('big');
      return release;
    });
    const small = s.acquire().then((release) => {
      order.push('small');
      return release;
    });
    r1();
    r1();
    (await big)();
    (await small)();
    expect(order).toEqual(['big', 'small']);
    expect(s.inUse).toBe(0);
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
