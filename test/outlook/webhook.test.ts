import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/server/app.js';
import { SYNC_CALENDAR_JOB } from '../../src/service/sync-jobs.js';
import { ENSURE_SUBSCRIPTION_JOB } from '../../src/service/outlook/subscription-manager.js';
import { makeWeddingEvent } from '../support/events.js';
import { notification, subscribedCalendar, type SubscribedCalendar } from './support.js';

describe('Graph webhook endpoint', () => {
  let s: SubscribedCalendar;
  let app: FastifyInstance;
  let url: string;
  let lifecycle: string;

  beforeEach(async () => {
    s = await subscribedCalendar();
    app = await buildApp({ store: s.store, queue: s.queue, clock: s.clock, bodyLimit: 1024 * 1024 });
    url = `/webhooks/graph/notify?t=${s.tenantId}&c=${s.calendar.id}`;
    lifecycle = `/webhooks/graph/lifecycle?t=${s.tenantId}&c=${s.calendar.id}`;
  });
  afterEach(async () => {
    await app.close();
    await s.close();
  });

  const post = (path: string, body: unknown, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: path, headers: { 'content-type': contentType }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

  it('answers the validation handshake with the decoded token as text/plain, on both URLs', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 5f6e';
    for (const path of [url, lifecycle]) {
      const res = await post(`${path}&validationToken=${encodeURIComponent(token)}`, '', 'text/plain; charset=utf-8');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toBe(token);
    }
    expect(s.queue.specs).toHaveLength(0);
  });

  it('turns a verified notification into one coalesced delta-sync job and answers 202', async () => {
    const res = await post(url, { value: [notification('sub-1', s.clientState)] });
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('');
    expect(s.queue.specs).toEqual([expect.objectContaining({ type: SYNC_CALENDAR_JOB, tenantId: s.tenantId, priority: 'medium', key: `sync:${s.calendar.id}`, payload: expect.objectContaining({ calendarId: s.calendar.id }) })]);
    // The job is durable: it is in the queue, not run inline.
    expect((await s.queue.counts()).waiting + (await s.queue.counts()).delayed).toBe(1);

    // Duplicates and replays coalesce into the same pending job.
    for (let i = 0; i < 5; i += 1) expect((await post(url, { value: [notification('sub-1', s.clientState)] })).statusCode).toBe(202);
    const counts = await s.queue.counts();
    expect(counts.waiting + counts.delayed).toBe(1);
  });

  it('gives a notification naming a wedding-critical hub event high priority, at once', async () => {
    const hub = await s.store.events.put(s.tenantId, { event: makeWeddingEvent('ceremony'), source: 'wedsync' });
    await s.store.links.create(s.tenantId, { hubEventId: hub.id, calendarId: s.calendar.id, remoteId: 'AAMkCeremony', etag: 'e1', base: hub.event });
    const res = await post(url, { value: [notification('sub-1', s.clientState, 'AAMkOther'), notification('sub-1', s.clientState, 'AAMkCeremony')] });
    expect(res.statusCode).toBe(202);
    expect(s.queue.specs.at(-1)).toMatchObject({ priority: 'high', delayMs: 0 });
  });

  it('enqueues nothing for a forged clientState, an unknown subscription or an unknown calendar, yet answers 202', async () => {
    const forged = await post(url, { value: [notification('sub-1', 'not-the-secret-0123456789ab')] });
    const missing = await post(url, { value: [notification('sub-1', null)] });
    const unknownSub = await post(url, { value: [notification('sub-other', s.clientState)] });
    const unknownCal = await post(`/webhooks/graph/notify?t=${s.tenantId}&c=nope`, { value: [notification('sub-1', s.clientState)] });
    const otherTenant = await post(`/webhooks/graph/notify?t=someone-else&c=${s.calendar.id}`, { value: [notification('sub-1', s.clientState)] });
    for (const res of [forged, missing, unknownSub, unknownCal, otherTenant]) expect(res.statusCode).toBe(202);
    expect(s.queue.specs).toHaveLength(0);
  });

  it('rejects malformed bodies with 400 and enqueues nothing', async () => {
    const bad = [
      ['{not json', 'application/json'],
      ['', 'application/json'],
      [JSON.stringify({ value: [] }), 'application/json'],
      [JSON.stringify({ value: [{ clientState: 'x' }] }), 'application/json'],
      [JSON.stringify({ items: [] }), 'application/json'],
      [JSON.stringify([notification('sub-1', 'x')]), 'application/json'],
    ] as const;
    for (const [body, type] of bad) {
      const res = await post(url, body, type);
      expect(res.statusCode, body).toBe(400);
      expect(res.json()).toMatchObject({ error: { code: 'VALIDATION' } });
    }
    // Not JSON at all: refused unread (issue 10, finding 6).
    const plain = await post(url, 'hello', 'text/plain');
    expect([plain.statusCode, plain.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const noTarget = await post('/webhooks/graph/notify', { value: [notification('sub-1', s.clientState)] });
    expect(noTarget.statusCode).toBe(400);
    const noEvent = await post(lifecycle, { value: [{ subscriptionId: 'sub-1', clientState: s.clientState }] });
    expect(noEvent.statusCode).toBe(400);
    expect(s.queue.specs).toHaveLength(0);
  });

  it('limits the body size (413) and enqueues nothing', async () => {
    const huge = JSON.stringify({ value: [{ ...notification('sub-1', s.clientState), padding: 'x'.repeat(300 * 1024) }] });
    const res = await post(url, huge);
    expect(res.statusCode).toBe(413);
    expect(s.queue.specs).toHaveLength(0);
  });

  it('handles lifecycle notifications: reauthorize, recreate, delta after missed; forged ones are ignored', async () => {
    const event = (lifecycleEvent: string, clientState = s.clientState) => ({ value: [{ subscriptionId: 'sub-1', subscriptionExpirationDateTime: '2026-06-04T12:00:00Z', tenantId: 't', clientState, lifecycleEvent }] });
    expect((await post(lifecycle, event('reauthorizationRequired', 'forged-forged-forged-forged'))).statusCode).toBe(202);
    expect(s.queue.specs).toHaveLength(0);
    for (const name of ['reauthorizationRequired', 'subscriptionRemoved', 'missed']) expect((await post(lifecycle, event(name))).statusCode).toBe(202);
    expect(s.queue.specs.map((j) => [j.type, (j.payload as { mode?: string }).mode ?? null, j.priority])).toEqual([
      [ENSURE_SUBSCRIPTION_JOB, 'reauthorize', 'high'],
      [ENSURE_SUBSCRIPTION_JOB, 'recreate', 'high'],
      [SYNC_CALENDAR_JOB, null, 'high'],
    ]);
  });

  it('accepts a lifecycle event it does not know (202, logged) and still handles the batch\'s other items', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const logged = await buildApp({ store: s.store, queue: s.queue, clock: s.clock, logger });
    try {
      const item = (lifecycleEvent: string) => ({ subscriptionId: 'sub-1', subscriptionExpirationDateTime: '2026-06-04T12:00:00Z', tenantId: 't', clientState: s.clientState, lifecycleEvent });
      const res = await logged.inject({ method: 'POST', url: lifecycle, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ value: [item('subscriptionPaused'), item('missed')] }) });
      expect(res.statusCode).toBe(202);
      expect(s.queue.specs.map((j) => [j.type, j.priority])).toEqual([[SYNC_CALENDAR_JOB, 'high']]);
      const warned = lines.map((l) => JSON.parse(l) as { msg: string; lifecycleEvent?: string });
      expect(warned.some((w) => w.msg === 'unknown graph lifecycle event ignored' && w.lifecycleEvent === 'subscriptionPaused')).toBe(true);
    } finally {
      await logged.close();
    }
  });

  it('is not mounted without a queue (nowhere durable to put the work)', async () => {
    const bare = await buildApp({ store: s.store });
    const res = await bare.inject({ method: 'POST', url, payload: { value: [notification('sub-1', s.clientState)] } });
    expect(res.statusCode).toBe(404);
    await bare.close();
  });
});
