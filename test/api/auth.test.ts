import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiKeyVerifier } from '../../src/server/auth.js';
import { errorOf, makeApi, type ApiHarness } from './harness.js';

let h: ApiHarness;
beforeEach(async () => {
  h = await makeApi();
});
afterEach(async () => {
  await h.close();
});

/** Every API route from the OpenAPI document, with path parameters filled in. */
async function apiRoutes(): Promise<{ method: string; url: string }[]> {
  const doc = (await h.app.inject({ method: 'GET', url: '/docs/json' })).json() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
  const routes: { method: string; url: string }[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [method, op] of Object.entries(ops)) {
      if (!op.security) continue;
      routes.push({ method: method.toUpperCase(), url: path.replace(/\{[^}]+\}/g, 'x1') });
    }
  }
  return routes;
}

describe('API key auth', () => {
  it('answers 401 UNAUTHORIZED on every API route without a valid key, before reading the body', async () => {
    const routes = await apiRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(20);
    for (const { method, url } of routes) {
      for (const headers of [{}, { authorization: 'Bearer csk_wrong' }, { authorization: `Basic ${h.a.key}` }, { authorization: 'Bearer' }, { authorization: `Bearer ${'x'.repeat(600)}` }]) {
        const res = await h.app.inject({ method: method as 'GET', url, headers: { ...headers, 'content-type': 'application/json' }, payload: '{"broken":' });
        expect([res.statusCode, errorOf(res).code], `${method} ${url} ${JSON.stringify(headers).slice(0, 60)}`).toEqual([401, 'UNAUTHORIZED']);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="calsync"');
      }
    }
  });

  it('accepts the key case-insensitively as Bearer and scopes the request to its tenant', async () => {
    await h.call('POST', '/api/v1/events', { body: { title: 'Mine', start: '2026-01-01' } });
    const res = await h.app.inject({ method: 'GET', url: '/api/v1/events', headers: { authorization: `bearer ${h.a.key}` } });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toHaveLength(1);
    expect((await h.call('GET', '/api/v1/events', { as: h.b })).json().items).toHaveLength(0);
  });

  it('stops accepting a revoked key (no cache)', async () => {
    expect((await h.call('GET', '/api/v1/events')).statusCode).toBe(200);
    const [record] = await h.store.apiKeys.list(h.a.tenant.id);
    await h.store.apiKeys.revoke(h.a.tenant.id, record!.id);
    expect((await h.call('GET', '/api/v1/events')).statusCode).toBe(401);
  });

  it('leaves the public routes public', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
    const unknown = await h.call('GET', '/api/v1/nothing-here');
    expect(unknown.statusCode).toBe(404);
  });
});

describe('ApiKeyVerifier', () => {
  it('caches verified keys for the TTL, never failures, and bounds the cache', async () => {
    const verify = vi.spyOn(h.store.apiKeys, 'verify');
    const verifier = new ApiKeyVerifier({ store: h.store, clock: h.clock, cacheTtlMs: 1_000, cacheSize: 1 });
    expect((await verifier.verify(h.a.key))?.tenant.id).toBe(h.a.tenant.id);
    expect((await verifier.verify(h.a.key))?.tenant.id).toBe(h.a.tenant.id);
    expect(verify).toHaveBeenCalledTimes(1);
    h.clock.advance(1_001);
    await verifier.verify(h.a.key);
    expect(verify).toHaveBeenCalledTimes(2);

    expect(await verifier.verify('csk_nope')).toBeUndefined();
    expect(await verifier.verify('csk_nope')).toBeUndefined();
    expect(verify).toHaveBeenCalledTimes(4);

    await verifier.verify(h.b.key); // evicts A (size 1)
    await verifier.verify(h.a.key);
    expect(verify).toHaveBeenCalledTimes(6);
    verifier.clear();
    await verifier.verify(h.a.key);
    expect(verify).toHaveBeenCalledTimes(7);
  });

  it('is used by the app with the configured TTL', async () => {
    const cached = await makeApi({ api: { authCacheTtlMs: 60_000 } });
    try {
      const verify = vi.spyOn(cached.store.apiKeys, 'verify');
      await cached.call('GET', '/api/v1/events');
      await cached.call('GET', '/api/v1/events');
      expect(verify).toHaveBeenCalledTimes(1);
    } finally {
      await cached.close();
    }
  });
});
