import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorOf, makeApi, type ApiHarness } from './harness.js';

let h: ApiHarness;
beforeEach(async () => {
  h = await makeApi();
});
afterEach(async () => {
  await h.close();
});

const ceremony = { title: 'Ceremony — Ana & Ben', start: '2026-09-12T15:00', end: '2026-09-12T16:00', timeZone: 'Europe/London', kind: 'ceremony', weddingId: 'w-1', weddingDate: '2026-09-12', location: 'St Mary' };

async function create(body: Record<string, unknown> = ceremony) {
  const res = await h.call('POST', '/api/v1/events', { body });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; version: number; priority: string; event: Record<string, unknown> };
}

describe('hub events', () => {
  it('creates an event with wedding fields and pushes it to every enabled calendar', async () => {
    const { calendars } = await h.addIntegration('studio', { count: 2 });
    const created = await create({ ...ceremony, emergency: true });
    expect(created).toMatchObject({ version: 1, priority: 'high' });
    expect(created.event).toMatchObject({ title: ceremony.title, location: 'St Mary', wedding: { kind: 'ceremony', kindSource: 'wedsync', weddingId: 'w-1', weddingDate: '2026-09-12', emergency: true } });
    expect(created.event.start).toEqual({ kind: 'zoned', local: '2026-09-12T15:00:00', tzid: 'Europe/London', iana: 'Europe/London' });
    expect(created).not.toHaveProperty('tenantId');
    await h.drainOutbox();
    const counts = await h.queue.counts(h.a.tenant.id);
    expect(counts.waiting + counts.delayed).toBe(calendars.length);
  });

  it('gets, lists with paging, and hides other tenants', async () => {
    const ids = [];
    for (let i = 0; i < 5; i += 1) ids.push((await create({ title: `Tasting ${i}`, start: `2026-07-0${i + 1}` })).id);
    const one = await h.call('GET', `/api/v1/events/${ids[0]}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: ids[0], event: { title: 'Tasting 0' } });

    const first = await h.call('GET', '/api/v1/events?limit=2');
    expect(first.json().items).toHaveLength(2);
    const seen = [...first.json().items.map((e: { id: string }) => e.id)];
    let next = first.json().next as string | undefined;
    while (next) {
      const page = await h.call('GET', `/api/v1/events?limit=2&after=${next}`);
      seen.push(...page.json().items.map((e: { id: string }) => e.id));
      next = page.json().next;
    }
    expect(seen.sort()).toEqual([...ids].sort());

    const other = await h.call('GET', '/api/v1/events', { as: h.b });
    expect(other.json()).toEqual({ items: [], cursor: expect.stringMatching(/^cf1_/) });
    const cross = await h.call('GET', `/api/v1/events/${ids[0]}`, { as: h.b });
    expect(cross.statusCode).toBe(404);
    expect(errorOf(cross).code).toBe('NOT_FOUND');
    expect(cross.body).not.toContain('Tasting');
  });

  it('updates the given fields, with optimistic concurrency by expectedVersion or If-Match', async () => {
    const created = await create();
    const moved = await h.call('PATCH', `/api/v1/events/${created.id}`, { body: { start: '2026-09-12T16:00', end: '2026-09-12T17:00', expectedVersion: 1 } });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ version: 2, event: { title: ceremony.title, location: 'St Mary', start: { local: '2026-09-12T16:00:00' } } });

    const stale = await h.call('PATCH', `/api/v1/events/${created.id}`, { body: { title: 'Stale', expectedVersion: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(errorOf(stale)).toMatchObject({ code: 'STORE_CONFLICT', message: expect.stringContaining('version 2') });
    const staleHeader = await h.call('PATCH', `/api/v1/events/${created.id}`, { body: { title: 'Stale' }, headers: { 'if-match': '"1"' } });
    expect(staleHeader.statusCode).toBe(409);
    const ok = await h.call('PATCH', `/api/v1/events/${created.id}`, { body: { title: 'Fresh' }, headers: { 'if-match': 'W/"2"' } });
    expect(ok.json()).toMatchObject({ version: 3, event: { title: 'Fresh' } });
    const disagree = await h.call('PATCH', `/api/v1/events/${created.id}`, { body: { title: 'x', expectedVersion: 3 }, headers: { 'if-match': '"2"' } });
    expect(errorOf(disagree).code).toBe('VALIDATION');
    const badHeader = await h.call('PATCH', `/api/v1/events/${created.id}`, { body: { title: 'x' }, headers: { 'if-match': 'abc' } });
    expect([badHeader.statusCode, errorOf(badHeader).code]).toEqual([400, 'VALIDATION']);
    const unversioned = await h.call('PATCH', `/api/v1/events/${created.id}`, { body: { location: 'Garden' } });
    expect(unversioned.json()).toMatchObject({ version: 4, event: { location: 'Garden', title: 'Fresh' } });

    const cross = await h.call('PATCH', `/api/v1/events/${created.id}`, { body: { title: 'Hijack' }, as: h.b });
    expect(cross.statusCode).toBe(404);
    expect((await h.store.events.get(h.a.tenant.id, created.id))?.event.title).toBe('Fresh');
  });

  it('refuses malformed bodies with 400 and a code, changing nothing', async () => {
    const created = await create();
    const cases: [string, string, unknown][] = [
      ['POST', '/api/v1/events', {}],
      ['POST', '/api/v1/events', { title: '', start: '2026-01-01' }],
      ['POST', '/api/v1/events', { title: 'x', start: 42 }],
      ['POST', '/api/v1/events', { title: 'x', start: '2026-02-30' }],
      ['POST', '/api/v1/events', { title: 'x', start: '2026-01-02', end: '2026-01-01' }],
      ['POST', '/api/v1/events', { title: 'x', start: '2026-01-02', kind: 'party' }],
      ['POST', '/api/v1/events', { title: 'x', start: '2026-01-02T10:00', timeZone: 'Mars/Olympus' }],
      ['POST', '/api/v1/events', [1, 2]],
      ['POST', '/api/v1/events', { title: 'x', start: '2026-01-02', tenantId: 'someone-else' }],
      ['PATCH', `/api/v1/events/${created.id}`, {}],
      ['PATCH', `/api/v1/events/${created.id}`, { expectedVersion: 1 }],
      ['PATCH', `/api/v1/events/${created.id}`, { start: 'tomorrow' }],
      ['PATCH', `/api/v1/events/${created.id}`, { emergency: 'yes please' }],
    ];
    for (const [method, url, body] of cases) {
      const res = await h.call(method as 'POST', url, { body });
      expect([res.statusCode, errorOf(res).code], `${method} ${url} ${JSON.stringify(body)}`).toEqual([400, 'VALIDATION']);
    }
    const broken = await h.call('POST', '/api/v1/events', { body: '{"title":', headers: { 'content-type': 'application/json' } });
    expect(broken.statusCode).toBe(400);
    expect(errorOf(broken).code).toMatch(/^FST_ERR_CTP/);
    expect((await h.store.events.list(h.a.tenant.id)).map((e) => e.version)).toEqual([1]);
  });

  it('refuses an oversized body with 413', async () => {
    const res = await h.call('POST', '/api/v1/events', { body: { title: 'x', start: '2026-01-01', description: 'x'.repeat(1_100_000) } });
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await h.store.events.list(h.a.tenant.id)).toEqual([]);
  });

  it('a restore goes out to every calendar through the outbox', async () => {
    const { calendars } = await h.addIntegration('studio', { count: 2 });
    const created = await create();
    await h.call('DELETE', `/api/v1/events/${created.id}`);
    // As if both calendars had synced the deletion: nothing is left for them.
    const seq = await h.store.events.maxSeq(h.a.tenant.id);
    for (const c of calendars) await h.store.syncState.set(h.a.tenant.id, { calendarId: c.id, hubSeq: seq });
    await h.drainOutbox();
    const idle = await h.queue.counts(h.a.tenant.id);
    expect(idle.waiting + idle.delayed).toBe(0);

    expect((await h.call('POST', `/api/v1/events/${created.id}/restore`)).statusCode).toBe(200);
    const [entry] = await h.store.outbox.read(h.a.tenant.id, (await h.store.events.maxSeq(h.a.tenant.id)) - 1);
    expect(entry).toMatchObject({ hubEventId: created.id, source: 'restore', action: 'restore' });
    await h.drainOutbox();
    const counts = await h.queue.counts(h.a.tenant.id);
    expect(counts.waiting + counts.delayed).toBe(calendars.length);
  });

  it('deletes to a tombstone, keeps history, restores', async () => {
    const created = await create();
    await h.call('PATCH', `/api/v1/events/${created.id}`, { body: { location: 'Garden' } });
    const del = await h.call('DELETE', `/api/v1/events/${created.id}`);
    expect(del.statusCode).toBe(200);
    expect(del.json().deletedAt).toEqual(expect.any(String));
    expect((await h.call('GET', `/api/v1/events/${created.id}`)).statusCode).toBe(404);
    expect((await h.call('GET', `/api/v1/events/${created.id}?includeDeleted=true`)).json().deletedAt).toEqual(expect.any(String));
    expect((await h.call('GET', '/api/v1/events?includeDeleted=true')).json().items).toHaveLength(1);
    expect((await h.call('GET', '/api/v1/events')).json().items).toHaveLength(0);
    expect((await h.call('DELETE', `/api/v1/events/${created.id}`)).statusCode).toBe(404);

    const history = await h.call('GET', `/api/v1/events/${created.id}/history`);
    expect(history.statusCode).toBe(200);
    const entries = history.json() as { id: string; action: string; source: string; after?: { location?: string } }[];
    expect(entries.map((e) => [e.action, e.source])).toEqual([
      ['create', 'api'],
      ['update', 'api'],
      ['delete', 'api'],
    ]);

    const restored = await h.call('POST', `/api/v1/events/${created.id}/restore`);
    expect(restored.statusCode).toBe(200);
    expect(restored.json()).toMatchObject({ event: { location: 'Garden' } });
    expect(restored.json().deletedAt).toBeUndefined();

    const createEntry = entries[0]!;
    const rolledBack = await h.call('POST', `/api/v1/events/${created.id}/restore`, { body: { auditId: createEntry.id } });
    expect(rolledBack.json()).toMatchObject({ event: { location: 'St Mary' } });
    const unknownEntry = await h.call('POST', `/api/v1/events/${created.id}/restore`, { body: { auditId: 'nope' } });
    expect(unknownEntry.statusCode).toBe(404);
    const badBody = await h.call('POST', `/api/v1/events/${created.id}/restore`, { body: { auditId: { x: 1 } } });
    expect([badBody.statusCode, errorOf(badBody).code]).toEqual([400, 'VALIDATION']);

    for (const [method, url] of [
      ['DELETE', `/api/v1/events/${created.id}`],
      ['GET', `/api/v1/events/${created.id}/history`],
      ['POST', `/api/v1/events/${created.id}/restore`],
    ] as const) {
      const res = await h.call(method, url, { as: h.b });
      expect([res.statusCode, errorOf(res).code], `${method} ${url}`).toEqual([404, 'NOT_FOUND']);
    }
    expect((await h.store.events.get(h.a.tenant.id, created.id))?.deletedAt).toBeUndefined();
  });
});
