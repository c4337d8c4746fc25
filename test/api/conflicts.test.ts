import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CalendarRecord } from '../../src/store/types.js';
import { errorOf, makeApi, type ApiHarness } from './harness.js';

let h: ApiHarness;
beforeEach(async () => {
  h = await makeApi();
});
afterEach(async () => {
  await h.close();
});

/** A hub event and its calendar copy both changed (title and location) since the last sync, rule `manual`. */
async function seedConflict(): Promise<{ calendar: CalendarRecord; conflictId: string; eventId: string }> {
  const { integration, calendars } = await h.addIntegration('studio');
  const calendar = calendars[0]!;
  await h.store.integrations.update(h.a.tenant.id, integration.id, { conflictRules: { default: 'manual' } });
  const event = (await h.call('POST', '/api/v1/events', { body: { title: 'Venue visit', start: '2026-06-01T10:00:00Z', location: 'Hall' } })).json();
  await h.syncNow(calendar.id);
  const remoteId = h.server.items(calendar.remoteId)[0]!.remoteId;
  await h.call('PATCH', `/api/v1/events/${event.id}`, { body: { title: 'Venue visit (hub)', location: 'Garden' } });
  h.server.otherClient(calendar.remoteId).update(remoteId, (e) => ({ ...e, title: 'Venue visit (phone)', location: 'Barn' }));
  await h.syncNow(calendar.id);
  const open = await h.store.conflicts.list(h.a.tenant.id, { status: 'open' });
  expect(open).toHaveLength(1);
  return { calendar, conflictId: open[0]!.id, eventId: event.id };
}

describe('conflicts', () => {
  it('lists with filters and shows base, both versions and the fields', async () => {
    const { calendar, conflictId, eventId } = await seedConflict();
    const list = await h.call('GET', '/api/v1/conflicts?status=open');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toHaveLength(1);
    expect((await h.call('GET', '/api/v1/conflicts?status=resolved')).json()).toEqual([]);
    expect((await h.call('GET', `/api/v1/conflicts?calendarId=${calendar.id}&hubEventId=${eventId}`)).json()).toHaveLength(1);
    expect((await h.call('GET', '/api/v1/conflicts?hubEventId=other')).json()).toEqual([]);
    expect((await h.call('GET', '/api/v1/conflicts', { as: h.b })).json()).toEqual([]);

    const one = await h.call('GET', `/api/v1/conflicts/${conflictId}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({
      id: conflictId,
      calendarId: calendar.id,
      hubEventId: eventId,
      status: 'open',
      fields: expect.arrayContaining(['title', 'location']),
      base: { title: 'Venue visit', location: 'Hall' },
      hub: { title: 'Venue visit (hub)', location: 'Garden' },
      remote: { title: 'Venue visit (phone)', location: 'Barn' },
    });
    const bad = await h.call('GET', '/api/v1/conflicts?status=maybe');
    expect([bad.statusCode, errorOf(bad).code]).toEqual([400, 'VALIDATION']);
  });

  it('resolves per field on both sides', async () => {
    const { calendar, conflictId, eventId } = await seedConflict();
    const res = await h.call('POST', `/api/v1/conflicts/${conflictId}/resolve`, { body: { fields: { title: 'provider', location: 'wedsync' } } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'resolved', resolution: { take: 'fields', fields: { title: 'provider', location: 'wedsync' }, by: 'api:tests a' } });
    const hub = await h.store.events.get(h.a.tenant.id, eventId);
    expect(hub?.event).toMatchObject({ title: 'Venue visit (phone)', location: 'Garden' });
    expect(h.server.items(calendar.remoteId)[0]?.event).toMatchObject({ title: 'Venue visit (phone)', location: 'Garden' });

    const again = await h.call('POST', `/api/v1/conflicts/${conflictId}/resolve`, { body: { take: 'wedsync' } });
    expect([again.statusCode, errorOf(again).message]).toEqual([400, expect.stringContaining('already resolved')]);
  });

  /** Jobs waiting in the queue for tenant a once its outbox is drained: one sync per other calendar. */
  async function queued(): Promise<number> {
    await h.drainOutbox();
    const c = await h.queue.counts(h.a.tenant.id);
    return c.waiting + c.delayed;
  }

  it('sends a hub event the resolution changed on to the other calendars at once', async () => {
    const { conflictId } = await seedConflict();
    await h.addIntegration('phone', { count: 2 });
    // The phone calendars lack the event already: as if they had synced it, so the resolution alone is measured.
    const seq = await h.store.events.maxSeq(h.a.tenant.id);
    for (const c of await h.store.calendars.list(h.a.tenant.id)) await h.store.syncState.set(h.a.tenant.id, { calendarId: c.id, hubSeq: seq });
    expect(await queued()).toBe(0);
    expect((await h.call('POST', `/api/v1/conflicts/${conflictId}/resolve`, { body: { take: 'provider' } })).statusCode).toBe(200);
    // Both phone calendars, and the conflict's own calendar (its hub seq is behind the resolution's
    // write; its sync finds both sides equal and writes nothing).
    expect(await queued()).toBe(3);
  });

  it('sends nothing when the resolution leaves the hub as it was', async () => {
    const { conflictId } = await seedConflict();
    await h.addIntegration('phone');
    const before = await queued();
    expect((await h.call('POST', `/api/v1/conflicts/${conflictId}/resolve`, { body: { take: 'wedsync' } })).statusCode).toBe(200);
    expect(await queued()).toBe(before);
  });

  it('resolves by taking a side', async () => {
    const { calendar, conflictId, eventId } = await seedConflict();
    const res = await h.call('POST', `/api/v1/conflicts/${conflictId}/resolve`, { body: { take: 'wedsync' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().resolution).toMatchObject({ take: 'wedsync' });
    expect(h.server.items(calendar.remoteId)[0]?.event).toMatchObject({ title: 'Venue visit (hub)', location: 'Garden' });
    expect((await h.store.events.get(h.a.tenant.id, eventId))?.event.title).toBe('Venue visit (hub)');
  });

  it('refuses malformed choices and other tenants, changing nothing', async () => {
    const { conflictId } = await seedConflict();
    for (const body of [{}, { take: 'both' }, { take: 'wedsync', fields: { title: 'provider' } }, { fields: {} }, { fields: { title: 'mine' } }, { fields: { start: 'provider' } }, { fields: { 'bad key!': 'provider' } }]) {
      const res = await h.call('POST', `/api/v1/conflicts/${conflictId}/resolve`, { body });
      expect([res.statusCode, errorOf(res).code], JSON.stringify(body)).toEqual([400, 'VALIDATION']);
    }
    for (const [method, url, body] of [
      ['GET', `/api/v1/conflicts/${conflictId}`, undefined],
      ['POST', `/api/v1/conflicts/${conflictId}/resolve`, { take: 'provider' }],
    ] as const) {
      const res = await h.call(method, url, { as: h.b, body });
      expect([res.statusCode, errorOf(res).code], `${method} ${url}`).toEqual([404, 'NOT_FOUND']);
      expect(res.body).not.toContain('Venue');
    }
    expect((await h.store.conflicts.get(h.a.tenant.id, conflictId))?.status).toBe('open');
  });
});
