import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue } from '../../src/queue/open.js';
import type { JobQueue } from '../../src/queue/types.js';
import { buildApp } from '../../src/server/app.js';
import { createMetrics, syncStatusObserver } from '../../src/server/metrics.js';
import { integrationHealth, tokenInfo } from '../../src/service/health.js';
import { NotificationEndpoints } from '../../src/service/notifications/endpoints.js';
import { runCalendarSync } from '../../src/service/sync-jobs.js';
import { writeRecord } from '../../src/service/outlook/subscription-record.js';
import { generateSecretKey } from '../../src/util/crypto.js';
import { makeEvent } from '../support/events.js';
import { makeService, type ServiceHarness } from '../service/harness.js';

let h: ServiceHarness;
let queue: JobQueue;
let app: FastifyInstance;
let key: string;
let endpoints: NotificationEndpoints;
const metrics = () => createMetrics({ processMetrics: false });

beforeEach(async () => {
  h = await makeService();
  queue = await openQueue({ db: h.store.db, dialect: h.store.dialect, clock: h.clock });
  endpoints = await NotificationEndpoints.open({ db: h.store.db, secretKey: generateSecretKey(), clock: h.clock });
  key = (await h.store.apiKeys.create(h.tenantId, 'test')).key;
});
afterEach(async () => {
  await app?.close();
  await queue.close();
  await h.close();
});

const auth = () => ({ authorization: `Bearer ${key}` });

describe('GET /api/v1/health', () => {
  it('reports each integration: last success, lag, conflicts, dead letters, queue depth, reasons', async () => {
    const { integration, calendars } = await h.addIntegration('studio');
    const cal = calendars[0]!;
    h.server.otherClient(cal.remoteId).create(makeEvent({ title: 'Tasting' }));
    await runCalendarSync({ store: h.store, providers: h.providers, clock: h.clock }, h.tenantId, { calendarId: cal.id, reason: 'test' });
    h.clock.advance(90_000);
    await queue.enqueue({ type: 'sync.calendar', tenantId: h.tenantId, payload: { calendarId: cal.id }, priority: 'low', delayMs: 60_000 });
    app = await buildApp({ store: h.store, queue, clock: h.clock, providers: h.providers, metrics: metrics() });

    const res = await app.inject({ method: 'GET', url: '/api/v1/health', headers: auth() });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ tenant: { id: h.tenantId, name: 'default' }, healthy: true, queue: { delayed: 1, depth: 1 } });
    expect(body.integrations).toEqual([
      expect.objectContaining({ integrationId: integration.id, healthy: true, reasons: [], lagS: 90, openConflicts: 0, deadLetters: 0, enabledCalendars: 1, circuit: null, tokenExpiresAt: null, subscriptionExpiresAt: null }),
    ]);
    expect((await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode).toBe(401);
  });

  it('names the reasons an integration is unhealthy', async () => {
    const { integration, calendars } = await h.addIntegration('studio');
    const cal = calendars[0]!;
    await h.store.syncState.set(h.tenantId, { calendarId: cal.id, hubSeq: 0, lastSyncAt: '2026-06-01T11:00:00.000Z', lastSuccessAt: '2026-05-01T00:00:00.000Z', lastError: 'HTTP 503' });
    await writeRecord(h.store, h.tenantId, cal.id, { subscriptionId: 's', expiresAt: '2026-05-30T00:00:00.000Z', clientState: 'c', notificationUrl: 'https://x/n' });
    await h.store.integrations.update(h.tenantId, integration.id, { status: 'flagged', statusReason: 'mass delete' });
    const job = await queue.enqueue({ type: 'sync.calendar', tenantId: h.tenantId, payload: { calendarId: cal.id }, priority: 'low', attempts: 1, delayMs: 0 });
    const worker = queue.work({ 'sync.calendar': async () => Promise.reject(new Error('nope')) });
    await queue.drain(5_000);
    await worker.stop();
    expect((await queue.get(job.id))?.state).toBe('dead');
    const health = await integrationHealth(h.store, queue, h.tenantId, { clock: h.clock, providers: h.providers });
    expect(health.healthy).toBe(false);
    expect(health.integrations[0]?.reasons).toEqual([
      'integration is flagged: mass delete',
      'last sync failed: HTTP 503',
      expect.stringMatching(/^no successful sync for \d+ minutes$/),
      'change subscription expired',
      '1 failed job in the dead letters',
    ]);
    expect(health.integrations[0]).toMatchObject({ deadLetters: 1, lastError: 'HTTP 503', subscriptionExpiresAt: '2026-05-30T00:00:00.000Z' });
  });

  it('reads the access-token expiry from an MSAL cache', () => {
    const cache = (refresh: boolean) => JSON.stringify({ AccessToken: { a: { expires_on: '1780315200' } }, RefreshToken: refresh ? { r: {} } : {} });
    expect(tokenInfo({ msalCache: cache(true) })).toEqual({ expiresAt: '2026-06-01T12:00:00.000Z', canRefresh: true });
    expect(tokenInfo({ msalCache: cache(false) }).canRefresh).toBe(false);
    expect(tokenInfo({ msalCache: '{broken' })).toEqual({ expiresAt: null, canRefresh: false });
    expect(tokenInfo({ password: 'x' })).toEqual({ expiresAt: null, canRefresh: null });
  });
});

