/**
 * Issue 10, inbound findings 4–9 and 11 at the HTTP edge: each block shows the attack refused (or the
 * leak closed) on the app `calsync serve` runs. Finding 9 (NUL) runs on SQLite and PostgreSQL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { WebSocket } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { MemoryStatusBus } from '../../src/service/status/bus.js';
import { openStore, type SqlStore } from '../../src/store/open.js';
import { loadConfig } from '../../src/config.js';
import { errorOf, makeApi, type ApiHarness } from '../api/harness.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';

const harnesses: ApiHarness[] = [];
async function api(overrides: Parameters<typeof makeApi>[0] = {}): Promise<ApiHarness> {
  const h = await makeApi(overrides);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  const line = Array.isArray(raw) ? String(raw[0]) : String(raw);
  return line;
}

describe('finding 4: API keys never reach the log; browsers sign in once', () => {
  it('redacts keys, tickets and secrets from every request line', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const h = await api({ logger });
    await h.call('GET', `/dashboard?key=${h.a.key}`, { key: null });
    await h.call('GET', `/ws?token=${h.a.key}`, { key: null });
    await h.call('GET', `/api/v1/integrations?client_secret=hunter2-secret&x=1`);
    await h.call('POST', '/webhooks/webdav-push/t1.c1.SuperSecretPushPart', { key: null, headers: { 'content-type': 'application/octet-stream' }, body: 'x' });
    const urls = lines.map((l) => (JSON.parse(l) as { req?: { url?: string } }).req?.url).filter((u): u is string => u !== undefined);
    expect(urls).toEqual(expect.arrayContaining(['/dashboard?key=[REDACTED]', '/ws?token=[REDACTED]', '/api/v1/integrations?client_secret=[REDACTED]&x=1', '/webhooks/webdav-push/t1.c1.[REDACTED]']));
    for (const line of lines) {
      expect(line).not.toContain(h.a.key);
      expect(line).not.toContain('hunter2');
      expect(line).not.toContain('SuperSecretPushPart');
    }
  });

  it('trades the key for an HttpOnly, SameSite=Strict session cookie that works instead of the key', async () => {
    const h = await api();
    const wrong = await h.call('POST', '/api/v1/session', { key: null, body: { key: 'csk_wrong' } });
    expect(wrong.statusCode).toBe(401);
    const res = await h.call('POST', '/api/v1/session', { key: null, body: { key: h.a.key } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ tenant: { id: h.a.tenant.id } });
    const cookie = cookieOf(res);
    expect(cookie).toMatch(/^calsync_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Secure/); // plain http here
    expect(cookie).not.toContain(h.a.key);
    const session = cookie.split(';')[0]!;
    const listed = await h.call('GET', '/api/v1/integrations', { key: null, headers: { cookie: session } });
    expect(listed.statusCode).toBe(200);
    expect((await h.call('DELETE', '/api/v1/session', { key: null, headers: { cookie: session } })).statusCode).toBe(204);
    expect((await h.call('GET', '/api/v1/integrations', { key: null, headers: { cookie: session } })).statusCode).toBe(401);
  });

  it('marks the cookie Secure when served over https (through a trusted proxy)', async () => {
    const h = await api({ trustProxy: true });
    const res = await h.call('POST', '/api/v1/session', { key: null, body: { key: h.a.key }, headers: { 'x-forwarded-proto': 'https' } });
    expect(cookieOf(res)).toMatch(/; Secure/);
  });
});

describe('finding 5: rate limits per client and per key', () => {
  it('answers 429 with Retry-After and a JSON body after too many wrong keys from one address', async () => {
    const h = await api({ rateLimits: { failuresPerIp: 5, perKey: 1_000 } });
    for (let i = 0; i < 5; i += 1) expect((await h.call('GET', '/api/v1/integrations', { key: 'csk_wrong' })).statusCode).toBe(401);
    const limited = await h.call('GET', '/api/v1/integrations', { key: 'csk_wrong' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(errorOf(limited).code).toBe('RATE_LIMITED');
    // Another client address is not affected.
    const other = await h.app.inject({ method: 'GET', url: '/api/v1/integrations', remoteAddress: '127.0.0.2', headers: { authorization: `Bearer ${h.a.key}` } });
    expect(other.statusCode).toBe(200);
  });

  it('throttles a valid key past its budget, and only that key', async () => {
    const h = await api({ rateLimits: { failuresPerIp: 1_000, perKey: 10 } });
    for (let i = 0; i < 10; i += 1) expect((await h.call('GET', '/api/v1/integrations')).statusCode).toBe(200);
    const limited = await h.call('GET', '/api/v1/integrations');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(errorOf(limited).code).toBe('RATE_LIMITED');
    expect((await h.call('GET', '/api/v1/integrations', { as: h.b })).statusCode).toBe(200);
  });

  it('does not throttle a burst of well-formed webhook notifications', async () => {
    const h = await api({ rateLimits: { failuresPerIp: 5, perKey: 5 } });
    const body = { value: [{ subscriptionId: 'sub-1', clientState: 'x', changeType: 'updated', resource: 'Users/u/Events/e1' }] };
    for (let i = 0; i < 50; i += 1) {
      const res = await h.call('POST', '/webhooks/graph/notify?t=t1&c=c1', { key: null, body });
      expect(res.statusCode).toBe(202);
    }
  });
});

describe('finding 6: webhooks accept only their content type', () => {
  const body = JSON.stringify({ value: [{ subscriptionId: 'sub-1', clientState: 'x', changeType: 'updated', resource: 'Users/u/Events/e1' }] });

  it('refuses a Graph notification sent as text/html or without a type (415 JSON), accepts application/json; charset', async () => {
    const h = await api();
    const post = (headers: Record<string, string>) => h.app.inject({ method: 'POST', url: '/webhooks/graph/notify?t=t1&c=c1', headers, payload: body });
    for (const headers of [{ 'content-type': 'text/html' }, {}, { 'content-type': 'text/plain' }, { 'content-type': 'application/jsonx' }] as Record<string, string>[]) {
      const res = await post(headers);
      expect(res.statusCode).toBe(415);
      expect(errorOf(res).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect((await post({ 'content-type': 'application/json; charset=utf-8' })).statusCode).toBe(202);
  });

  it('answers the validation handshake as text/plain with nosniff', async () => {
    const h = await api();
    const res = await h.app.inject({ method: 'POST', url: '/webhooks/graph/notify?validationToken=%3Cscript%3Ealert(1)%3C%2Fscript%3E', headers: { 'content-type': 'text/plain' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a WebDAV-Push message that is not application/octet-stream', async () => {
    const h = await api();
    for (const type of ['text/plain', 'application/json', undefined]) {
      const res = await h.app.inject({ method: 'POST', url: '/webhooks/webdav-push/t.c.s', headers: { 'content-encoding': 'aes128gcm', ...(type ? { 'content-type': type } : {}) }, payload: 'abc' });
      expect(res.statusCode).toBe(415);
      expect(errorOf(res).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
  });
});

describe('finding 7: /metrics is not open on the main port', () => {
  it('has no /metrics on the main port without a token', async () => {
    const h = await api();
    expect((await h.app.inject('/metrics')).statusCode).toBe(404);
  });

  it('serves /metrics on the main port to the bearer token only', async () => {
    const h = await api({ metricsToken: 'metrics-token-0123456789' });
    expect((await h.app.inject('/metrics')).statusCode).toBe(401);
    expect((await h.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
    const ok = await h.app.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('# HELP');
  });

  it('configures the separate listener on loopback by default', () => {
    const c = loadConfig({ CALSYNC_METRICS_PORT: '9464' });
    expect({ port: c.metricsPort, host: c.metricsHost, token: c.metricsToken }).toEqual({ port: 9464, host: '127.0.0.1', token: undefined });
    expect(() => loadConfig({ CALSYNC_METRICS_TOKEN: 'short' })).toThrow(/CALSYNC_METRICS_TOKEN/);
    expect(loadConfig({ CALSYNC_METRICS_TOKEN: 'metrics-token-0123456789' }).metricsToken).toBe('metrics-token-0123456789');
    expect([loadConfig({}).trustProxy, loadConfig({ CALSYNC_TRUST_PROXY: '1' }).trustProxy]).toEqual([false, true]);
  });
});

describe('finding 8: revoking a key closes its WebSockets and sessions', () => {
  let dir: string;
  let store: SqlStore;
  let bus: MemoryStatusBus;
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
    await bus?.close();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('closes an open socket (1008) and ends the session once the key is revoked', async () => {
    dir = mkdtempSync(join(tmpdir(), 'calsync-edge-'));
    store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir: dir });
    const tenant = await store.tenants.ensureDefault();
    const { key, record } = await store.apiKeys.create(tenant.id, 'revoke me');
    bus = new MemoryStatusBus();
    app = await buildApp({ store, statusBus: bus, wsRevalidateMs: 50, api: { authCacheTtlMs: 0 } });
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const session = cookieOf(await app.inject({ method: 'POST', url: '/api/v1/session', payload: { key } })).split(';')[0]!;
    expect((await app.inject({ url: '/api/v1/health', headers: { cookie: session } })).statusCode).toBe(200);

    const socket = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${key}` } });
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener('message', () => resolve());
      socket.addEventListener('error', () => reject(new Error('refused')));
    });
    const closed = new Promise<number>((resolve) => socket.addEventListener('close', (e) => resolve(e.code)));
    expect(await store.apiKeys.revoke(tenant.id, record.id)).toBe(true);
    expect(await closed).toBe(1008);
    expect((await app.inject({ url: '/api/v1/health', headers: { cookie: session } })).statusCode).toBe(401);
  });

  it('opens /ws with a single-use ticket or the session cookie, never needing the key in the URL', async () => {
    dir = mkdtempSync(join(tmpdir(), 'calsync-edge-'));
    store = await openStore({ databaseUrl: 'sqlite::memory:', dataDir: dir });
    const tenant = await store.tenants.ensureDefault();
    const { key } = await store.apiKeys.create(tenant.id, 'ticket');
    bus = new MemoryStatusBus();
    app = await buildApp({ store, statusBus: bus });
    const base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('http', 'ws');
    const ticketRes = await app.inject({ method: 'POST', url: '/api/v1/ws-ticket', headers: { authorization: `Bearer ${key}` } });
    expect(ticketRes.statusCode).toBe(201);
    const { ticket } = ticketRes.json() as { ticket: string };
    const opened = (url: string, headers: Record<string, string> = {}): Promise<boolean> =>
      new Promise((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.addEventListener('message', () => {
          resolve(true);
          ws.close();
        });
        ws.addEventListener('error', () => resolve(false));
      });
    expect(await opened(`${base}/ws?ticket=${ticket}`)).toBe(true);
    expect(await opened(`${base}/ws?ticket=${ticket}`)).toBe(false); // spent
    expect(await opened(`${base}/ws?token=${key}`)).toBe(false); // keys in URLs are not accepted
    const session = cookieOf(await app.inject({ method: 'POST', url: '/api/v1/session', payload: { key } })).split(';')[0]!;
    expect(await opened(`${base}/ws`, { cookie: session })).toBe(true);
  });
});

describe('finding 9: NUL characters are refused at the edge', () => {
  let pg: TestDatabase;
  beforeAll(async () => {
    pg = await createTestDatabase('calsync_edge_nul');
  });
  afterAll(async () => {
    await pg?.drop();
  });

  const cases = (databaseUrl: () => string | undefined): void => {
    it('answers 400 VALIDATION for NUL in a path parameter, a query value and a JSON string', async () => {
      const url = databaseUrl();
      const dir = mkdtempSync(join(tmpdir(), 'calsync-edge-nul-'));
      const store = url ? await openStore({ databaseUrl: url, dataDir: dir }) : undefined;
      const h = await api(store ? { store } : {});
      try {
        const tenant = store ? await store.tenants.create(`nul-${Date.now()}`) : h.a.tenant;
        const key = store ? (await store.apiKeys.create(tenant.id, 'nul')).key : h.a.key;
        const integration = await (store ?? h.store).integrations.create(tenant.id, { provider: 'memory', name: 'n', config: { account: 'n' }, credentials: {} });
        const call = (method: 'GET' | 'PATCH' | 'POST', path: string, body?: unknown) =>
          h.app.inject({ method, url: path, headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { payload: body as object }) });
        const refused = [
          await call('GET', '/api/v1/calendars/%00'),
          await call('GET', '/api/v1/events?after=%00'),
          await call('GET', '/api/v1/events/a%00b'),
          await call('PATCH', `/api/v1/integrations/${integration.id}`, { name: 'n\u0000ame' }),
          await call('POST', '/api/v1/events', { title: 'a\u0000', start: '2026-01-01T10:00:00Z', end: '2026-01-01T11:00:00Z' }),
          await call('POST', '/api/v1/session', { key: 'csk_\u0000' }),
          await h.app.inject({ method: 'POST', url: '/webhooks/graph/notify?t=a%00&c=b', headers: { 'content-type': 'application/json' }, payload: '{"value":[{"subscriptionId":"s"}]}' }),
          await h.app.inject({ method: 'POST', url: '/webhooks/graph/notify?t=a&c=b', headers: { 'content-type': 'application/json' }, payload: '{"value":[{"subscriptionId":"s\\u0000"}]}' }),
        ];
        for (const res of refused) {
          expect(res.statusCode, res.body).toBe(400);
          expect(errorOf(res).code).toBe('VALIDATION');
        }
        expect((await (store ?? h.store).integrations.get(tenant.id, integration.id))?.name).toBe('n');
      } finally {
        await store?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  };
  describe('SQLite', () => cases(() => undefined));
  describe('PostgreSQL', () => cases(() => pg.url));
});

describe('finding 11: security headers', () => {
  it('sends nosniff everywhere, no-store on authenticated answers, HSTS only over https', async () => {
    const h = await api({ trustProxy: true });
    const health = await h.app.inject('/healthz');
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect(health.headers['strict-transport-security']).toBeUndefined();
    const authed = await h.call('GET', '/api/v1/integrations');
    expect(authed.headers['cache-control']).toBe('no-store');
    expect(authed.headers['x-content-type-options']).toBe('nosniff');
    const refused = await h.call('GET', '/api/v1/integrations', { key: 'csk_wrong' });
    expect(refused.headers['cache-control']).toBe('no-store');
    const https = await h.call('GET', '/api/v1/integrations', { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    const page = await h.app.inject('/dashboard');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });
});
