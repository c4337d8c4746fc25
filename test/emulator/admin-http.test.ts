import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, event, startHarness, startReceiver, until } from './helpers.js';

describe('Graph emulator: admin API over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  async function admin(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await request(`${h.emu.url}/_admin${path}`, {
      method,
      dispatcher: h.agent,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  it('mints tokens, adds users and reports state', async () => {
    const user = await admin('POST', '/users', { userPrincipalName: 'megan@contoso.onmicrosoft.com', displayName: 'Megan Bowen' });
    expect(user.status).toBe(201);
    const minted = await admin('POST', '/tokens', { user: 'megan@contoso.onmicrosoft.com' });
    const token = (minted.body as { access_token: string }).access_token;
    expect((await h.call('GET', '/me/calendar', { token })).body).toMatchObject({ owner: { address: 'megan@contoso.onmicrosoft.com', name: 'Megan Bowen' } });
    const state = await admin('GET', '/state');
    expect((state.body as { users: { userPrincipalName: string }[] }).users.map((u) => u.userPrincipalName)).toEqual(['adele@contoso.onmicrosoft.com', 'megan@contoso.onmicrosoft.com']);
    expect((await admin('POST', '/tokens/expire', { user: 'megan@contoso.onmicrosoft.com' })).body).toEqual({ expired: 1 });
    expect((await h.call('GET', '/me/calendar', { token })).status).toBe(401);
    expect((await admin('POST', '/tokens/revoke-refresh', {})).body).toEqual({ revoked: 0 });
  });

  it('injects and clears faults, validating the body', async () => {
    expect((await admin('POST', '/faults', { kind: 'explode' })).status).toBe(400);
    expect((await admin('POST', '/faults', { kind: 'error', status: 503, retryAfterS: 2, count: 1, pathPrefix: '/me/calendar', method: 'GET' })).status).toBe(201);
    const hit = await h.call('GET', '/me/calendar');
    expect(hit.status).toBe(503);
    expect(hit.headers['retry-after']).toBe('2');
    expect((await admin('POST', '/faults', { kind: 'throttle', retryAfterS: 3 })).status).toBe(201);
    expect((await h.call('GET', '/me/calendar')).status).toBe(429);
    expect((await admin('DELETE', '/faults')).status).toBe(204);
    expect((await h.call('GET', '/me/calendar')).status).toBe(200);
    expect((await admin('POST', '/faults', { kind: 'latency', ms: 50, count: 1 })).status).toBe(201);
    const started = Date.now();
    await h.call('GET', '/me/calendar');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('expires delta tokens and repeats delta items', async () => {
    const first = await h.client.api('/me/calendarView/delta?startDateTime=2026-06-01T00:00:00Z&endDateTime=2026-07-01T00:00:00Z').get();
    expect((await admin('POST', '/delta/duplicates', { rounds: 1 })).status).toBe(204);
    expect((await admin('POST', '/delta/duplicates', { rounds: -1 })).status).toBe(400);
    expect((await admin('POST', '/delta/expire')).status).toBe(204);
    expect((await h.call('GET', first['@odata.deltaLink'].slice(h.emu.graphUrl.length))).status).toBe(410);
  });

  it('acts as another Outlook client, removes subscriptions and sends lifecycle events', async () => {
    const rx = await startReceiver();
    try {
      const sub = await h.client.api('/subscriptions').post({
        changeType: 'created',
        notificationUrl: rx.url,
        lifecycleNotificationUrl: rx.url,
        resource: '/me/events',
        expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      });
      expect((await admin('POST', '/notifications/faults', { duplicate: -1 })).status).toBe(400);
      expect((await admin('POST', '/notifications/faults', { delayMs: 0 })).status).toBe(200);
      const acted = await admin('POST', '/users/adele@contoso.onmicrosoft.com/act', { method: 'POST', path: '/events', body: event('By phone', '2026-06-20T10:00:00', '2026-06-20T11:00:00') });
      expect(acted.body).toMatchObject({ status: 201, body: { subject: 'By phone' } });
      expect((await admin('POST', `/subscriptions/${sub.id}/lifecycle`, { event: 'missed' })).status).toBe(202);
      expect((await admin('POST', `/subscriptions/${sub.id}/lifecycle`, { event: 'bogus' })).status).toBe(400);
      expect((await admin('POST', '/notifications/flush')).status).toBe(204);
      await until(() => rx.received.filter((r) => !r.url.includes('validationToken')).length >= 2);
      const log = await admin('GET', '/notifications');
      expect((log.body as { deliveries: { outcome: string }[] }).deliveries.filter((d) => d.outcome === 'delivered').length).toBeGreaterThanOrEqual(2);
      expect((await admin('POST', `/subscriptions/${sub.id}/lifecycle`, { event: 'subscriptionRemoved' })).status).toBe(202);
      expect((await admin('DELETE', `/subscriptions/${sub.id}`)).status).toBe(404);
      expect((await admin('POST', `/subscriptions/${sub.id}/lifecycle`, { event: 'reauthorizationRequired' })).status).toBe(404);
    } finally {
      await rx.close();
    }
  });

  it('serves the discovery documents MSAL reads, and 404s unknown non-Graph routes', async () => {
    const get = async (path: string): Promise<Record<string, unknown>> => {
      const res = await request(`${h.emu.url}${path}`, { dispatcher: h.agent });
      return (await res.body.json()) as Record<string, unknown>;
    };
    const oidc = await get(`/${h.emu.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(oidc).toMatchObject({ issuer: `${h.emu.authority}/v2.0`, token_endpoint: `${h.emu.authority}/oauth2/v2.0/token`, authorization_endpoint: `${h.emu.authority}/oauth2/v2.0/authorize` });
    expect((await get(`/${h.emu.tenantId}/.well-known/openid-configuration`)).issuer).toBe(`${h.emu.authority}/v2.0`);
    const instance = await get(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${h.emu.authority}/oauth2/v2.0/authorize`)}`);
    expect(instance).toMatchObject({ tenant_discovery_endpoint: `${h.emu.authority}/v2.0/.well-known/openid-configuration`, metadata: [{ aliases: [h.emu.host] }] });
    expect(await get(`/${h.emu.tenantId}/discovery/v2.0/keys`)).toEqual({ keys: [] });
    const missing = await request(`${h.emu.url}/nothing/here`, { dispatcher: h.agent });
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
  });
});