describe('GET /metrics', () => {
  it('exposes sync durations, jobs by state, provider errors, throttling and webhook latency', async () => {
    const { calendars } = await h.addIntegration('studio');
    const m = createMetrics({ queue, clock: h.clock });
    const observe = syncStatusObserver(m, h.store);
    const cal = calendars[0]!;
    h.server.otherClient(cal.remoteId).create(makeEvent({ title: 'Tasting' }));
    observe({ type: 'started', tenantId: h.tenantId, calendarId: cal.id, at: h.clock.now() });
    await new Promise((r) => setTimeout(r, 20)); // the provider lookup
    await runCalendarSync({ store: h.store, providers: h.providers, clock: h.clock, onStatus: observe }, h.tenantId, { calendarId: cal.id, reason: 'test' });
    observe({ type: 'started', tenantId: h.tenantId, calendarId: cal.id, at: h.clock.now() });
    h.clock.advance(2_000);
    observe({ type: 'failed', tenantId: h.tenantId, calendarId: cal.id, error: 'slow down', code: 'PROVIDER_THROTTLED' });
    observe({ type: 'failed', tenantId: h.tenantId, calendarId: 'unknown', error: 'x' });
    await queue.enqueue({ type: 'x', tenantId: h.tenantId, payload: {}, priority: 'low', delayMs: 0 });
    // On the main port /metrics exists only behind its token (issue 10, finding 7).
    app = await buildApp({ store: h.store, queue, clock: h.clock, metrics: m, metricsToken: 'metrics-token-0123456789' });
    app.post('/webhooks/test', async () => ({ ok: true }));
    await app.inject({ method: 'POST', url: '/webhooks/test' });

    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('calsync_sync_duration_seconds_count{provider="memory",outcome="success"} 1');
    expect(res.body).toContain('calsync_sync_duration_seconds_sum{provider="memory",outcome="failure"} 2');
    expect(res.body).toContain('calsync_jobs{state="waiting"} 1');
    expect(res.body).toContain('calsync_provider_errors_total{provider="memory",code="PROVIDER_THROTTLED"} 1');
    expect(res.body).toContain('calsync_provider_errors_total{provider="unknown",code="UNKNOWN"} 1');
    expect(res.body).toContain('calsync_throttled_total{provider="memory"} 1');
    expect(res.body).toContain('calsync_webhook_latency_seconds_count{status="200"} 1');
    expect(res.body).toContain('calsync_process_cpu_seconds_total');
  });

  it("serves a worker's /metrics, /healthz and /readyz on their own port", async () => {
    const { startMetricsServer } = await import('../../src/server/routes/metrics.js');
    const server = await startMetricsServer({ store: h.store, queue, metrics: metrics(), port: 0, host: '127.0.0.1' });
    const address = server.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toContain('calsync_jobs');
    await server.close();
  });

  it('leaves the jobs gauge empty when the queue is unreachable', async () => {
    const broken = { counts: async () => Promise.reject(new Error('down')) } as unknown as JobQueue;
    const m = createMetrics({ queue: broken, processMetrics: false });
    expect(await m.registry.metrics()).not.toContain('calsync_jobs{');
  });
});

describe('/api/v1/notification-endpoints', () => {
  beforeEach(async () => {
    app = await buildApp({ store: h.store, queue, clock: h.clock, notifications: endpoints, metrics: metrics() });
  });

  it('registers (secret shown once), lists and deletes endpoints of the caller tenant', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/notification-endpoints', headers: auth(), payload: { url: 'https://93.184.215.14/hook', description: 'planner', events: ['schedule.changed'] } });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ url: 'https://93.184.215.14/hook', description: 'planner', events: ['schedule.changed'], secret: expect.stringMatching(/^whsec_/) });
    const listed = await app.inject({ method: 'GET', url: '/api/v1/notification-endpoints', headers: auth() });
    expect(listed.json()).toEqual([{ id: body.id, url: body.url, description: 'planner', events: ['schedule.changed'], legacyHeaders: false, createdAt: body.createdAt }]);

    const other = await h.store.tenants.create('other');
    const otherKey = (await h.store.apiKeys.create(other.id, 'x')).key;
    expect((await app.inject({ method: 'GET', url: '/api/v1/notification-endpoints', headers: { authorization: `Bearer ${otherKey}` } })).json()).toEqual([]);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/notification-endpoints/${body.id}`, headers: { authorization: `Bearer ${otherKey}` } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/notification-endpoints/${body.id}`, headers: auth() })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/api/v1/notification-endpoints', headers: auth() })).json()).toEqual([]);
  });

  it('refuses private or plain-http URLs, bad bodies and missing keys', async () => {
    const post = (payload: unknown, headers = auth()) => app.inject({ method: 'POST', url: '/api/v1/notification-endpoints', headers, payload: payload as object });
    expect((await post({ url: 'https://127.0.0.1/hook' })).json()).toMatchObject({ error: { code: 'VALIDATION' } });
    expect((await post({ url: 'http://93.184.215.14/hook' })).statusCode).toBe(400);
    expect((await post({ url: 'https://93.184.215.14/hook', events: ['nope'] })).statusCode).toBe(400);
    expect((await post({ url: 'https://93.184.215.14/hook' }, {} as never)).statusCode).toBe(401);
  });
});
