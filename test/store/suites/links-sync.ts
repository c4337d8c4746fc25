import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../../src/errors.js';
import { canonicalWithHash, hashEvent } from '../../../src/model/hash.js';
import type { StoreBackend } from '../harness.js';
import { useStore } from '../harness.js';
import { world } from './fixtures.js';

export function linkAndSyncStateTests(backend: StoreBackend): void {
  describe('links', () => {
    const s = useStore(backend);

    it('creates a link with the base hash and finds it every way', async () => {
      const w = await world(s);
      const link = await s.store.links.create(w.tenant.id, { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: '/cal/one/a.ics', etag: '"e1"', base: w.event.event });
      expect(link).toMatchObject({ tenantId: w.tenant.id, etag: '"e1"', base: w.event.event, baseHash: hashEvent(w.event.event), lastSyncedAt: new Date(s.clock.now()).toISOString() });
      expect(await s.store.links.get(w.tenant.id, link.id)).toEqual(link);
      expect(await s.store.links.getByRemote(w.tenant.id, w.calendar.id, '/cal/one/a.ics')).toEqual(link);
      expect(await s.store.links.getByHubEvent(w.tenant.id, w.calendar.id, w.event.id)).toEqual(link);
      expect(await s.store.links.listByCalendar(w.tenant.id, w.calendar.id)).toEqual([link]);
      expect(await s.store.links.listByHubEvent(w.tenant.id, w.event.id)).toEqual([link]);
      expect(await s.store.links.countByCalendar(w.tenant.id, w.calendar.id)).toBe(1);
      expect(await s.store.links.countByCalendar(w.tenant.id, w.calendar2.id)).toBe(0);
      expect(await s.store.links.getByRemote(w.tenant.id, w.calendar.id, 'nope')).toBeUndefined();
    });

    it('rejects a second link for the same remote item or the same hub event in a calendar', async () => {
      const w = await world(s);
      const base = w.event.event;
      await s.store.links.create(w.tenant.id, { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: 'r1', etag: 'e', base });
      await expect(s.store.links.create(w.tenant.id, { hubEventId: w.event2.id, calendarId: w.calendar.id, remoteId: 'r1', etag: 'e', base })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      await expect(s.store.links.create(w.tenant.id, { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: 'r2', etag: 'e', base })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      // The same hub event in another calendar is fine: one link per (event, calendar).
      await s.store.links.create(w.tenant.id, { hubEventId: w.event.id, calendarId: w.calendar2.id, remoteId: 'r1', etag: 'e', base });
      expect((await s.store.links.listByHubEvent(w.tenant.id, w.event.id)).map((l) => l.calendarId).sort()).toEqual([w.calendar.id, w.calendar2.id].sort());
    });

    it('createMany is all or nothing', async () => {
      const w = await world(s);
      const base = w.event.event;
      const ok = await s.store.links.createMany(w.tenant.id, [
        { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: 'a', etag: '1', base },
        { hubEventId: w.event2.id, calendarId: w.calendar.id, remoteId: 'b', etag: '1', base: w.event2.event },
      ]);
      expect(ok.map((l) => l.remoteId)).toEqual(['a', 'b']);
      expect(ok[1]!.baseHash).toBe(hashEvent(w.event2.event));
      const bad = s.store.links.createMany(w.tenant.id, [
        { hubEventId: w.event.id, calendarId: w.calendar2.id, remoteId: 'c', etag: '1', base },
        { hubEventId: w.event2.id, calendarId: w.calendar2.id, remoteId: 'c', etag: '1', base },
      ]);
      await expect(bad).rejects.toBeInstanceOf(StoreConflictError);
      expect(await s.store.links.countByCalendar(w.tenant.id, w.calendar2.id)).toBe(0);
      expect(await s.store.links.createMany(w.tenant.id, [])).toEqual([]);
    });

    it('createMany stores a precomputed canonical base as given, the same as computing it', async () => {
      const w = await world(s);
      const base = w.event.event;
      const [given] = await s.store.links.createMany(w.tenant.id, [
        { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: 'a', etag: '1', base, baseCanonical: canonicalWithHash(base) },
      ]);
      const [computed] = await s.store.links.createMany(w.tenant.id, [{ hubEventId: w.event.id, calendarId: w.calendar2.id, remoteId: 'a', etag: '1', base }]);
      expect(given?.baseHash).toBe(hashEvent(base));
      expect(await s.store.links.get(w.tenant.id, given!.id)).toMatchObject({ base, baseHash: computed?.baseHash });
    });

    it('records a write intent compare-and-set on the etag; a link save clears it', async () => {
      const w = await world(s);
      const link = await s.store.links.create(w.tenant.id, { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: 'r1', etag: '"e1"', base: w.event.event });
      expect(link.writeIntent).toBeUndefined();
      const intent = { event: { ...w.event.event, location: 'The Orangery' }, etag: '"e1"' };
      const marked = await s.store.links.setWriteIntent(w.tenant.id, link.id, '"e1"', intent);
      expect(marked).toMatchObject({ etag: '"e1"', base: w.event.event, writeIntent: intent });
      expect(await s.store.links.getByRemote(w.tenant.id, w.calendar.id, 'r1')).toEqual(marked);
      // Against a moved link (or none) the intent is refused, and nothing changes.
      await expect(s.store.links.setWriteIntent(w.tenant.id, link.id, '"stale"', undefined)).rejects.toBeInstanceOf(StoreConflictError);
      await expect(s.store.links.setWriteIntent(w.tenant.id, 'missing', '"e1"', intent)).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      expect((await s.store.links.get(w.tenant.id, link.id))?.writeIntent).toEqual(intent);
      // Clearing it explicitly, or saving the link after the write, leaves none.
      expect((await s.store.links.setWriteIntent(w.tenant.id, link.id, '"e1"', undefined)).writeIntent).toBeUndefined();
      await s.store.links.setWriteIntent(w.tenant.id, link.id, '"e1"', intent);
      const saved = await s.store.links.update(w.tenant.id, link.id, '"e1"', { etag: '"e2"', base: intent.event });
      expect(saved.writeIntent).toBeUndefined();
      expect((await s.store.links.get(w.tenant.id, link.id))?.writeIntent).toBeUndefined();
    });

    it('keeps the last push until a save replaces or clears it', async () => {
      const w = await world(s);
      const link = await s.store.links.create(w.tenant.id, { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: 'r1', etag: '"e1"', base: w.event.event });
      expect(link.lastPush).toBeUndefined();
      const pushed = await s.store.links.update(w.tenant.id, link.id, '"e1"', { etag: '"e2"', lastPush: { hubVersion: 3, etag: '"e2"', count: 1 } });
      expect(pushed.lastPush).toEqual({ hubVersion: 3, etag: '"e2"', count: 1 });
      const refreshed = await s.store.links.update(w.tenant.id, link.id, '"e2"', { etag: '"e3"' });
      expect(refreshed.lastPush).toEqual({ hubVersion: 3, etag: '"e2"', count: 1 });
      expect((await s.store.links.get(w.tenant.id, link.id))?.lastPush).toEqual({ hubVersion: 3, etag: '"e2"', count: 1 });
      expect((await s.store.links.update(w.tenant.id, link.id, '"e3"', { lastPush: null })).lastPush).toBeUndefined();
    });

    it('update and delete are compare-and-set on the etag', async () => {
      const w = await world(s);
      const link = await s.store.links.create(w.tenant.id, { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: 'r', etag: 'e1', base: w.event.event });
      const newBase = { ...w.event.event, title: 'Changed' };
      s.clock.advance(60_000);
      const updated = await s.store.links.update(w.tenant.id, link.id, 'e1', { etag: 'e2', base: newBase, remoteId: 'r-moved' });
      expect(updated).toMatchObject({ etag: 'e2', remoteId: 'r-moved', base: newBase, baseHash: hashEvent(newBase), lastSyncedAt: new Date(s.clock.now()).toISOString() });
      expect(await s.store.links.get(w.tenant.id, link.id)).toEqual(updated);
      await expect(s.store.links.update(w.tenant.id, link.id, 'e1', { etag: 'e3' })).rejects.toMatchObject({ code: 'STORE_CONFLICT', details: { actual: 'e2' } });
      await expect(s.store.links.delete(w.tenant.id, link.id, 'e1')).rejects.toBeInstanceOf(StoreConflictError);
      await expect(s.store.links.update(w.tenant.id, 'missing', 'e1', {})).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await s.store.links.delete(w.tenant.id, link.id, 'e2');
      expect(await s.store.links.get(w.tenant.id, link.id)).toBeUndefined();
      await expect(s.store.links.delete(w.tenant.id, link.id, 'e2')).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    });

    it('of two racing updates from the same etag exactly one wins', async () => {
      const w = await world(s);
      const link = await s.store.links.create(w.tenant.id, { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: 'r', etag: 'e1', base: w.event.event });
      const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd'].map((tag) => s.store.links.update(w.tenant.id, link.id, 'e1', { etag: `e2-${tag}` })));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const lost of outcomes.filter((o) => o.status === 'rejected')) expect(lost.reason).toBeInstanceOf(StoreConflictError);
      expect((await s.store.links.get(w.tenant.id, link.id))?.etag).toBe((won[0] as PromiseFulfilledResult<{ etag: string }>).value.etag);
    });

    it('is tenant-scoped: no reads, CAS writes or links into another tenant', async () => {
      const [w, other] = [await world(s), await world(s)];
      const link = await s.store.links.create(w.tenant.id, { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: 'r', etag: 'e', base: w.event.event });
      const b = other.tenant.id;
      expect(await s.store.links.get(b, link.id)).toBeUndefined();
      expect(await s.store.links.listByCalendar(b, w.calendar.id)).toEqual([]);
      expect(await s.store.links.countByCalendar(b, w.calendar.id)).toBe(0);
      expect(await s.store.links.getByRemote(b, w.calendar.id, 'r')).toBeUndefined();
      expect(await s.store.links.getByHubEvent(b, w.calendar.id, w.event.id)).toBeUndefined();
      expect(await s.store.links.listByHubEvent(b, w.event.id)).toEqual([]);
      await expect(s.store.links.update(b, link.id, 'e', { etag: 'x' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.links.delete(b, link.id, 'e')).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      // Linking another tenant's calendar or hub event fails on the composite foreign keys.
      await expect(s.store.links.create(b, { hubEventId: other.event.id, calendarId: w.calendar.id, remoteId: 'z', etag: 'e', base: w.event.event })).rejects.toMatchObject({
        code: 'STORE_NOT_FOUND',
      });
      await expect(s.store.links.create(b, { hubEventId: w.event.id, calendarId: other.calendar.id, remoteId: 'z', etag: 'e', base: w.event.event })).rejects.toMatchObject({
        code: 'STORE_NOT_FOUND',
      });
      expect(await s.store.links.get(w.tenant.id, link.id)).toEqual(link);
    });

    it('deleting an integration removes its calendars, links and sync state but keeps hub events', async () => {
      const w = await world(s);
      await s.store.links.create(w.tenant.id, { hubEventId: w.event.id, calendarId: w.calendar.id, remoteId: 'r', etag: 'e', base: w.event.event });
      await s.store.syncState.set(w.tenant.id, { calendarId: w.calendar.id, hubSeq: 2, cursor: 'c1' });
      expect(await s.store.integrations.delete(w.tenant.id, w.integration.id)).toBe(true);
      expect(await s.store.integrations.get(w.tenant.id, w.integration.id)).toBeUndefined();
      expect(await s.store.calendars.list(w.tenant.id)).toEqual([]);
      expect(await s.store.links.listByHubEvent(w.tenant.id, w.event.id)).toEqual([]);
      const rawState = await s.store.db.selectFrom('sync_state').selectAll().where('calendar_id', '=', w.calendar.id).execute();
      expect(rawState).toEqual([]);
      expect(await s.store.events.get(w.tenant.id, w.event.id)).toEqual(w.event);
    });
  });

  describe('sync state', () => {
    const s = useStore(backend);

    it('starts empty, stores everything, and replaces on set', async () => {
      const w = await world(s);
      expect(await s.store.syncState.get(w.tenant.id, w.calendar.id)).toEqual({ calendarId: w.calendar.id, hubSeq: 0 });
      const full = {
        calendarId: w.calendar.id,
        cursor: 'ctag:1|token:abc',
        hubSeq: 42,
        lastSyncAt: '2026-06-01T12:00:00.000Z',
        lastSuccessAt: '2026-06-01T12:00:00.000Z',
        lastError: 'timeout',
        push: { subscriptionId: 's1', expiresAt: '2026-06-08T12:00:00.000Z' },
      };
      await s.store.syncState.set(w.tenant.id, full);
      // `set` never writes `push` (only `setPush` does).
      const { push, ...withoutPush } = full;
      expect(await s.store.syncState.get(w.tenant.id, w.calendar.id)).toEqual(withoutPush);
      await s.store.syncState.setPush(w.tenant.id, w.calendar.id, push);
      expect(await s.store.syncState.get(w.tenant.id, w.calendar.id)).toEqual(full);
      await s.store.syncState.set(w.tenant.id, { calendarId: w.calendar.id, hubSeq: 43 });
      expect(await s.store.syncState.get(w.tenant.id, w.calendar.id)).toEqual({ calendarId: w.calendar.id, hubSeq: 43, push });
    });

    it('stores the items written since the cursor, replaces them on set, and clears them when absent', async () => {
      const w = await world(s);
      const cal = w.calendar.id;
      const written = { items: [{ remoteId: '/cal/a.ics', etag: '"e1"' }, { remoteId: '/cal/b.ics' }, { hubEventId: w.event.id }] };
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 1, cursor: 'c1', written }, { expectedCursor: null });
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ calendarId: cal, hubSeq: 1, cursor: 'c1', written });
      // Compare-and-set keeps the cursor and replaces the set (a blocked sync adds its own writes).
      const more = { items: [...written.items, { remoteId: '/cal/c.ics', etag: '"e3"' }], full: true };
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 1, cursor: 'c1', written: more }, { expectedCursor: 'c1' });
      expect((await s.store.syncState.get(w.tenant.id, cal)).written).toEqual(more);
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 2, cursor: 'c2' }, { expectedCursor: 'c1' });
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ calendarId: cal, hubSeq: 2, cursor: 'c2' });
    });

    it('stores the running sync\'s claim; holdClaim answers whether it is still the stored one, inside a transaction too', async () => {
      const w = await world(s);
      const cal = w.calendar.id;
      expect(await s.store.syncState.holdClaim(w.tenant.id, cal, 'c-1')).toBe(false);
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 0, claim: 'c-1' }, { expectedCursor: null });
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ calendarId: cal, hubSeq: 0, claim: 'c-1' });
      expect(await s.store.syncState.holdClaim(w.tenant.id, cal, 'c-1')).toBe(true);
      expect(await s.store.transaction((tx) => tx.syncState.holdClaim(w.tenant.id, cal, 'c-1'))).toBe(true);
      // A newer sync claims the calendar: the older claim no longer holds; nothing else changed.
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 0, claim: 'c-2' }, { expectedCursor: null });
      expect(await s.store.syncState.holdClaim(w.tenant.id, cal, 'c-1')).toBe(false);
      expect(await s.store.transaction((tx) => tx.syncState.holdClaim(w.tenant.id, cal, 'c-1'))).toBe(false);
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ calendarId: cal, hubSeq: 0, claim: 'c-2' });
      // Another tenant's calendar is never held.
      const other = await s.store.tenants.create(`other-${cal}`);
      expect(await s.store.syncState.holdClaim(other.id, cal, 'c-2')).toBe(false);
    });

    it('setClaim writes only the claim: another sync\'s saved state (its create intents) stays', async () => {
      const w = await world(s);
      const cal = w.calendar.id;
      // No row yet: setClaim creates the empty state with the claim.
      await s.store.syncState.setClaim(w.tenant.id, cal, 'c-1');
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ calendarId: cal, hubSeq: 0, claim: 'c-1' });
      const saved = { calendarId: cal, hubSeq: 3, cursor: 'k1', lastError: 'e', written: { items: [{ hubEventId: 'h1', sent: ['abc'] }] }, claim: 'c-1' };
      await s.store.syncState.set(w.tenant.id, saved, { expectedCursor: null });
      await s.store.syncState.setClaim(w.tenant.id, cal, 'c-2');
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ ...saved, claim: 'c-2' });
      expect(await s.store.syncState.holdClaim(w.tenant.id, cal, 'c-1')).toBe(false);
      // Another tenant's calendar is refused.
      const other = await s.store.tenants.create(`other-claim-${cal}`);
      await expect(s.store.syncState.setClaim(other.id, cal, 'c-3')).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      expect((await s.store.syncState.get(w.tenant.id, cal)).claim).toBe('c-2');
    });

    it('setPush writes only the push registration; set (even compare-and-set with a stale read) leaves it alone', async () => {
      const w = await world(s);
      const cal = w.calendar.id;
      // No row yet: setPush creates the empty state with the registration.
      await s.store.syncState.setPush(w.tenant.id, cal, { provider: 'graph', subscriptionId: 's1' });
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ calendarId: cal, hubSeq: 0, push: { provider: 'graph', subscriptionId: 's1' } });
      // A sync reads the state, a subscription is saved meanwhile, the sync writes back what it read.
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 1, cursor: 'c1', lastError: 'x' }, { expectedCursor: null });
      const read = await s.store.syncState.get(w.tenant.id, cal);
      await s.store.syncState.setPush(w.tenant.id, cal, { provider: 'graph', subscriptionId: 's2' });
      await s.store.syncState.set(w.tenant.id, { ...read, cursor: 'c2', hubSeq: 2 }, { expectedCursor: 'c1' });
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 3, cursor: 'c3' });
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ calendarId: cal, hubSeq: 3, cursor: 'c3', push: { provider: 'graph', subscriptionId: 's2' } });
      // setPush leaves the sync fields alone; undefined clears the registration.
      await s.store.syncState.setPush(w.tenant.id, cal, undefined);
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ calendarId: cal, hubSeq: 3, cursor: 'c3' });
    });

    it('setPush compare-and-set on the registration, with null meaning "none stored"', async () => {
      const w = await world(s);
      const cal = w.calendar.id;
      const first = { provider: 'graph', subscriptionId: 's1', expiresAt: '2026-06-08T12:00:00.000Z', nested: { a: [1, 2] } };
      await s.store.syncState.setPush(w.tenant.id, cal, first, { expected: null });
      await expect(s.store.syncState.setPush(w.tenant.id, cal, { subscriptionId: 'other' }, { expected: null })).rejects.toMatchObject({
        code: 'STORE_CONFLICT',
        details: { actual: first },
      });
      await expect(s.store.syncState.setPush(w.tenant.id, cal, { subscriptionId: 'other' }, { expected: { provider: 'graph', subscriptionId: 's0' } })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      // The value as read matches.
      const read = (await s.store.syncState.get(w.tenant.id, cal)).push!;
      await s.store.syncState.setPush(w.tenant.id, cal, { ...read, subscriptionId: 's2' }, { expected: read });
      expect((await s.store.syncState.get(w.tenant.id, cal)).push).toEqual({ ...first, subscriptionId: 's2' });
      await s.store.syncState.setPush(w.tenant.id, cal, undefined, { expected: { ...first, subscriptionId: 's2' } });
      expect((await s.store.syncState.get(w.tenant.id, cal)).push).toBeUndefined();
      // An existing row without a registration matches null.
      await s.store.syncState.setPush(w.tenant.id, cal, { subscriptionId: 's3' }, { expected: null });
      expect((await s.store.syncState.get(w.tenant.id, cal)).push).toEqual({ subscriptionId: 's3' });
    });

    it('setPush is tenant-scoped', async () => {
      const [w, other] = [await world(s), await world(s)];
      await expect(s.store.syncState.setPush(other.tenant.id, w.calendar.id, { subscriptionId: 'x' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await s.store.syncState.setPush(w.tenant.id, w.calendar.id, { subscriptionId: 'mine' });
      await expect(s.store.syncState.setPush(other.tenant.id, w.calendar.id, { subscriptionId: 'x' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.syncState.setPush(other.tenant.id, w.calendar.id, undefined, { expected: { subscriptionId: 'mine' } })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      expect((await s.store.syncState.get(w.tenant.id, w.calendar.id)).push).toEqual({ subscriptionId: 'mine' });
    });

    it('compare-and-set on the written items too when asked, with null meaning "none stored" (a claim cannot drop a same-cursor save)', async () => {
      const w = await world(s);
      const cal = w.calendar.id;
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 1, cursor: 'c1' }, { expectedCursor: null });
      // Another sync saves with the same cursor and adds what it wrote.
      const written = { items: [{ remoteId: '/cal/a.ics', etag: 'calsync:unproven-write' }] };
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 2, cursor: 'c1', written }, { expectedCursor: 'c1', expectedWritten: null });
      // A claim from the state read before that save is refused; from the state as it is now, accepted.
      await expect(s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 1, cursor: 'c1', claim: 'k1' }, { expectedCursor: 'c1', expectedWritten: null })).rejects.toBeInstanceOf(StoreConflictError);
      expect((await s.store.syncState.get(w.tenant.id, cal)).written).toEqual(written);
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 2, cursor: 'c1', written, claim: 'k2' }, { expectedCursor: 'c1', expectedWritten: written });
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ calendarId: cal, hubSeq: 2, cursor: 'c1', written, claim: 'k2' });
    });

    it('compare-and-set on the cursor, with null meaning "no cursor yet"', async () => {
      const w = await world(s);
      const cal = w.calendar.id;
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 1, cursor: 'c1' }, { expectedCursor: null });
      await expect(s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 2, cursor: 'c2' }, { expectedCursor: null })).rejects.toMatchObject({
        code: 'STORE_CONFLICT',
        details: { actual: 'c1' },
      });
      await expect(s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 2, cursor: 'c2' }, { expectedCursor: 'c0' })).rejects.toBeInstanceOf(StoreConflictError);
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 2 }, { expectedCursor: 'c1' });
      expect(await s.store.syncState.get(w.tenant.id, cal)).toEqual({ calendarId: cal, hubSeq: 2 });
      // An existing row without a cursor matches null too.
      await s.store.syncState.set(w.tenant.id, { calendarId: cal, hubSeq: 3, cursor: 'c3' }, { expectedCursor: null });
      expect((await s.store.syncState.get(w.tenant.id, cal)).cursor).toBe('c3');
    });

    it('is tenant-scoped', async () => {
      const [w, other] = [await world(s), await world(s)];
      await s.store.syncState.set(w.tenant.id, { calendarId: w.calendar.id, hubSeq: 5, cursor: 'mine' });
      await expect(s.store.syncState.get(other.tenant.id, w.calendar.id)).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.syncState.set(other.tenant.id, { calendarId: w.calendar.id, hubSeq: 9 })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.syncState.set(other.tenant.id, { calendarId: w.calendar.id, hubSeq: 9 }, { expectedCursor: 'mine' })).rejects.toMatchObject({
        code: 'STORE_NOT_FOUND',
      });
      await expect(s.store.syncState.set(other.tenant.id, { calendarId: other.calendar.id, hubSeq: 9 }, { expectedCursor: 'mine' })).rejects.toBeInstanceOf(
        StoreConflictError,
      );
      expect(await s.store.syncState.get(w.tenant.id, w.calendar.id)).toEqual({ calendarId: w.calendar.id, hubSeq: 5, cursor: 'mine' });
    });
  });
}
