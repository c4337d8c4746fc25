import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, makeApi, type ApiHarness } from './harness.js';

let h: ApiHarness;
beforeEach(async () => {
  h = await makeApi();
});
afterEach(async () => {
  await h.close();
});

describe('syncs', () => {
  it('previews a first sync with a dry run: the plan, and nothing written', async () => {
    const { calendars } = await h.addIntegration('studio');
    const cal = calendars[0]!;
    h.server.otherClient(cal.remoteId).create({ uid: 'phone-1', title: 'Client meeting', start: { kind: 'utc', utc: '2026-05-01T10:00:00Z' }, attendees: [], categories: [], overrides: [], sequence: 0, wedding: { kind: 'other', kindSource: 'inferred' } });
    const res = await h.call('POST', `/api/v1/calendars/${cal.id}/sync`, { body: { dryRun: true } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.dryRun).toBe(true);
    expect(body.reports).toHaveLength(1);
    expect(body.reports[0]).toMatchObject({ calendarId: cal.id, dryRun: true });
    expect(body.reports[0].plan.join('\n')).toMatch(/Client meeting|phone-1/);
    expect(await h.store.events.list(h.a.tenant.id)).toEqual([]);
    expect((await h.store.syncState.get(h.a.tenant.id, cal.id)).lastSuccessAt).toBeUndefined();

    const integrationWide = await h.call('POST', `/api/v1/integrations/${cal.integrationId}/sync`, { body: { dryRun: true, full: true } });
    expect(integrationWide.statusCode).toBe(200);
    expect(integrationWide.json().reports).toHaveLength(1);
  });

  it('enqueues a sync (202 with the job), coalesces a second request, and shows the job', async () => {
    const { calendars } = await h.addIntegration('studio');
    const cal = calendars[0]!;
    const res = await h.call('POST', `/api/v1/calendars/${cal.id}/sync`);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ calendarId: cal.id, coalesced: false, jobId: expect.any(String) });
    const again = await h.call('POST', `/api/v1/calendars/${cal.id}/sync`, { body: {} });
    expect(again.json()).toMatchObject({ jobId: res.json().jobId, coalesced: true });
    const full = await h.call('POST', `/api/v1/calendars/${cal.id}/sync`, { body: { full: true } });
    expect(full.json().jobId).not.toBe(res.json().jobId);

    const job = await h.call('GET', `/api/v1/jobs/${res.json().jobId}`);
    expect(job.statusCode).toBe(200);
    expect(job.json()).toMatchObject({ id: res.json().jobId, type: 'sync.calendar', state: 'waiting', priority: 'high', payload: { calendarId: cal.id } });
    expect(job.json()).not.toHaveProperty('tenantId');
    const cross = await h.call('GET', `/api/v1/jobs/${res.json().jobId}`, { as: h.b });
    expect([cross.statusCode, errorOf(cross).code]).toEqual([404, 'NOT_FOUND']);
    expect((await h.call('GET', '/api/v1/jobs/nope')).statusCode).toBe(404);
  });

  it('enqueues every enabled calendar of an integration', async () => {
    const { integration, calendars } = await h.addIntegration('studio', { count: 3 });
    await h.store.calendars.update(h.a.tenant.id, calendars[2]!.id, { enabled: false });
    const res = await h.call('POST', `/api/v1/integrations/${integration.id}/sync`, { body: { full: true } });
    expect(res.statusCode).toBe(202);
    expect(res.json().jobs.map((j: { calendarId: string }) => j.calendarId).sort()).toEqual([calendars[0]!.id, calendars[1]!.id].sort());
  });

  it('refuses malformed sync bodies', async () => {
    const { calendars } = await h.addIntegration('studio');
    for (const body of [{ full: 'yes' }, { dryRun: 3 }, [true]]) {
      const res = await h.call('POST', `/api/v1/calendars/${calendars[0]!.id}/sync`, { body });
      expect([res.statusCode, errorOf(res).code], JSON.stringify(body)).toEqual([400, 'VALIDATION']);
    }
    expect((await h.queue.counts(h.a.tenant.id)).waiting).toBe(0);
  });

  it('maps a failing dry run to the provider error', async () => {
    const { calendars } = await h.addIntegration('studio');
    h.server.faults.failNext('listChanges', 'PROVIDER_UNAVAILABLE', { count: 10 });
    const res = await h.call('POST', `/api/v1/calendars/${calendars[0]!.id}/sync`, { body: { dryRun: true } });
    expect(res.statusCode).toBeGreaterThanOrEqual(500);
    expect(errorOf(res).code).toMatch(/^PROVIDER_/);
  });
});
