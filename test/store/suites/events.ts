import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../../src/errors.js';
import { canonicalWithHash } from '../../../src/model/hash.js';
import { makeEvent } from '../../support/events.js';
import type { StoreBackend } from '../harness.js';
import { useStore } from '../harness.js';

export function hubEventTests(backend: StoreBackend): void {
  describe('hub events', () => {
    const s = useStore(backend);

    it('creates with version 1 and a seq, and reads back by id and uid', async () => {
      const t = await s.tenant();
      const event = makeEvent();
      const created = await s.store.events.put(t.id, { event, source: 'wedsync' });
      expect(created).toMatchObject({ tenantId: t.id, version: 1, seq: 1, event });
      expect(created.deletedAt).toBeUndefined();
      expect(await s.store.events.get(t.id, created.id)).toEqual(created);
      expect(await s.store.events.getByUid(t.id, event.uid)).toEqual(created);
      expect(await s.store.events.maxSeq(t.id)).toBe(1);
    });

    it('updates bump version and seq; expectedVersion is compare-and-set', async () => {
      const t = await s.tenant();
      const v1 = await s.store.events.put(t.id, { event: makeEvent(), source: 'api' });
      s.clock.advance(1000);
      const v2 = await s.store.events.put(t.id, { id: v1.id, event: { ...v1.event, title: 'Moved' }, expectedVersion: 1, source: 'api' });
      expect(v2).toMatchObject({ id: v1.id, version: 2, seq: 2, createdAt: v1.createdAt });
      expect(v2.updatedAt > v1.updatedAt).toBe(true);
      const stale = s.store.events.put(t.id, { id: v1.id, event: { ...v1.event, title: 'Stale' }, expectedVersion: 1, source: 'api' });
      await expect(stale).rejects.toBeInstanceOf(StoreConflictError);
      expect((await s.store.events.get(t.id, v1.id))?.event.title).toBe('Moved');
      // A put without expectedVersion is an unconditional update.
      const v3 = await s.store.events.put(t.id, { id: v1.id, event: { ...v1.event, title: 'Blind' }, source: 'cli' });
      expect(v3.version).toBe(3);
    });

    it('of racing updates from the same version exactly one wins', async () => {
      const t = await s.tenant();
      const h = await s.store.events.put(t.id, { event: makeEvent(), source: 'api' });
      const outcomes = await Promise.allSettled(
        ['a', 'b', 'c'].map((tag) => s.store.events.put(t.id, { id: h.id, event: { ...h.event, title: tag }, expectedVersion: 1, source: 'api' })),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      expect(outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason)).toEqual([
        expect.any(StoreConflictError),
        expect.any(StoreConflictError),
      ]);
      expect((await s.store.events.history(t.id, h.id)).map((e) => e.action)).toEqual(['create', 'update']);
    });

    it('expectedVersion 0 means "must not exist"; a given id creates with that id', async () => {
      const t = await s.tenant();
      const id = '01900000-0000-7000-8000-000000000001';
      const created = await s.store.events.put(t.id, { id, event: makeEvent(), expectedVersion: 0, source: 'api' });
      expect(created.id).toBe(id);
      await expect(s.store.events.put(t.id, { id, event: makeEvent(), expectedVersion: 0, source: 'api' })).rejects.toBeInstanceOf(StoreConflictError);
    });

    it('rejects a second event with the same uid in a tenant, allows it in another tenant', async () => {
      const [a, b] = [await s.tenant(), await s.tenant()];
      const event = makeEvent();
      await s.store.events.put(a.id, { event, source: 'api' });
      await expect(s.store.events.put(a.id, { event, source: 'api' })).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
      await expect(s.store.events.put(b.id, { event, source: 'api' })).resolves.toMatchObject({ tenantId: b.id, seq: 1 });
    });

    it('putMany writes all in input order with consecutive seqs, or nothing', async () => {
      const t = await s.tenant();
      const events = Array.from({ length: 1_200 }, () => makeEvent());
      const put = await s.store.events.putMany(t.id, events.map((event) => ({ event, source: 'calendar:cal-1' as const })));
      expect(put.map((h) => h.event.uid)).toEqual(events.map((e) => e.uid));
      expect(put.map((h) => h.seq)).toEqual(events.map((_, i) => i + 1));
      expect(await s.store.events.maxSeq(t.id)).toBe(1_200);

      const dup = makeEvent();
      const failing = [makeEvent(), dup, { ...makeEvent(), uid: dup.uid }];
      await expect(s.store.events.putMany(t.id, failing.map((event) => ({ event, source: 'api' as const })))).rejects.toBeInstanceOf(StoreConflictError);
      expect(await s.store.events.getByUid(t.id, failing[0]!.uid)).toBeUndefined();
      expect(await s.store.events.maxSeq(t.id)).toBe(1_200);
      expect(await s.store.events.putMany(t.id, [])).toEqual([]);
    });

    it('putMany stores a precomputed canonical text as the event, and reads it back the same', async () => {
      const t = await s.tenant();
      const event = makeEvent({ title: 'Canonical', description: 'keys sorted' });
      const [put] = await s.store.events.putMany(t.id, [{ event, source: 'api', canonical: canonicalWithHash(event) }]);
      expect(await s.store.events.get(t.id, put!.id)).toMatchObject({ event });
      expect((await s.store.events.history(t.id, put!.id))[0]?.after).toEqual(event);
    });

    it('putMany handles updates and the same id twice in one batch', async () => {
      const t = await s.tenant();
      const first = await s.store.events.put(t.id, { event: makeEvent(), source: 'api' });
      const id = '01900000-0000-7000-8000-0000000000aa';
      const result = await s.store.events.putMany(t.id, [
        { id: first.id, event: { ...first.event, title: 'B1' }, expectedVersion: 1, source: 'api' },
        { id, event: makeEvent({ title: 'new' }), source: 'api' },
        { id, event: makeEvent({ title: 'new again' }), expectedVersion: 1, source: 'api' },
      ]);
      expect(result.map((r) => [r.version, r.seq])).toEqual([[2, 2], [1, 3], [2, 4]]);
      expect((await s.store.events.get(t.id, id))?.event.title).toBe('new again');
      expect((await s.store.events.history(t.id, id)).map((h) => h.action)).toEqual(['create', 'update']);
      const badVersion = s.store.events.putMany(t.id, [{ id: first.id, event: first.event, expectedVersion: 1, source: 'api' }]);
      await expect(badVersion).rejects.toMatchObject({ code: 'STORE_CONFLICT', details: { expected: 1, actual: 2 } });
    });

    it('delete keeps a tombstone, is idempotent and checks expectedVersion', async () => {
      const t = await s.tenant();
      const h = await s.store.events.put(t.id, { event: makeEvent(), source: 'api' });
      await expect(s.store.events.delete(t.id, h.id, { source: 'api', expectedVersion: 7 })).rejects.toBeInstanceOf(StoreConflictError);
      const gone = await s.store.events.delete(t.id, h.id, { source: 'calendar:x', expectedVersion: 1 });
      expect(gone).toMatchObject({ version: 2, seq: 2, event: h.event });
      expect(gone.deletedAt).toBeDefined();
      expect(await s.store.events.get(t.id, h.id)).toBeUndefined();
      expect(await s.store.events.getByUid(t.id, h.event.uid)).toBeUndefined();
      expect(await s.store.events.get(t.id, h.id, { includeDeleted: true })).toEqual(gone);
      expect(await s.store.events.getByUid(t.id, h.event.uid, { includeDeleted: true })).toEqual(gone);
      expect(await s.store.events.delete(t.id, h.id, { source: 'api' })).toEqual(gone);
      expect(await s.store.events.maxSeq(t.id)).toBe(2);
      await expect(s.store.events.delete(t.id, 'missing', { source: 'api' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    });

    it('a put on a tombstone brings the event back as an update', async () => {
      const t = await s.tenant();
      const h = await s.store.events.put(t.id, { event: makeEvent({ title: 'A' }), source: 'api' });
      await s.store.events.delete(t.id, h.id, { source: 'api' });
      const back = await s.store.events.put(t.id, { id: h.id, event: { ...h.event, title: 'A again' }, expectedVersion: 2, source: 'conflict' });
      expect(back).toMatchObject({ version: 3, event: { title: 'A again' } });
      expect(back.deletedAt).toBeUndefined();
      expect((await s.store.events.history(t.id, h.id)).map((e) => e.action)).toEqual(['create', 'delete', 'update']);
    });

    it('records history with source and before/after, and restores from it', async () => {
      const t = await s.tenant();
      const h = await s.store.events.put(t.id, { event: makeEvent({ title: 'A' }), source: 'wedsync' });
      await s.store.events.put(t.id, { id: h.id, event: { ...h.event, title: 'B' }, source: 'calendar:outlook-1' });
      await s.store.events.delete(t.id, h.id, { source: 'cli' });
      const history = await s.store.events.history(t.id, h.id);
      expect(history.map((e) => [e.action, e.source, e.before?.title, e.after?.title])).toEqual([
        ['create', 'wedsync', undefined, 'A'],
        ['update', 'calendar:outlook-1', 'A', 'B'],
        ['delete', 'cli', 'B', undefined],
      ]);
      // Undelete with the last content…
      const back = await s.store.events.restore(t.id, h.id, { source: 'restore' });
      expect(back).toMatchObject({ version: 4, seq: 4, event: { title: 'B' } });
      expect(back.deletedAt).toBeUndefined();
      // …restoring a live event without an audit id changes nothing…
      expect(await s.store.events.restore(t.id, h.id, { source: 'restore' })).toEqual(back);
      // …and roll back to the first version.
      const rolled = await s.store.events.restore(t.id, h.id, { auditId: history[0]!.id, source: 'restore' });
      expect(rolled).toMatchObject({ version: 5, event: { title: 'A' } });
      // A delete entry restores its `before`.
      await s.store.events.restore(t.id, h.id, { auditId: history[2]!.id, source: 'restore' });
      expect((await s.store.events.get(t.id, h.id))?.event.title).toBe('B');
      const last = (await s.store.events.history(t.id, h.id)).at(-1);
      expect(last).toMatchObject({ action: 'restore', source: 'restore', before: { title: 'A' }, after: { title: 'B' } });
      await expect(s.store.events.restore(t.id, h.id, { auditId: 'nope', source: 'restore' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.events.restore(t.id, 'nope', { source: 'restore' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    });

    it('changedSince returns changes (tombstones included) ascending by seq, paged by limit', async () => {
      const t = await s.tenant();
      const [a, b, c] = await s.store.events.putMany(t.id, [makeEvent(), makeEvent(), makeEvent()].map((event) => ({ event, source: 'api' as const })));
      await s.store.events.put(t.id, { id: a!.id, event: { ...a!.event, title: 'a2' }, source: 'api' });
      await s.store.events.delete(t.id, b!.id, { source: 'api' });
      const all = await s.store.events.changedSince(t.id, 0);
      expect(all.map((e) => [e.id, e.seq])).toEqual([[c!.id, 3], [a!.id, 4], [b!.id, 5]]);
      expect(all[2]!.deletedAt).toBeDefined();
      expect((await s.store.events.changedSince(t.id, 3, 1)).map((e) => e.seq)).toEqual([4]);
      expect(await s.store.events.changedSince(t.id, 5)).toEqual([]);
    });

    it('lists live events by id with keyset paging; getMany keeps input order and includes tombstones', async () => {
      const t = await s.tenant();
      const put = await s.store.events.putMany(t.id, [makeEvent(), makeEvent(), makeEvent()].map((event) => ({ event, source: 'api' as const })));
      const ids = put.map((p) => p.id).sort();
      await s.store.events.delete(t.id, ids[1]!, { source: 'api' });
      expect((await s.store.events.list(t.id)).map((e) => e.id)).toEqual([ids[0], ids[2]]);
      expect((await s.store.events.list(t.id, { includeDeleted: true })).map((e) => e.id)).toEqual(ids);
      expect((await s.store.events.list(t.id, { includeDeleted: true, limit: 2, after: ids[0] })).map((e) => e.id)).toEqual([ids[1], ids[2]]);
      const many = await s.store.events.getMany(t.id, [ids[2]!, 'missing', ids[1]!, ids[2]!]);
      expect(many.map((e) => e.id)).toEqual([ids[2], ids[1]]);
      expect(many[1]!.deletedAt).toBeDefined();
      expect(await s.store.events.getMany(t.id, [])).toEqual([]);
    });

    it('is tenant-scoped: another tenant cannot read, change, delete or restore an event', async () => {
      const [a, b] = [await s.tenant(), await s.tenant()];
      const h = await s.store.events.put(a.id, { event: makeEvent(), source: 'api' });
      expect(await s.store.events.get(b.id, h.id, { includeDeleted: true })).toBeUndefined();
      expect(await s.store.events.getByUid(b.id, h.event.uid)).toBeUndefined();
      expect(await s.store.events.getMany(b.id, [h.id])).toEqual([]);
      expect(await s.store.events.list(b.id)).toEqual([]);
      expect(await s.store.events.changedSince(b.id, 0)).toEqual([]);
      expect(await s.store.events.history(b.id, h.id)).toEqual([]);
      await expect(s.store.events.delete(b.id, h.id, { source: 'api' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.events.restore(b.id, h.id, { source: 'api' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      // Writing the same id under another tenant creates that tenant's own event and leaves the original alone.
      const theirs = await s.store.events.put(b.id, { id: h.id, event: makeEvent({ title: 'theirs' }), source: 'api' });
      expect(theirs).toMatchObject({ tenantId: b.id, version: 1 });
      await s.store.events.delete(b.id, h.id, { source: 'api' });
      expect(await s.store.events.get(a.id, h.id)).toEqual(h);
      expect(await s.store.events.history(a.id, h.id)).toHaveLength(1);
      await expect(s.store.events.put('no-such-tenant', { event: makeEvent(), source: 'api' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      expect(await s.store.events.maxSeq('no-such-tenant')).toBe(0);
    });
  });
}
