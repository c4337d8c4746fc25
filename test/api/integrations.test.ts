import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ICLOUD_CALDAV_URL } from '../../src/providers/caldav/caldav-provider.js';
import type { Integration } from '../../src/store/types.js';
import { errorOf, makeApi, type ApiHarness } from './harness.js';

let h: ApiHarness;
beforeEach(async () => {
  h = await makeApi();
});
afterEach(async () => {
  await h.close();
});

const PUBLIC = 'https://93.184.216.34/dav/';

describe('integrations', () => {
  it('connects CalDAV after discovery; read-only calendars start disabled; credentials never come back', async () => {
    h.server.addCalendar({ account: 'ann', name: 'Weddings' });
    h.server.addCalendar({ account: 'ann', name: 'Holidays', writable: false });
    const res = await h.call('POST', '/api/v1/integrations/caldav', { body: { url: PUBLIC, username: 'ann', password: 's3cret', name: 'Studio' } });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.integration).toMatchObject({ provider: 'caldav', name: 'Studio', status: 'active', config: { url: PUBLIC, username: 'ann' } });
    expect(body.calendars.map((c: { name: string; enabled: boolean }) => [c.name, c.enabled])).toEqual([
      ['Weddings', true],
      ['Holidays', false],
    ]);
    expect(res.body).not.toContain('s3cret');
    expect(h.discoveries).toMatchObject([{ kind: 'caldav', url: PUBLIC, username: 'ann', password: 's3cret', allowPrivate: false }]);
    expect(await h.store.integrations.getCredentials(h.a.tenant.id, body.integration.id)).toEqual({ password: 's3cret', pushKey: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await h.store.integrations.list(h.b.tenant.id)).toEqual([]);
  });

  it('connects iCloud at the iCloud URL', async () => {
    h.server.addCalendar({ account: 'ann@icloud.com', name: 'Home' });
    const res = await h.call('POST', '/api/v1/integrations/icloud', { body: { username: 'ann@icloud.com', password: 'abcd-efgh' } });
    expect(res.statusCode).toBe(201);
    expect(res.json().integration).toMatchObject({ provider: 'icloud', name: 'iCloud ann@icloud.com' });
    expect(h.discoveries[0]?.url).toBe(ICLOUD_CALDAV_URL);
  });

  it('refuses private URLs, failed discovery, duplicates and malformed bodies, saving nothing', async () => {
    h.server.addCalendar({ account: 'ann' });
    const loopback = await h.call('POST', '/api/v1/integrations/caldav', { body: { url: 'https://127.0.0.1:5232/', username: 'ann', password: 'pw' } });
    expect([loopback.statusCode, errorOf(loopback).code]).toEqual([400, 'VALIDATION']);
    expect(errorOf(loopback).message).toMatch(/loopback/);
    expect(h.discoveries).toEqual([]);

    const empty = await h.call('POST', '/api/v1/integrations/caldav', { body: { url: PUBLIC, username: 'nobody', password: 'pw' } });
    expect([empty.statusCode, errorOf(empty).message]).toEqual([400, expect.stringContaining('no event calendars')]);

    h.server.faults.failNext('listCalendars', 'PROVIDER_AUTH');
    const denied = await h.call('POST', '/api/v1/integrations/caldav', { body: { url: PUBLIC, username: 'ann', password: 'wrong' } });
    expect([denied.statusCode, errorOf(denied).code]).toEqual([401, 'PROVIDER_AUTH']);

    for (const body of [{}, { url: PUBLIC, username: 'ann' }, { url: PUBLIC, username: '', password: 'pw' }, { url: 5, username: 'ann', password: 'pw' }, [1]]) {
      const res = await h.call('POST', '/api/v1/integrations/caldav', { body });
      expect([res.statusCode, errorOf(res).code], JSON.stringify(body)).toEqual([400, 'VALIDATION']);
    }
    const text = await h.call('POST', '/api/v1/integrations/caldav', { body: 'url=x', headers: { 'content-type': 'text/plain' } });
    expect([text.statusCode, errorOf(text).code]).toEqual([400, 'VALIDATION']);
    const xml = await h.call('POST', '/api/v1/integrations/caldav', { body: '<x/>', headers: { 'content-type': 'application/xml' } });
    expect([xml.statusCode, errorOf(xml).code]).toEqual([415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE']);
    const icloud = await h.call('POST', '/api/v1/integrations/icloud', { body: { password: 'pw' } });
    expect([icloud.statusCode, errorOf(icloud).code]).toEqual([400, 'VALIDATION']);
    expect(await h.store.integrations.list(h.a.tenant.id)).toEqual([]);

    expect((await h.call('POST', '/api/v1/integrations/caldav', { body: { url: PUBLIC, username: 'ann', password: 'pw', name: 'S' } })).statusCode).toBe(201);
    const dup = await h.call('POST', '/api/v1/integrations/caldav', { body: { url: PUBLIC, username: 'ann', password: 'pw', name: 'S' } });
    expect([dup.statusCode, errorOf(dup).message]).toEqual([400, expect.stringContaining('exists already')]);
  });

  it('allows private URLs when the server is configured to', async () => {
    const open = await makeApi({ allowPrivateUrls: true });
    try {
      open.server.addCalendar({ account: 'ann' });
      const res = await open.call('POST', '/api/v1/integrations/caldav', { body: { url: 'http://127.0.0.1:5232/', username: 'ann', password: 'pw' } });
      expect(res.statusCode).toBe(201);
      expect(res.json().integration.config).toEqual({ url: 'http://127.0.0.1:5232/', username: 'ann', allowPrivate: true });
    } finally {
      await open.close();
    }
  });

  it('lists integrations with health: sync times, lag, conflicts, dead letters, circuit', async () => {
    // Before any calendar exists, so creating it enqueues nothing.
    const event = (await h.call('POST', '/api/v1/events', { body: { title: 'Tasting', start: '2026-05-01' } })).json();
    const { integration, calendars } = await h.addIntegration('studio', { count: 2 });
    const cal = calendars[0]!;
    await h.addIntegration('other-tenant', { as: h.b });
    let res = await h.call('GET', '/api/v1/integrations');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toHaveLength(1);
    expect(res.json()[0]).toMatchObject({
      id: integration.id,
      name: 'studio',
      health: { calendars: 2, enabledCalendars: 2, lastSuccessAt: null, lagS: null, openConflicts: 0, deadLetters: 0, circuit: null, healthy: true },
    });

    await h.syncNow(cal.id);
    await h.syncNow(calendars[1]!.id);
    h.clock.advance(90_000);
    await h.store.conflicts.record(h.a.tenant.id, { calendarId: cal.id, hubEventId: event.id, type: 'field', fields: ['start'] });
    const dead = await h.queue.enqueue({ type: 'sync.calendar', tenantId: h.a.tenant.id, payload: { calendarId: cal.id, reason: 'test' }, priority: 'high', delayMs: 0, attempts: 1 });
    const worker = h.queue.work({ 'sync.calendar': async () => Promise.reject(new Error('server on fire')) });
    await h.queue.drain(5_000);
    await worker.stop();
    expect((await h.queue.get(dead.id))?.state).toBe('dead');

    res = await h.call('GET', `/api/v1/integrations/${integration.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().health).toMatchObject({ lagS: 90, openConflicts: 1, deadLetters: 1, healthy: false, lastError: null, lastSuccessAt: expect.any(String) });
  });

  it('reports a failing calendar, a flagged integration and an open circuit as unhealthy', async () => {
    const { integration, calendars } = await h.addIntegration('studio');
    const cal = calendars[0]!;
    await h.syncNow(cal.id);
    h.clock.advance(1000);
    h.server.faults.failNext('listChanges', 'PROVIDER_LISTING_FAILED');
    await expect(h.syncNow(cal.id)).rejects.toThrow();
    let health = (await h.call('GET', `/api/v1/integrations/${integration.id}`)).json().health;
    expect(health).toMatchObject({ healthy: false, lastError: expect.any(String), reasons: [expect.stringContaining('last sync failed')] });

    const provider = await h.providers.forIntegration(integration);
    (provider as unknown as { circuitState: () => string }).circuitState = () => 'open';
    await h.syncNow(cal.id);
    health = (await h.call('GET', `/api/v1/integrations/${integration.id}`)).json().health;
    expect(health).toMatchObject({ healthy: false, lastError: null, circuit: 'open' });

    await h.store.integrations.update(h.a.tenant.id, integration.id, { status: 'flagged', statusReason: 'mass delete' });
    const flagged = (await h.call('GET', `/api/v1/integrations/${integration.id}`)).json();
    expect(flagged).toMatchObject({ status: 'flagged', statusReason: 'mass delete', health: { healthy: false } });
  });

  it('renames and sets conflict rules; refuses bad rules', async () => {
    const { integration } = await h.addIntegration('studio');
    const res = await h.call('PATCH', `/api/v1/integrations/${integration.id}`, { body: { name: 'Main', conflictRules: { default: 'manual', byType: { field: 'merge' }, weddingCritical: { 'field:start': 'wedsync_wins' } } } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Main', conflictRules: { default: 'manual', byType: { field: 'merge' }, weddingCritical: { 'field:start': 'wedsync_wins' } } });
    for (const body of [{}, { conflictRules: { default: 'coin_flip' } }, { conflictRules: { weddingCritical: { 'bogus:start': 'merge' } } }, { name: '' }]) {
      const bad = await h.call('PATCH', `/api/v1/integrations/${integration.id}`, { body });
      expect([bad.statusCode, errorOf(bad).code], JSON.stringify(body)).toEqual([400, 'VALIDATION']);
    }
  });

  it('disconnects: the hook runs first, then calendars and credentials go; hub events stay', async () => {
    const seen: Integration[] = [];
    const api = await makeApi({ api: { onDisconnect: async (i) => void seen.push(i) } });
    try {
      const { integration, calendars } = await api.addIntegration('studio');
      await api.call('POST', '/api/v1/events', { body: { title: 'Tasting', start: '2026-05-01' } });
      await api.syncNow(calendars[0]!.id);

      const cross = await api.call('DELETE', `/api/v1/integrations/${integration.id}`, { as: api.b });
      expect([cross.statusCode, errorOf(cross).code]).toEqual([404, 'NOT_FOUND']);
      expect(seen).toEqual([]);

      const res = await api.call('DELETE', `/api/v1/integrations/${integration.id}`);
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(seen.map((i) => i.id)).toEqual([integration.id]);
      expect(await api.store.integrations.get(api.a.tenant.id, integration.id)).toBeUndefined();
      expect(await api.store.calendars.list(api.a.tenant.id)).toEqual([]);
      expect(await api.store.events.list(api.a.tenant.id)).toHaveLength(1);
      expect((await api.call('GET', `/api/v1/integrations/${integration.id}`)).statusCode).toBe(404);
      expect((await api.call('DELETE', `/api/v1/integrations/${integration.id}`)).statusCode).toBe(404);
    } finally {
      await api.close();
    }
  });

  it('answers 404 for another tenant’s integration on every route', async () => {
    const { integration } = await h.addIntegration('studio');
    for (const [method, url, body] of [
      ['GET', `/api/v1/integrations/${integration.id}`, undefined],
      ['PATCH', `/api/v1/integrations/${integration.id}`, { name: 'Mine now' }],
      ['GET', `/api/v1/integrations/${integration.id}/calendars`, undefined],
      ['GET', `/api/v1/calendars?integrationId=${integration.id}`, undefined],
      ['POST', `/api/v1/integrations/${integration.id}/sync`, {}],
    ] as const) {
      const res = await h.call(method, url, { as: h.b, body });
      expect([res.statusCode, errorOf(res).code], `${method} ${url}`).toEqual([404, 'NOT_FOUND']);
      expect(res.body).not.toContain('studio');
    }
    expect((await h.store.integrations.get(h.a.tenant.id, integration.id))?.name).toBe('studio');
  });
});
