/**
 * The WedSync contract over the API: the change feed (order, cursor, long poll, 410 after pruning or
 * for a cursor ahead of the hub), idempotent writes, externalId upserts and per-event sync state.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/service/changes/cursor.js';
import { errorOf, makeApi, type ApiHarness } from './harness.js';

let h: ApiHarness;
beforeEach(async () => {
  h = await makeApi();
});
afterEach(async () => {
  await h.close();
});

interface ChangeJson {
  cursor: string;
  seq: number;
  type: string;
  eventId: string;
  externalId?: string;
  version: number;
  source: { kind: string; calendarId?: string };
  auditId: string;
  event: { title: string };
}
interface PageJson {
  changes: ChangeJson[];
  cursor: string;
  hasMore: boolean;
}

async function page(query = ''): Promise<PageJson> {
  const res = await h.call('GET', `/api/v1/changes${query}`);
  expect(res.statusCode).toBe(200);
  return res.json() as PageJson;
}

const tasting = (title: string) => ({ title, start: '2027-05-01T12:00', end: '2027-05-01T13:00', timeZone: 'Europe/London' });

describe('GET /api/v1/changes', () => {
  it('replays every change in commit order with version, source and audit id, a page at a time', async () => {
    const a = (await h.call('POST', '/api/v1/events', { body: tasting('Cake tasting') })).json() as { id: string };
    const b = (await h.call('POST', '/api/v1/events', { body: tasting('Menu tasting') })).json() as { id: string };
    expect((await h.call('PATCH', `/api/v1/events/${a.id}`, { body: { location: 'Bakery' } })).statusCode).toBe(200);
    expect((await h.call('DELETE', `/api/v1/events/${b.id}`)).statusCode).toBe(200);
    expect((await h.call('POST', `/api/v1/events/${b.id}/restore`, { body: {} })).statusCode).toBe(200);

    const first = await page('?limit=2');
    expect(first.hasMore).toBe(true);
    const rest = await page(`?cursor=${first.cursor}&limit=10`);
    expect(rest.hasMore).toBe(false);
    const all = [...first.changes, ...rest.changes];
    expect(all.map((c) => [c.type, c.eventId, c.version, c.source.kind])).toEqual([
      ['event.created', a.id, 1, 'api'],
      ['event.created', b.id, 1, 'api'],
      ['event.updated', a.id, 2, 'api'],
      ['event.deleted', b.id, 2, 'api'],
      ['event.restored', b.id, 3, 'restore'],
    ]);
    expect(all.map((c) => c.seq)).toEqual([...all.map((c) => c.seq)].sort((x, y) => x - y));
    expect(all[3]?.event.title).toBe('Menu tasting');
    // The audit id is the history entry.
    const history = (await h.call('GET', `/api/v1/events/${a.id}/history`)).json() as { id: string }[];
    expect(all.filter((c) => c.eventId === a.id).map((c) => c.auditId)).toEqual(history.map((e) => e.id));
    // Nothing after the end; the cursor stays.
    const end = await page(`?cursor=${rest.cursor}`);
    expect(end).toEqual({ changes: [], cursor: rest.cursor, hasMore: false });
  });

  it('is per tenant: another tenant sees none of it', async () => {
    await h.call('POST', '/api/v1/events', { body: tasting('Private') });
    const other = await h.call('GET', '/api/v1/changes', { as: h.b });
    expect(other.json().changes).toEqual([]);
  });

  it('long-polls: answers as soon as a change commits', async () => {
    const start = await page();
    const waiting = h.call('GET', `/api/v1/changes?cursor=${start.cursor}&wait=30`);
    let answered = false;
    void waiting.then(() => (answered = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    await h.call('POST', '/api/v1/events', { body: tasting('Late change') });
    const res = await waiting;
    expect(res.statusCode).toBe(200);
    expect((res.json() as PageJson).changes.map((c) => c.event.title)).toEqual(['Late change']);
  });

  it('answers 410 with the way back for a cursor below the pruned history, and for one ahead of the hub', async () => {
    const e = (await h.call('POST', '/api/v1/events', { body: tasting('Old') })).json() as { id: string };
    for (const location of ['A', 'B', 'C']) await h.call('PATCH', `/api/v1/events/${e.id}`, { body: { location } });
    const old = await page('?limit=1');
    await h.drainOutbox();
    h.clock.advance(400 * 24 * 3600 * 1000);
    const pruned = await h.store.changes.pruneHistory(h.a.tenant.id, new Date(h.clock.now()).toISOString());
    expect(pruned.pruned).toBe(3);
    // The event's latest entry stays: its history still shows its current content.
    expect((await h.store.events.history(h.a.tenant.id, e.id)).map((x) => x.after?.location)).toEqual(['C']);

    const gone = await h.call('GET', `/api/v1/changes?cursor=${old.cursor}`);
    expect(gone.statusCode).toBe(410);
    expect(errorOf(gone)).toMatchObject({ code: 'CHANGES_CURSOR_EXPIRED' });
    expect(errorOf(gone).message).toContain('/api/v1/events');
    expect((await h.call('GET', '/api/v1/changes')).statusCode).toBe(410);
    // The way back: the first /events page's cursor continues.
    const listing = (await h.call('GET', '/api/v1/events')).json() as { cursor: string; items: unknown[] };
    expect(listing.items).toHaveLength(1);
    await h.call('PATCH', `/api/v1/events/${e.id}`, { body: { location: 'D' } });
    expect((await page(`?cursor=${listing.cursor}`)).changes.map((c) => c.version)).toEqual([5]);

    const ahead = await h.call('GET', `/api/v1/changes?cursor=${encodeCursor(999)}`);
    expect(ahead.statusCode).toBe(410);
  });

  it('refuses a cursor it did not make (400) and a wait beyond 60 s', async () => {
    expect((await h.call('GET', '/api/v1/changes?cursor=12')).statusCode).toBe(400);
    expect((await h.call('GET', '/api/v1/changes?cursor=cf1_!!')).statusCode).toBe(400);
    expect((await h.call('GET', '/api/v1/changes?wait=61')).statusCode).toBe(400);
    expect((await h.call('GET', '/api/v1/changes', { key: null })).statusCode).toBe(401);
  });
});

describe('Idempotency-Key', () => {
  it('a retried create returns the first answer and creates nothing twice', async () => {
    const headers = { 'idempotency-key': 'create-7f3a' };
    const first = await h.call('POST', '/api/v1/events', { body: tasting('Once'), headers });
    const again = await h.call('POST', '/api/v1/events', { body: tasting('Once'), headers });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await page()).changes).toHaveLength(1);
    // Same key, other request: refused, nothing written.
    const other = await h.call('POST', '/api/v1/events', { body: tasting('Another'), headers });
    expect(other.statusCode).toBe(422);
    expect(errorOf(other).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await page()).changes).toHaveLength(1);
    // Keys are per tenant.
    expect((await h.call('POST', '/api/v1/events', { body: tasting('Once'), headers, as: h.b })).statusCode).toBe(201);
  });

  it('a retried PATCH and DELETE change nothing twice; concurrent copies write once', async () => {
    const e = (await h.call('POST', '/api/v1/events', { body: tasting('Edit me') })).json() as { id: string };
    const patch = { body: { location: 'Hall', expectedVersion: 1 }, headers: { 'idempotency-key': 'patch-1' } };
    const [p1, p2] = await Promise.all([h.call('PATCH', `/api/v1/events/${e.id}`, patch), h.call('PATCH', `/api/v1/events/${e.id}`, patch)]);
    expect([p1.statusCode, p2.statusCode]).toEqual([200, 200]);
    expect(p2.json()).toEqual(p1.json());
    // Retried after the first copy moved the version on: still the first answer, not a 409.
    expect((await h.call('PATCH', `/api/v1/events/${e.id}`, patch)).json()).toMatchObject({ version: 2 });
    const del = { headers: { 'idempotency-key': 'delete-1' } };
    expect((await h.call('DELETE', `/api/v1/events/${e.id}`, del)).statusCode).toBe(200);
    expect((await h.call('DELETE', `/api/v1/events/${e.id}`, del)).json()).toMatchObject({ version: 3 });
    expect((await page()).changes.map((c) => c.version)).toEqual([1, 2, 3]);
    expect((await h.call('DELETE', `/api/v1/events/${e.id}`, { headers: { 'idempotency-key': 'bad key with spaces' } })).statusCode).toBe(400);
  });

  it('a failed request stores nothing: retrying it tries again', async () => {
    const headers = { 'idempotency-key': 'fails-first' };
    expect((await h.call('POST', '/api/v1/events', { body: { title: 'No start' }, headers })).statusCode).toBe(400);
    expect((await h.call('POST', '/api/v1/events', { body: { ...tasting('Fixed'), start: 'not a time' }, headers })).statusCode).toBe(400);
    expect((await h.call('POST', '/api/v1/events', { body: tasting('Fixed'), headers })).statusCode).toBe(201);
  });
});

describe('externalId', () => {
  it('upserts by WedSync id, unique per tenant, and shows in the feed and the events', async () => {
    const created = await h.call('POST', '/api/v1/events', { body: { ...tasting('Venue visit'), externalId: 'ws-42' } });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: string }).id;
    const upserted = await h.call('POST', '/api/v1/events', { body: { ...tasting('Venue visit (moved)'), externalId: 'ws-42' } });
    expect(upserted.statusCode).toBe(200);
    expect(upserted.json()).toMatchObject({ id, externalId: 'ws-42', version: 2, event: { title: 'Venue visit (moved)' } });
    expect((await h.call('GET', '/api/v1/events/external/ws-42')).json()).toMatchObject({ id, externalId: 'ws-42' });
    expect((await h.call('GET', '/api/v1/events/external/ws-42', { as: h.b })).statusCode).toBe(404);
    // A deleted event upserted again comes back.
    await h.call('DELETE', `/api/v1/events/${id}`);
    const back = await h.call('POST', '/api/v1/events', { body: { ...tasting('Venue visit'), externalId: 'ws-42' } });
    expect(back.json()).toMatchObject({ id, version: 5 });
    expect(back.json()).not.toHaveProperty('deletedAt');
    // Another event cannot take the id.
    const other = (await h.call('POST', '/api/v1/events', { body: tasting('Other') })).json() as { id: string };
    const clash = await h.call('PATCH', `/api/v1/events/${other.id}`, { body: { externalId: 'ws-42' } });
    expect(clash.statusCode).toBe(409);
    expect((await h.call('PATCH', `/api/v1/events/${other.id}`, { body: { externalId: 'ws-43' } })).json()).toMatchObject({ externalId: 'ws-43', version: 1 });
    const feed = await page();
    expect(feed.changes.filter((c) => c.eventId === id).every((c) => c.externalId === 'ws-42')).toBe(true);
    const list = (await h.call('GET', '/api/v1/events')).json() as { items: { id: string; externalId?: string }[] };
    expect(list.items.find((e) => e.id === other.id)?.externalId).toBe('ws-43');
  });
});

describe('per-event sync state', () => {
  it('says per calendar: pending, then synced; a failed calendar with its reason', async () => {
    const { calendars } = await h.addIntegration('studio', { count: 2 });
    const [one, two] = calendars;
    const e = (await h.call('POST', '/api/v1/events', { body: tasting('Fitting') })).json() as { id: string };
    const before = (await h.call('GET', `/api/v1/events/${e.id}`)).json() as { sync: { calendarId: string; status: string }[] };
    expect(before.sync.map((s) => s.status)).toEqual(['pending', 'pending']);
    await h.syncNow(one!.id);
    const after = (await h.call('GET', `/api/v1/events/${e.id}`)).json() as { sync: { calendarId: string; status: string; remoteId?: string }[] };
    expect(after.sync.find((s) => s.calendarId === one!.id)).toMatchObject({ status: 'synced' });
    expect(after.sync.find((s) => s.calendarId === one!.id)?.remoteId).toBeTruthy();
    expect(after.sync.find((s) => s.calendarId === two!.id)).toMatchObject({ status: 'pending' });
    // An edit makes the synced copy pending again.
    await h.call('PATCH', `/api/v1/events/${e.id}`, { body: { location: 'Atelier' } });
    expect(((await h.call('GET', `/api/v1/events/${e.id}`)).json() as { sync: { status: string }[] }).sync.map((s) => s.status)).toEqual(['pending', 'pending']);
    await h.store.syncState.set(h.a.tenant.id, { ...(await h.store.syncState.get(h.a.tenant.id, two!.id)), lastError: 'HTTP 503 from the server' });
    const failed = (await h.call('GET', `/api/v1/events/${e.id}`)).json() as { sync: { calendarId: string; status: string; reason?: string }[] };
    expect(failed.sync.find((s) => s.calendarId === two!.id)).toMatchObject({ status: 'failed', reason: 'HTTP 503 from the server' });
  });
});
