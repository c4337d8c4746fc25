import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue } from '../../src/queue/open.js';
import type { JobQueue } from '../../src/queue/types.js';
import { NotificationEndpoints } from '../../src/service/notifications/endpoints.js';
import { sweepHealth } from '../../src/service/notifications/health-sweep.js';
import { scheduleChange, snapshotOf } from '../../src/service/notifications/schedule-change.js';
import { ScheduleWatch } from '../../src/service/notifications/schedule-watch.js';
import { sign, verifySignature } from '../../src/service/notifications/signature.js';
import { MemoryStatusBus } from '../../src/service/status/bus.js';
import type { StatusEvent } from '../../src/service/status/events.js';
import { enqueueCalendarSync } from '../../src/service/sync-jobs.js';
import { startWorkers, type Workers } from '../../src/service/workers.js';
import { generateSecretKey } from '../../src/util/crypto.js';
import { makeEvent, makeWeddingEvent, zoned } from '../support/events.js';
import { makeService, type ServiceHarness } from '../service/harness.js';
import { startReceiver, verifyStandard, type Receiver } from './receiver.js';

describe('signatures', () => {
  const body = '{"id":"e1"}';
  const now = Date.UTC(2026, 5, 1);
  const ts = Math.floor(now / 1000);

  it('verifies a fresh, untampered delivery', () => {
    expect(verifySignature({ secret: 's', body, timestamp: String(ts), signature: sign('s', ts, body), nowMs: now })).toEqual({ ok: true });
  });

  it('refuses a tampered body, a wrong secret, an old timestamp and missing headers', () => {
    const signature = sign('s', ts, body);
    expect(verifySignature({ secret: 's', body: `${body} `, timestamp: String(ts), signature, nowMs: now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySignature({ secret: 'other', body, timestamp: String(ts), signature, nowMs: now })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySignature({ secret: 's', body, timestamp: String(ts), signature, nowMs: now + 301_000 })).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(verifySignature({ secret: 's', body, timestamp: undefined, signature, nowMs: now })).toEqual({ ok: false, reason: 'missing_headers' });
    expect(verifySignature({ secret: 's', body, timestamp: 'soon', signature, nowMs: now })).toEqual({ ok: false, reason: 'missing_headers' });
  });
});

describe('scheduleChange', () => {
  const chapel = snapshotOf(makeWeddingEvent('ceremony', { location: 'Chapel' }));

  it('reports date, time and place changes with before and after', () => {
    const moved = { ...chapel, start: zoned('2026-08-15T15:00:00'), location: 'Barn' };
    expect(scheduleChange('h', chapel, moved, 'now', 'api')).toMatchObject({ change: 'updated', fields: ['start', 'location'], before: { location: 'Chapel' }, after: { location: 'Barn' }, source: 'api' });
    expect(scheduleChange('h', chapel, { ...chapel, end: undefined }, 'now')?.fields).toEqual(['end']);
  });

  it('reports deletions, and nothing when only other fields changed', () => {
    expect(scheduleChange('h', chapel, null, 'now')).toMatchObject({ change: 'deleted', after: null });
    expect(scheduleChange('h', chapel, { ...chapel, title: 'Vows', location: ' Chapel ' }, 'now')).toBeUndefined();
  });
});

describe('ScheduleWatch', () => {
  let h: ServiceHarness;
  let watch: ScheduleWatch;
  beforeEach(async () => {
    h = await makeService();
    const endpoints = await NotificationEndpoints.open({ db: h.store.db, secretKey: generateSecretKey(), clock: h.clock });
    watch = new ScheduleWatch(endpoints.db, h.store);
  });
  afterEach(async () => {
    await h.close();
  });

  it('finds changes from any source, once, folding several edits into one', async () => {
    const old = await h.store.events.put(h.tenantId, { event: makeWeddingEvent('reception', { location: 'Hall' }), source: 'wedsync' });
    expect(await watch.scan(h.tenantId)).toEqual([]); // the first scan only sets the cursor
    const ceremony = await h.store.events.put(h.tenantId, { event: makeWeddingEvent('ceremony', { location: 'Chapel' }), source: 'api' });
    const tasting = await h.store.events.put(h.tenantId, { event: makeEvent({ title: 'Tasting', location: 'Kitchen' }), source: 'api' });
    expect(await watch.scan(h.tenantId)).toEqual([]); // new events are not changes

    const step = await h.store.events.put(h.tenantId, { id: ceremony.id, expectedVersion: ceremony.version, event: { ...ceremony.event, location: 'Garden' }, source: 'cli' });
    await h.store.events.put(h.tenantId, { id: ceremony.id, expectedVersion: step.version, event: { ...step.event, location: 'Barn' }, source: 'api' });
    await h.store.events.put(h.tenantId, { id: tasting.id, expectedVersion: tasting.version, event: { ...tasting.event, location: 'Garden' }, source: 'api' });
    // Watched before the snapshots existed: its latest audit entry gives the before.
    await h.store.events.put(h.tenantId, { id: old.id, expectedVersion: old.version, event: { ...old.event, location: 'Tent' }, source: 'calendar:c1' });
    const changes = await watch.scan(h.tenantId);
    expect(changes).toEqual([
      expect.objectContaining({ hubEventId: ceremony.id, change: 'updated', fields: ['location'], before: expect.objectContaining({ location: 'Chapel' }), after: expect.objectContaining({ location: 'Barn' }), source: 'api' }),
      expect.objectContaining({ hubEventId: old.id, fields: ['location'], before: expect.objectContaining({ location: 'Hall' }), source: 'calendar:c1' }),
    ]);
    expect(await watch.scan(h.tenantId)).toEqual([]);

    await h.store.events.delete(h.tenantId, ceremony.id, { source: 'api' });
    expect(await watch.scan(h.tenantId)).toEqual([expect.objectContaining({ hubEventId: ceremony.id, change: 'deleted' })]);
  });

  it('lets only one of two concurrent scans announce a change', async () => {
    await watch.scan(h.tenantId);
    const e = await h.store.events.put(h.tenantId, { event: makeWeddingEvent('ceremony'), source: 'api' });
    await watch.scan(h.tenantId);
    await h.store.events.put(h.tenantId, { id: e.id, expectedVersion: e.version, event: { ...e.event, location: 'Moved' }, source: 'api' });
    const other = new ScheduleWatch((watch as unknown as { db: never }).db, h.store);
    const [a, b] = await Promise.all([watch.scan(h.tenantId), other.scan(h.tenantId)]);
    expect(a.length + b.length).toBe(1);
  });
});

describe('notification endpoints and deliveries', () => {
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
      { poll: false },
    );
  };
  /** Runs what is due; moves the clock past backoffs until `done` or the attempts are spent. */
  const settle = async (done: () => boolean): Promise<void> => {
    for (let i = 0; i < 20 && !done(); i += 1) {
      await queue.drain(10_000);
      if (!done()) h.clock.advance(60_000);
    }
  };

  it('keeps endpoints per tenant, secrets sealed and shown once', async () => {
    const { endpoint, secret } = await endpoints.create(h.tenantId, { url: receiver.url, description: 'planner', events: ['schedule.changed'] });
    expect(secret).toMatch(/^whsec_/);
    expect(await endpoints.list(h.tenantId)).toEqual([endpoint]);
    expect(await endpoints.list(h.tenantId, 'integration.unhealthy')).toEqual([]);
    expect((await endpoints.withSecret(h.tenantId, endpoint.id))?.secret).toBe(secret);
    const raw = await h.store.db.selectFrom('calsync_notification_endpoints' as never).selectAll().execute();
    expect(JSON.stringify(raw)).not.toContain(secret);
    expect(await endpoints.withSecret('another-tenant', endpoint.id)).toBeUndefined();
    expect(await endpoints.delete('another-tenant', endpoint.id)).toBe(false);
    expect(await endpoints.delete(h.tenantId, endpoint.id)).toBe(true);
    expect(await endpoints.list(h.tenantId)).toEqual([]);
  });

  it('sends a signed schedule.changed when a synced ceremony moves, retrying until the endpoint takes it', async () => {
    const { secret } = await endpoints.create(h.tenantId, { url: receiver.url, events: ['schedule.changed'], legacyHeaders: true });
    const { calendars } = await h.addIntegration('icloud');
    const cal = calendars[0]!;
    const other = h.server.otherClient(cal.remoteId);
    const item = other.create(makeWeddingEvent('ceremony', { location: 'Chapel' }));
    start();
    await enqueueCalendarSync(queue, h.tenantId, cal.id, { priority: 'high', reason: 'test' });
    await queue.drain(10_000);
    expect(receiver.received).toEqual([]); // a new event is not a change

    receiver.answers.push(500, 503);
    h.clock.advance(60_000); // the next sync starts after the first one's writes
    other.update(item.remoteId, (e) => ({ ...e, location: 'Barn', sequence: e.sequence + 1 }));
    await enqueueCalendarSync(queue, h.tenantId, cal.id, { priority: 'high', reason: 'test' });
    await settle(() => receiver.received.length >= 3);

    expect(receiver.received).toHaveLength(3);
    const ids = new Set(receiver.received.map((r) => r.headers['x-calsync-event-id']));
    expect(ids.size).toBe(1); // one event id across retries: receivers deduplicate on it
    const last = receiver.received[2]!;
    const verdict = verifySignature({ secret, body: last.body, timestamp: String(last.headers['x-calsync-timestamp']), signature: String(last.headers['x-calsync-signature']), nowMs: h.clock.now() });
    expect(verdict).toEqual({ ok: true });
    // The Standard Webhooks headers too, checked by the reference verifier; the same id across retries.
    expect(verifyStandard(secret, last, h.clock.now())).toMatchObject({ type: 'schedule.changed' });
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const body = JSON.parse(last.body) as { type: string; data: { fields: string[]; before: { location: string }; after: { location: string } } };
    expect(body).toMatchObject({ type: 'schedule.changed', data: { fields: ['location'], before: { location: 'Chapel' }, after: { location: 'Barn' } } });
    expect(await queue.deadLetters(h.tenantId)).toEqual([]);
  });

  it('dead-letters a delivery after its last attempt, and drops deliveries to deleted endpoints', async () => {
    const { endpoint } = await endpoints.create(h.tenantId, { url: receiver.url });
    const gone = await endpoints.create(h.tenantId, { url: receiver.url });
    await endpoints.delete(h.tenantId, gone.endpoint.id);
    receiver.answers.push(500, 500, 500);
    const { notify } = await import('../../src/service/notifications/notifier.js');
    expect(await notify({ queue, endpoints, clock: h.clock, notifierOptions: { attempts: 3, backoffMs: 1_000 } }, h.tenantId, 'schedule.changed', { test: true })).toBe(1);
    start();
    await settle(() => receiver.received.length >= 3);
    await queue.drain(10_000);
    const dead = await queue.deadLetters(h.tenantId);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ type: 'notify.deliver', payload: { endpointId: endpoint.id }, lastError: expect.stringContaining('HTTP 500') });
  });

  it('alerts once when an integration turns unhealthy, and publishes health changes', async () => {
    await endpoints.create(h.tenantId, { url: receiver.url, events: ['integration.unhealthy'] });
    const { integration } = await h.addIntegration('icloud');
    const bus = new MemoryStatusBus();
    const events: StatusEvent[] = [];
    bus.subscribe(h.tenantId, (e) => events.push(e));
    const deps = { store: h.store, queue, endpoints, clock: h.clock, statusBus: bus, notifierOptions: { allowPrivateUrls: true } };
    expect(await sweepHealth(deps, h.tenantId)).toEqual([]); // healthy, as assumed before
    await h.store.integrations.update(h.tenantId, integration.id, { status: 'needs_reauth', statusReason: 'password changed' });
    expect(await sweepHealth(deps, h.tenantId)).toEqual([integration.id]);
    expect(await sweepHealth(deps, h.tenantId)).toEqual([]); // still unhealthy: no second alert
    expect(events).toMatchObject([{ type: 'health.changed', integrationId: integration.id, healthy: false, reasons: ['integration is needs_reauth: password changed'] }]);
    start();
    await settle(() => receiver.received.length >= 1);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ type: 'integration.unhealthy', data: { integration: { integrationId: integration.id, healthy: false } } });
    await h.store.integrations.update(h.tenantId, integration.id, { status: 'active' });
    expect(await sweepHealth(deps, h.tenantId)).toEqual([integration.id]);
    expect(events.at(-1)).toMatchObject({ type: 'health.changed', healthy: true });
  });

  it('runs the sweep as a job that reschedules itself per tenant', async () => {
    const { startHealthSweeps, HEALTH_SWEEP_JOB } = await import('../../src/service/notifications/health-sweep.js');
    await startHealthSweeps({ store: h.store, queue });
    start();
    await queue.drain(10_000);
    const counts = await queue.counts(h.tenantId);
    expect(counts).toMatchObject({ delayed: 1, active: 0, dead: 0 }); // the next sweep, five minutes out
    expect(HEALTH_SWEEP_JOB).toBe('notify.health-sweep');
  });
});
