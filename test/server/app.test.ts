import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { CalsyncError, NotFoundError } from '../../src/errors.js';
import type { JobQueue, QueueCounts } from '../../src/queue/types.js';
import { buildApp } from '../../src/server/app.js';
import type { Store } from '../../src/store/types.js';

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function storeStub(ping: () => Promise<void> = async () => undefined): Store {
  return { ping } as unknown as Store;
}

function queueStub(counts: () => Promise<QueueCounts>): JobQueue {
  return { backend: 'sql', counts, close: async () => undefined } as unknown as JobQueue;
}

async function app(...args: Parameters<typeof buildApp>): Promise<FastifyInstance> {
  const built = await buildApp(...args);
  apps.push(built);
  return built;
}

describe('health', () => {
  it('answers /healthz while the process runs', async () => {
    const a = await app({ store: storeStub(async () => Promise.reject(new Error('db gone'))) });
    const res = await a.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 when the store and the queue answer', async () => {
    const a = await app({ store: storeStub(), queue: queueStub(async () => ({ waiting: 0, delayed: 0, active: 0, dead: 0 })) });
    const res = await a.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { store: 'ok', queue: 'ok' } });
  });

  it('answers /readyz 503 with the failing check when the store ping fails', async () => {
    const a = await app({ store: storeStub(async () => Promise.reject(new Error('database is locked'))) });
    const res = await a.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', checks: { store: 'database is locked' } });
  });

  it('answers /readyz 503 when the queue is unreachable', async () => {
    const a = await app({ store: storeStub(), queue: queueStub(async () => Promise.reject(new Error('ECONNREFUSED redis'))) });
    const res = await a.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', checks: { store: 'ok', queue: 'ECONNREFUSED redis' } });
  });
});

describe('errors at the HTTP edge', () => {
  it('answers an unknown route with a 404 JSON error', async () => {
    const a = await app({ store: storeStub() });
    const res = await a.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /nope?x=1' } });
  });

  it('answers a body over the limit with 413 JSON, and bad JSON with 400', async () => {
    const a = await app({ store: storeStub(), bodyLimit: 64 });
    a.post('/echo', async (req) => req.body);
    const ok = await a.inject({ method: 'POST', url: '/echo', payload: { a: 1 } });
    expect(ok.json()).toEqual({ a: 1 });
    const big = await a.inject({ method: 'POST', url: '/echo', payload: { text: 'x'.repeat(200) } });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: 'request body too large' } });
    const bad = await a.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toMatch(/^FST_ERR_CTP/);
  });

  it('maps typed errors to their status, schema failures to 400, and hides unexpected errors', async () => {
    const a = await app({ store: storeStub() });
    a.get('/missing', async () => {
      throw new NotFoundError('event', 'e1');
    });
    a.get('/invalid', async () => {
      throw new CalsyncError('VALIDATION', 'title is required');
    });
    a.get('/broken', async () => {
      throw new Error('secret connection string in here');
    });
    a.get('/store', async () => {
      throw new CalsyncError('STORE_FAILURE', 'disk full');
    });
    a.post('/schema', { schema: { body: { type: 'object', required: ['title'], properties: { title: { type: 'string' } } } } }, async () => ({ ok: true }));

    expect((await a.inject({ method: 'GET', url: '/missing' })).json()).toEqual({ error: { code: 'STORE_NOT_FOUND', message: 'event e1 not found' } });
    expect((await a.inject({ method: 'GET', url: '/missing' })).statusCode).toBe(404);
    const invalid = await a.inject({ method: 'GET', url: '/invalid' });
    expect([invalid.statusCode, invalid.json()]).toEqual([400, { error: { code: 'VALIDATION', message: 'title is required' } }]);
    const broken = await a.inject({ method: 'GET', url: '/broken' });
    expect([broken.statusCode, broken.json()]).toEqual([500, { error: { code: 'INTERNAL', message: 'internal error' } }]);
    const store = await a.inject({ method: 'GET', url: '/store' });
    expect(store.statusCode).toBeGreaterThanOrEqual(500);
    expect(store.json().error.code).toBe('STORE_FAILURE');
    const schema = await a.inject({ method: 'POST', url: '/schema', payload: {} });
    expect(schema.statusCode).toBe(400);
    expect(schema.json()).toEqual({ error: { code: 'VALIDATION', message: expect.stringContaining('title') } });
  });
});
