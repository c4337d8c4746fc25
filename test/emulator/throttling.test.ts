import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/util/clock.js';
import { type Harness, event, startHarness } from './helpers.js';

describe('Graph emulator: throttling and injected faults', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('allows 4 concurrent requests per mailbox and answers the 5th with 429 MailboxConcurrency', async () => {
    // The first four requests to arrive are held inside the emulator (each holding its slot) until
    // released, so all six overlap however slowly they arrive: no timing involved.
    h.emu.admin.addFault({ rule: { kind: 'hold' }, count: 4 });
    const pending = Array.from({ length: 6 }, () => h.call('GET', '/me/events'));
    const answered: number[] = [];
    pending.forEach((p) => void p.then((r) => answered.push(r.status)));
    await vi.waitFor(() => expect(answered).toEqual([429, 429]), { timeout: 30_000 });
    expect(h.emu.admin.heldRequests()).toBe(4);
    expect(h.emu.admin.releaseHeld()).toBe(4);
    const results = await Promise.all(pending);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    const throttled = results.find((r) => r.status === 429);
    expect(throttled?.headers['retry-after']).toBe('1');
    expect(throttled?.body).toMatchObject({ error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' } });
    // The slots are released once those requests finished.
    expect((await h.call('GET', '/me/events')).status).toBe(200);
  });

  it('lets the official client retry a 429 after Retry-After (1 s) and succeed', async () => {
    h.emu.admin.addFault({ rule: { kind: 'throttle', retryAfterS: 1 }, count: 2, pathPrefix: '/me/calendars' });
    const started = Date.now();
    const calendars = await h.client.api('/me/calendars').get();
    expect(calendars.value).toHaveLength(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
  });

  it('injects 5xx with the Graph error body; 503 with Retry-After is retried by the client, 500 is not', async () => {
    h.emu.admin.addFault({ rule: { kind: 'error', status: 503, code: 'ServiceUnavailable', retryAfterS: 1 }, count: 1, method: 'GET' });
    expect((await h.client.api('/me/calendar').get()).isDefaultCalendar).toBe(true);
    h.emu.admin.addFault({ rule: { kind: 'error', status: 500, code: 'generalException' }, count: 1 });
    await expect(h.client.api('/me/calendar').get()).rejects.toMatchObject({ statusCode: 500, code: 'generalException' });
    h.emu.admin.addFault({ rule: { kind: 'error', status: 504, code: 'GatewayTimeout' }, count: 1, pathPrefix: '/me/events', method: 'POST' });
    const other = await h.call('GET', '/me/events');
    expect(other.status).toBe(200);
    const hit = await h.call('POST', '/me/events', { body: event('x', '2026-06-20T10:00:00', '2026-06-20T11:00:00') });
    expect(hit.status).toBe(504);
    expect(hit.body).toMatchObject({ error: { code: 'GatewayTimeout', message: 'The gateway timed out.' } });
    h.emu.admin.addFault({ rule: { kind: 'error', status: 500, code: 'generalException' } });
    expect((await h.call('GET', '/me/events')).status).toBe(500);
    h.emu.admin.clearFaults();
    expect((await h.call('GET', '/me/events')).status).toBe(200);
  });
});

describe('Graph emulator: request budget per window', () => {
  it('answers over-budget requests with 429 TooManyRequests and the time left in the window', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    const h = await startHarness({ clock, throttle: { budget: 3, windowMs: 10 * 60_000 } });
    try {
      for (let i = 0; i < 3; i++) expect((await h.call('GET', '/me/events')).status).toBe(200);
      const over = await h.call('GET', '/me/events');
      expect(over.status).toBe(429);
      expect(over.headers['retry-after']).toBe('600');
      expect(over.body).toMatchObject({ error: { code: 'TooManyRequests', message: 'Please retry again later.' } });
      clock.advance(4 * 60_000);
      expect((await h.call('GET', '/me/events')).headers['retry-after']).toBe('360');
      clock.advance(6 * 60_000);
      expect((await h.call('GET', '/me/events')).status).toBe(200);
      // Another app has its own budget for the same mailbox.
      const other = h.emu.admin.issueToken('adele@contoso.onmicrosoft.com', { clientId: 'other-app' }).accessToken;
      expect((await h.call('GET', '/me/events', { token: other })).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

describe('Graph emulator: $batch', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ throttle: { budget: 1000 } });
  });
  afterAll(() => h.close());

  it('runs requests with dependsOn and answers 424 for dependants of a failure', async () => {
    const res = await h.client.api('/$batch').post({
      requests: [
        { id: '1', method: 'POST', url: '/me/events', headers: { 'Content-Type': 'application/json' }, body: event('Batched', '2026-06-20T10:00:00', '2026-06-20T11:00:00') },
        { id: '2', method: 'GET', url: '/me/events?$top=50', dependsOn: ['1'] },
        { id: '3', method: 'GET', url: '/me/events/does-not-exist' },
        { id: '4', method: 'DELETE', url: '/me/events/whatever', dependsOn: ['3'] },
      ],
    });
    const byId = new Map<string, { status: number; body: { value?: { subject: string }[]; error?: { code: string } }; headers: Record<string, string> }>(
      res.responses.map((r: { id: string }) => [r.id, r]),
    );
    expect(byId.get('1')?.status).toBe(201);
    expect(byId.get('2')?.status).toBe(200);
    expect(byId.get('2')?.body.value?.some((e) => e.subject === 'Batched')).toBe(true);
    expect(byId.get('3')?.status).toBe(404);
    expect(byId.get('3')?.body.error?.code).toBe('ErrorItemNotFound');
    expect(byId.get('4')?.status).toBe(424);
    expect(byId.get('1')?.headers['Content-Type']).toMatch(/application\/json/);
  });

  it('refuses more than 20 requests, duplicate ids, bodies without Content-Type and unknown dependencies', async () => {
    const get = (id: string) => ({ id, method: 'GET', url: '/me/events' });
    const cases = [
      { requests: Array.from({ length: 21 }, (_, i) => get(String(i))) },
      { requests: [get('a'), get('a')] },
      { requests: [{ id: 'b', method: 'POST', url: '/me/events', body: { subject: 'x' } }] },
      { requests: [{ ...get('c'), dependsOn: ['zzz'] }] },
      { requests: [{ ...get('d'), url: 'https://graph.microsoft.com/v1.0/me/events' }] },
      { nothing: true },
    ];
    for (const body of cases) {
      const res = await h.call('POST', '/$batch', { body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: 'BadRequest' } });
    }
    const twenty = await h.call('POST', '/$batch', { body: { requests: Array.from({ length: 20 }, (_, i) => get(String(i))) } });
    expect(twenty.status).toBe(200);
  });

  it('throttles each inner request on its own', async () => {
    const b = await startHarness({ throttle: { budget: 3 }, batchConcurrency: 20 });
    try {
      const res = await b.call('POST', '/$batch', { body: { requests: Array.from({ length: 5 }, (_, i) => ({ id: String(i), method: 'GET', url: '/me/calendar' })) } });
      const responses = (res.body as { responses: { status: number; headers: Record<string, string> }[] }).responses;
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 429, 429]);
      expect(responses.find((r) => r.status === 429)?.headers['Retry-After']).toBeDefined();
    } finally {
      await b.close();
    }
  });

  it('hits MailboxConcurrency when a batch runs more than 4 slow requests at once', async () => {
    const b = await startHarness({ batchConcurrency: 20 });
    try {
      b.emu.admin.addFault({ rule: { kind: 'latency', ms: 200 }, count: 6 });
      const res = await b.call('POST', '/$batch', { body: { requests: Array.from({ length: 6 }, (_, i) => ({ id: String(i), method: 'GET', url: '/me/calendar' })) } });
      const codes = (res.body as { responses: { status: number; body: { error?: { code: string } } }[] }).responses.filter((r) => r.status === 429).map((r) => r.body.error?.code);
      expect(codes).toEqual(['ApplicationThrottled', 'ApplicationThrottled']);
    } finally {
      await b.close();
    }
  });
});
