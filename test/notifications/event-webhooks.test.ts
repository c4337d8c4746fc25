/**
 * Hub changes as webhooks: in the hub's order per endpoint, signed per Standard Webhooks (checked with the
 * reference verifier), retried, dead-lettered and replayed without a gap; conflicts opened and resolved;
 * the "send test event" API.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue } from '../../src/queue/open.js';
import type { JobQueue } from '../../src/queue/types.js';
import { buildApp } from '../../src/server/app.js';
import { createHubEvent, deleteHubEvent, restoreHubEvent, updateHubEvent } from '../../src/service/hub-events.js';
import { notifyConflictChanges } from '../../src/service/notifications/conflict-watch.js';
import { NotificationEndpoints } from '../../src/service/notifications/endpoints.js';
import { WEBHOOK_DISPATCH_JOB } from '../../src/service/notifications/event-webhooks.js';
import { startWorkers, type Workers } from '../../src/service/workers.js';
import { generateSecretKey } from '../../src/util/crypto.js';
import { makeService, type ServiceHarness } from '../service/harness.js';
import { startReceiver, verifyStandard, type Receiver } from './receiver.js';

let h: ServiceHarness;
let queue: JobQueue;
let endpoints: NotificationEndpoints;
let receiver: Receiver;
let workers: Workers | undefined;

beforeEach(async () => {
  h = await makeService();
  queue = await openQueue({ db: h.store.db, dialect: h.store.dialect, clock: h.clock });
  endpoints = await NotificationEndpoints.open({ db: h.store.db, secretKey: generateSecretKey(), clock: h.clock });
  receiver = await startReceiver();
});
afterEach(async () => {
  await workers?.stop(1_000);
  workers = undefined;
  await queue.close();
  await receiver.close();
  await h.close();
});

const start = (): void => {
  workers = startWorkers(
    { store: h.store, queue, providers: h.providers, clock: h.clock, notifications: endpoints, notifierOptions: { allowPrivateUrls: true, attempts: 3, backoffMs: 1_000 } },
    { poll: false, outboxPollMs: 50 },
  );
};
const settle = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 40 && !done(); i += 1) {
    await new Promise((r) => setTimeout(r, 60));
    await queue.drain(10_000);
    if (!done()) h.clock.advance(60_000);
  }
};
const deps = () => ({ store: h.store, clock: h.clock });
const EVENT_TYPES = ['event.created', 'event.updated', 'event.deleted', 'event.restored'] as const;

interface Body {
  id: string;
  type: string;
  data: { seq: number; type: string; eventId: string; version: number };
}

describe('event webhooks', () => {
  it('sends every hub change once, in commit order, signed per Standard Webhooks', async () => {
    const { secret } = await endpoints.create(h.tenantId, { url: receiver.url, events: [...EVENT_TYPES] });
    start();
    const a = await createHubEvent(deps(), h.tenantId, { title: 'Ceremony', start: '2027-06-01T14:00Z' }, 'api');
    const b = await createHubEvent(deps(), h.tenantId, { title: 'Reception', start: '2027-06-01T18:00Z' }, 'api');
    await updateHubEvent(deps(), h.tenantId, a.id, { location: 'Chapel' }, 'api');
    await deleteHubEvent(deps(), h.tenantId, b.id, 'api');
    await restoreHubEvent(deps(), h.tenantId, b.id);
    await settle(() => receiver.received.length >= 5);
    const bodies = receiver.received.map((r) => verifyStandard(secret, r, h.clock.now()) as Body);
    expect(bodies.map((x) => [x.type, x.data.eventId, x.data.version])).toEqual([
      ['event.created', a.id, 1],
      ['event.created', b.id, 1],
      ['event.updated', a.id, 2],
      ['event.deleted', b.id, 2],
      ['event.restored', b.id, 3],
    ]);
    expect(bodies.map((x) => x.data.seq)).toEqual([...bodies.map((x) => x.data.seq)].sort((p, q) => p - q));
    // webhook-id is the body's id and stable per change; no X-Calsync-* unless asked for.
    expect(receiver.received.map((r) => r.headers['webhook-id'])).toEqual(bodies.map((x) => x.id));
    expect(receiver.received[0]?.headers['x-calsync-signature']).toBeUndefined();
    // A tampered body fails the reference verifier.
    expect(() => verifyStandard(secret, { ...receiver.received[0]!, body: receiver.received[0]!.body.replace('Ceremony', 'Cer3mony') }, h.clock.now())).toThrow();
  });

  it('holds later changes behind a failing one, dead-letters it, and the replay goes on without a gap', async () => {
    await endpoints.create(h.tenantId, { url: receiver.url, events: ['event.created', 'event.updated'] });
    const filtered = await endpoints.create(h.tenantId, { url: receiver.url, events: ['schedule.changed'] });
    start();
    const first = await createHubEvent(deps(), h.tenantId, { title: 'One', start: '2027-06-01' }, 'api');
    await settle(() => receiver.received.length >= 1);
    // The endpoint fails until every dispatch job has spent its attempts (a change committed while one
    // ran may have started a second job: both retry from the same change).
    receiver.answers.push(...Array<number>(40).fill(500));
    await updateHubEvent(deps(), h.tenantId, first.id, { title: 'One (moved)' }, 'api');
    await createHubEvent(deps(), h.tenantId, { title: 'Two', start: '2027-06-02' }, 'api');
    for (let i = 0; i < 40; i += 1) {
      await settle(() => false);
      const counts = await queue.counts(h.tenantId);
      if (counts.dead > 0 && counts.waiting + counts.delayed + counts.active === 0) break;
    }
    receiver.answers.length = 0;
    const dead = await queue.deadLetters(h.tenantId);
    expect(dead.length).toBeGreaterThanOrEqual(1);
    expect(dead[0]).toMatchObject({ type: WEBHOOK_DISPATCH_JOB, lastError: expect.stringContaining('HTTP 500') });
    // Every attempt was the update: nothing later overtook it.
    const failed = receiver.received.length;
    expect(receiver.received.slice(1).map((r) => (JSON.parse(r.body) as Body).data.version)).toEqual(Array<number>(failed - 1).fill(2));
    // Paused: a new change does not start the endpoint again by itself.
    await createHubEvent(deps(), h.tenantId, { title: 'Three', start: '2027-06-03' }, 'api');
    await settle(() => false);
    expect(receiver.received).toHaveLength(failed);
    expect(await queue.replay(dead[0]!.id, h.tenantId)).toBe(true);
    await settle(() => receiver.received.length >= failed + 3);
    const delivered = receiver.received.slice(failed).map((r) => (JSON.parse(r.body) as Body).data);
    expect(delivered.map((d) => [d.type, d.version])).toEqual([
      ['event.updated', 2],
      ['event.created', 1],
      ['event.created', 1],
    ]);
    // The endpoint that takes no event.* (same receiver) got none of it; nothing came twice after the replay.
    await settle(() => false);
    expect(receiver.received).toHaveLength(failed + 3);
    expect(await endpoints.feedCursor(h.tenantId, filtered.endpoint.id)).toBe(0);
  });

  it('announces conflicts opened and resolved, once each', async () => {
    await endpoints.create(h.tenantId, { url: receiver.url, events: ['conflict.opened', 'conflict.resolved'] });
    const { calendars } = await h.addIntegration('studio');
    const event = await createHubEvent(deps(), h.tenantId, { title: 'Fitting', start: '2027-06-01' }, 'api');
    const conflict = await h.store.conflicts.record(h.tenantId, { calendarId: calendars[0]!.id, hubEventId: event.id, type: 'field', fields: ['location'] });
    const notifier = { queue, endpoints, clock: h.clock, store: h.store };
    expect(await notifyConflictChanges(notifier, h.tenantId)).toBe(1);
    expect(await notifyConflictChanges(notifier, h.tenantId)).toBe(0);
    await h.store.conflicts.resolve(h.tenantId, conflict.id, { take: 'wedsync', by: 'test' });
    expect(await notifyConflictChanges(notifier, h.tenantId)).toBe(1);
    start();
    await settle(() => receiver.received.length >= 2);
    expect(receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { conflictId: string; resolution?: { take: string } } })).toMatchObject([
      { type: 'conflict.opened', data: { conflictId: conflict.id } },
      { type: 'conflict.resolved', data: { conflictId: conflict.id, resolution: { take: 'wedsync' } } },
    ]);
  });
});

describe('POST /api/v1/notification-endpoints/{id}/test', () => {
  it('sends a signed test event and says how the endpoint answered', async () => {
    const app = await buildApp({ store: h.store, queue, clock: h.clock, notifications: endpoints, allowPrivateUrls: true, rateLimits: false });
    try {
      const key = (await h.store.apiKeys.create(h.tenantId, 'test')).key;
      const auth = { authorization: `Bearer ${key}` };
      const created = await app.inject({ method: 'POST', url: '/api/v1/notification-endpoints', headers: auth, payload: { url: receiver.url, legacyHeaders: true } });
      expect(created.statusCode).toBe(201);
      const { id, secret, events, legacyHeaders } = created.json() as { id: string; secret: string; events: string[]; legacyHeaders: boolean };
      expect(events).toContain('event.updated');
      expect(legacyHeaders).toBe(true);
      const ok = await app.inject({ method: 'POST', url: `/api/v1/notification-endpoints/${id}/test`, headers: auth });
      expect(ok.json()).toMatchObject({ delivered: true });
      expect(verifyStandard(secret, receiver.received[0]!, h.clock.now())).toMatchObject({ type: 'webhook.test', id: ok.json().webhookId });
      expect(receiver.received[0]?.headers['x-calsync-signature']).toMatch(/^sha256=/);
      receiver.answers.push(503);
      expect((await app.inject({ method: 'POST', url: `/api/v1/notification-endpoints/${id}/test`, headers: auth })).json()).toMatchObject({ delivered: false, error: expect.stringContaining('503') });
      expect((await app.inject({ method: 'POST', url: '/api/v1/notification-endpoints/nope/test', headers: auth })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
