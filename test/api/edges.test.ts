import { afterEach, describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import type { OutlookOAuthFlow } from '../../src/server/routes/api/index.js';
import { errorOf, makeApi, type ApiHarness } from './harness.js';

const open: ApiHarness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});
async function api(...args: Parameters<typeof makeApi>): Promise<ApiHarness> {
  const h = await makeApi(...args);
  open.push(h);
  return h;
}

describe('body limits', () => {
  it('answers 413 PAYLOAD_TOO_LARGE on every route that takes a body', async () => {
    const h = await api({ bodyLimit: 2_048 });
    const { integration, calendars } = await h.addIntegration('studio');
    const big = { title: 'x'.repeat(4_000), start: '2026-01-01' };
    for (const [method, url] of [
      ['POST', '/api/v1/events'],
      ['PATCH', '/api/v1/events/e1'],
      ['POST', '/api/v1/events/e1/restore'],
      ['POST', '/api/v1/integrations/caldav'],
      ['POST', '/api/v1/integrations/icloud'],
      ['PATCH', `/api/v1/integrations/${integration.id}`],
      ['PATCH', `/api/v1/calendars/${calendars[0]!.id}`],
      ['POST', `/api/v1/calendars/${calendars[0]!.id}/sync`],
      ['POST', `/api/v1/integrations/${integration.id}/sync`],
      ['POST', '/api/v1/conflicts/c1/resolve'],
    ] as const) {
      const res = await h.call(method, url, { body: big });
      expect([res.statusCode, errorOf(res).code], `${method} ${url}`).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    }
    expect(await h.store.events.list(h.a.tenant.id)).toEqual([]);
    expect((await h.queue.counts(h.a.tenant.id)).waiting).toBe(0);
  });
});

describe('without a queue', () => {
  it('still serves reads and writes, and answers queue routes with a typed 500', async () => {
    const h = await api({ queue: undefined });
    const created = await h.call('POST', '/api/v1/events', { body: { title: 'Tasting', start: '2026-05-01' } });
    expect(created.statusCode).toBe(201);
    const restored = await h.call('POST', `/api/v1/events/${created.json().id}/restore`);
    expect(restored.statusCode).toBe(200);
    const { calendars } = await h.addIntegration('studio');
    const sync = await h.call('POST', `/api/v1/calendars/${calendars[0]!.id}/sync`);
    expect([sync.statusCode, errorOf(sync).code]).toEqual([500, 'CONFIG']);
    expect(errorOf(await h.call('GET', '/api/v1/dead-letters')).code).toBe('CONFIG');
    expect((await h.call('GET', '/api/v1/integrations')).json()[0].health.deadLetters).toBe(0);
  });
});

describe('Outlook OAuth over HTTP', () => {
  function fakeFlow(h: () => ApiHarness): OutlookOAuthFlow & { states: Map<string, string> } {
    const states = new Map<string, string>();
    return {
      states,
      async start(tenantId, input) {
        const state = `state-${states.size + 1}`;
        states.set(state, tenantId);
        return { authorizeUrl: `https://login.example/authorize?state=${state}&login_hint=${input.loginHint ?? ''}`, state };
      },
      async finish({ state }) {
        const tenantId = states.get(state);
        states.delete(state);
        if (!tenantId) throw new CalsyncError('UNAUTHORIZED', 'unknown or used state');
        const integration = await h().store.integrations.create(tenantId, { provider: 'outlook', name: 'Outlook ann', config: {}, credentials: {} });
        return { integration, calendars: [] };
      },
    };
  }

  it('starts with the API key and finishes at the public callback, under the tenant that started', async () => {
    const holder: { h?: ApiHarness } = {};
    const flow = fakeFlow(() => holder.h as ApiHarness);
    const h = await api({ api: { outlookOAuth: flow } });
    holder.h = h;
    const start = await h.call('POST', '/api/v1/integrations/outlook/start', { body: { loginHint: 'ann@example.com', name: 'Outlook ann' } });
    expect(start.statusCode).toBe(200);
    expect(start.json().authorizeUrl).toContain('login_hint=ann@example.com');
    const noBody = await h.call('POST', '/api/v1/integrations/outlook/start', { as: h.b });
    expect(noBody.statusCode).toBe(200);
    expect((await h.call('POST', '/api/v1/integrations/outlook/start', { key: null })).statusCode).toBe(401);

    const done = await h.app.inject({ method: 'GET', url: `/api/v1/integrations/outlook/callback?code=abc&state=${start.json().state}` });
    expect(done.statusCode).toBe(201);
    expect(done.json().integration).toMatchObject({ provider: 'outlook', name: 'Outlook ann' });
    expect(await h.store.integrations.list(h.a.tenant.id)).toHaveLength(1);
    expect(await h.store.integrations.list(h.b.tenant.id)).toHaveLength(0);

    const replayed = await h.app.inject({ method: 'GET', url: `/api/v1/integrations/outlook/callback?code=abc&state=${start.json().state}` });
    expect([replayed.statusCode, errorOf(replayed).code]).toEqual([401, 'UNAUTHORIZED']);
    const missing = await h.app.inject({ method: 'GET', url: '/api/v1/integrations/outlook/callback?state=x' });
    expect([missing.statusCode, errorOf(missing).code]).toEqual([400, 'VALIDATION']);
  });

  it('has no Outlook routes unless the connector supplies the flow', async () => {
    const h = await api();
    expect((await h.call('POST', '/api/v1/integrations/outlook/start', { body: {} })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/integrations/outlook/callback?code=a&state=b' })).statusCode).toBe(404);
  });
});
