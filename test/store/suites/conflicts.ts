import { describe, expect, it } from 'vitest';
import { StoreConflictError } from '../../../src/errors.js';
import type { StoreBackend } from '../harness.js';
import { useStore } from '../harness.js';
import { world } from './fixtures.js';

export function conflictTests(backend: StoreBackend): void {
  describe('conflicts', () => {
    const s = useStore(backend);

    it('records a conflict with all three versions and reads it back', async () => {
      const w = await world(s);
      const remote = { ...w.event.event, title: 'Remote title' };
      const c = await s.store.conflicts.record(w.tenant.id, {
        calendarId: w.calendar.id,
        hubEventId: w.event.id,
        type: 'field',
        fields: ['title'],
        base: w.event.event,
        hub: { ...w.event.event, title: 'Hub title' },
        remote,
        remoteEtag: '"r2"',
      });
      expect(c).toMatchObject({ tenantId: w.tenant.id, status: 'open', fields: ['title'], remote, remoteEtag: '"r2"' });
      expect(c.resolution).toBeUndefined();
      expect(c.linkId).toBeUndefined();
      expect(await s.store.conflicts.get(w.tenant.id, c.id)).toEqual(c);
      expect(await s.store.conflicts.openFor(w.tenant.id, w.calendar.id, w.event.id)).toEqual(c);
    });

    it('replaces the open conflict of the same pair instead of duplicating it', async () => {
      const w = await world(s);
      const first = await s.store.conflicts.record(w.tenant.id, { calendarId: w.calendar.id, hubEventId: w.event.id, type: 'field', fields: ['title'] });
      s.clock.advance(1_000);
      const second = await s.store.conflicts.record(w.tenant.id, {
        calendarId: w.calendar.id,
        hubEventId: w.event.id,
        type: 'edit_delete',
        fields: ['start', 'location'],
        linkId: 'link-1',
      });
      expect(second).toMatchObject({ id: first.id, type: 'edit_delete', fields: ['start', 'location'], linkId: 'link-1' });
      expect(await s.store.conflicts.list(w.tenant.id)).toEqual([second]);
      // Other pairs are separate conflicts.
      await s.store.conflicts.record(w.tenant.id, { calendarId: w.calendar2.id, hubEventId: w.event.id, type: 'field', fields: ['title'] });
      await s.store.conflicts.record(w.tenant.id, { calendarId: w.calendar.id, hubEventId: w.event2.id, type: 'field', fields: ['title'] });
      expect(await s.store.conflicts.list(w.tenant.id, { status: 'open' })).toHaveLength(3);
      expect(await s.store.conflicts.list(w.tenant.id, { calendarId: w.calendar2.id })).toHaveLength(1);
    });

    it('resolves once (compare-and-set), then a new conflict may open for the pair', async () => {
      const w = await world(s);
      const c = await s.store.conflicts.record(w.tenant.id, { calendarId: w.calendar.id, hubEventId: w.event.id, type: 'field', fields: ['title'] });
      s.clock.advance(10_000);
      const resolved = await s.store.conflicts.resolve(w.tenant.id, c.id, { take: 'fields', fields: { title: 'provider' }, by: 'user:pat' });
      expect(resolved).toMatchObject({ status: 'resolved', resolution: { take: 'fields', fields: { title: 'provider' }, by: 'user:pat' }, resolvedAt: new Date(s.clock.now()).toISOString() });
      await expect(s.store.conflicts.resolve(w.tenant.id, c.id, { take: 'wedsync', by: 'user:sam' })).rejects.toBeInstanceOf(StoreConflictError);
      await expect(s.store.conflicts.resolve(w.tenant.id, 'missing', { take: 'wedsync', by: 'x' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      expect(await s.store.conflicts.openFor(w.tenant.id, w.calendar.id, w.event.id)).toBeUndefined();
      const next = await s.store.conflicts.record(w.tenant.id, { calendarId: w.calendar.id, hubEventId: w.event.id, type: 'delete_edit', fields: [] });
      expect(next.id).not.toBe(c.id);
      expect((await s.store.conflicts.list(w.tenant.id, { status: 'resolved' })).map((x) => x.id)).toEqual([c.id]);
      expect((await s.store.conflicts.list(w.tenant.id, { status: 'open' })).map((x) => x.id)).toEqual([next.id]);
    });

    it('is tenant-scoped', async () => {
      const [w, other] = [await world(s), await world(s)];
      const c = await s.store.conflicts.record(w.tenant.id, { calendarId: w.calendar.id, hubEventId: w.event.id, type: 'field', fields: ['title'] });
      const b = other.tenant.id;
      expect(await s.store.conflicts.get(b, c.id)).toBeUndefined();
      expect(await s.store.conflicts.list(b)).toEqual([]);
      expect(await s.store.conflicts.openFor(b, w.calendar.id, w.event.id)).toBeUndefined();
      await expect(s.store.conflicts.resolve(b, c.id, { take: 'wedsync', by: 'x' })).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
      await expect(s.store.conflicts.record(b, { calendarId: w.calendar.id, hubEventId: w.event.id, type: 'field', fields: [] })).rejects.toMatchObject({
        code: 'STORE_NOT_FOUND',
      });
      expect((await s.store.conflicts.get(w.tenant.id, c.id))?.status).toBe('open');
    });
  });
}
