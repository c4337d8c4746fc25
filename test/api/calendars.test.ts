import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, makeApi, type ApiHarness } from './harness.js';

let h: ApiHarness;
beforeEach(async () => {
  h = await makeApi();
});
afterEach(async () => {
  await h.close();
});

describe('calendars', () => {
  it('lists all, per integration, and one with its sync state', async () => {
    const { integration, calendars } = await h.addIntegration('studio', { count: 2 });
    await h.addIntegration('second');
    await h.addIntegration('theirs', { as: h.b });
    expect((await h.call('GET', '/api/v1/calendars')).json()).toHaveLength(3);
    const mine = await h.call('GET', `/api/v1/integrations/${integration.id}/calendars`);
    expect(mine.json().map((c: { id: string }) => c.id).sort()).toEqual(calendars.map((c) => c.id).sort());
    expect((await h.call('GET', `/api/v1/calendars?integrationId=${integration.id}`)).json()).toHaveLength(2);

    await h.syncNow(calendars[0]!.id);
    const one = await h.call('GET', `/api/v1/calendars/${calendars[0]!.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: calendars[0]!.id, integrationId: integration.id, enabled: true, direction: 'two_way', sync: { lastSuccessAt: expect.any(String) } });
    expect(one.json()).not.toHaveProperty('tenantId');
  });

  it('changes enabled, direction, conflict rules and poll interval', async () => {
    const { calendars } = await h.addIntegration('studio');
    const id = calendars[0]!.id;
    const res = await h.call('PATCH', `/api/v1/calendars/${id}`, { body: { enabled: false, direction: 'import_only', conflictRules: { default: 'provider_wins' }, pollIntervalS: 300 } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ enabled: false, direction: 'import_only', conflictRules: { default: 'provider_wins' }, pollIntervalS: 300 });
    expect(await h.store.calendars.get(h.a.tenant.id, id)).toMatchObject({ enabled: false, direction: 'import_only', pollIntervalS: 300 });

    for (const body of [{}, { enabeld: false }, { enabled: true, extra: 1 }, { direction: 'sideways' }, { enabled: 'nope' }, { pollIntervalS: 1 }, { conflictRules: { byType: { field: 'dice' } } }]) {
      const bad = await h.call('PATCH', `/api/v1/calendars/${id}`, { body, headers: { 'content-type': 'application/json' } });
      expect([bad.statusCode, errorOf(bad).code], JSON.stringify(body)).toEqual([400, 'VALIDATION']);
    }
    const empty = await h.call('PATCH', `/api/v1/calendars/${id}`, { headers: { 'content-type': 'application/json' } });
    expect([empty.statusCode, errorOf(empty).code]).toEqual([400, 'FST_ERR_CTP_EMPTY_JSON_BODY']);
  });

  it('answers 404 for another tenant’s calendar and changes nothing', async () => {
    const { calendars } = await h.addIntegration('studio');
    const id = calendars[0]!.id;
    for (const [method, url, body] of [
      ['GET', `/api/v1/calendars/${id}`, undefined],
      ['PATCH', `/api/v1/calendars/${id}`, { enabled: false }],
      ['POST', `/api/v1/calendars/${id}/sync`, {}],
      ['POST', `/api/v1/calendars/${id}/sync`, { dryRun: true }],
      ['GET', '/api/v1/integrations/nope/calendars', undefined],
    ] as const) {
      const res = await h.call(method, url, { as: h.b, body });
      expect([res.statusCode, errorOf(res).code], `${method} ${url}`).toEqual([404, 'NOT_FOUND']);
    }
    expect((await h.store.calendars.get(h.a.tenant.id, id))?.enabled).toBe(true);
  });
});
