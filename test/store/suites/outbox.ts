import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../support/events.js';
import type { StoreBackend } from '../harness.js';
import { useStore } from '../harness.js';

export function outboxTests(backend: StoreBackend): void {
  describe('outbox', () => {
    const s = useStore(backend);

    it('records every hub write in seq order, with its source and action, in the same transaction', async () => {
      const t = await s.tenant();
      const [a, b] = await s.store.events.putMany(t.id, [
        { event: makeEvent(), source: 'calendar:cal-1' },
        { event: makeEvent(), source: 'api' },
      ]);
      await s.store.events.put(t.id, { id: a!.id, event: { ...a!.event, title: 'Moved' }, source: 'cli' });
      await s.store.events.delete(t.id, b!.id, { source: 'wedsync' });
      await s.store.events.restore(t.id, b!.id, { source: 'restore' });
      expect(await s.store.outbox.read(t.id, 0)).toEqual([
        { seq: 1, hubEventId: a!.id, source: 'calendar:cal-1', action: 'create' },
        { seq: 2, hubEventId: b!.id, source: 'api', action: 'create' },
        { seq: 3, hubEventId: a!.id, source: 'cli', action: 'update' },
        { seq: 4, hubEventId: b!.id, source: 'wedsync', action: 'delete' },
        { seq: 5, hubEventId: b!.id, source: 'restore', action: 'restore' },
      ]);
      expect((await s.store.outbox.read(t.id, 3)).map((e) => e.seq)).toEqual([4, 5]);
      expect((await s.store.outbox.read(t.id, 1, 2)).map((e) => e.seq)).toEqual([2, 3]);
      expect(await s.store.outbox.read(t.id, 5)).toEqual([]);
    });

    it('a rolled-back write leaves no outbox row, and its seq is not skipped', async () => {
      const t = await s.tenant();
      await expect(
        s.store.transaction(async (tx) => {
          await tx.events.put(t.id, { event: makeEvent(), source: 'api' });
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await s.store.outbox.read(t.id, 0)).toEqual([]);
      const e = await s.store.events.put(t.id, { event: makeEvent(), source: 'api' });
      expect(e.seq).toBe(1);
      expect((await s.store.outbox.read(t.id, 0)).map((x) => x.seq)).toEqual([1]);
    });

    it('keeps a mark per tenant, moved compare-and-set; the backlog lists tenants past their mark', async () => {
      const t = await s.tenant();
      const other = await s.tenant();
      expect(await s.store.outbox.drainedSeq(t.id)).toBe(0);
      expect((await s.store.outbox.backlog()).map((b) => b.tenantId)).not.toContain(t.id);
      await s.store.events.putMany(t.id, [
        { event: makeEvent(), source: 'api' },
        { event: makeEvent(), source: 'api' },
      ]);
      await s.store.events.put(other.id, { event: makeEvent(), source: 'api' });
      const backlog = await s.store.outbox.backlog();
      expect(backlog).toContainEqual({ tenantId: t.id, drainedSeq: 0, seq: 2 });
      expect(backlog).toContainEqual({ tenantId: other.id, drainedSeq: 0, seq: 1 });

      expect(await s.store.outbox.advance(t.id, 0, 1)).toBe(true);
      expect(await s.store.outbox.drainedSeq(t.id)).toBe(1);
      // A second drainer that read the old mark loses; the mark never moves back.
      expect(await s.store.outbox.advance(t.id, 0, 2)).toBe(false);
      expect(await s.store.outbox.advance(t.id, 1, 1)).toBe(false);
      expect(await s.store.outbox.drainedSeq(t.id)).toBe(1);
      expect(await s.store.outbox.advance(t.id, 1, 2)).toBe(true);
      expect((await s.store.outbox.backlog()).map((b) => b.tenantId)).not.toContain(t.id);
      expect((await s.store.outbox.backlog()).map((b) => b.tenantId)).toContain(other.id);
      // Marks are per tenant.
      expect(await s.store.outbox.drainedSeq(other.id)).toBe(0);
    });

    it('two first drainers racing from mark 0: exactly one wins', async () => {
      const t = await s.tenant();
      await s.store.events.put(t.id, { event: makeEvent(), source: 'api' });
      const results = await Promise.all([s.store.outbox.advance(t.id, 0, 1), s.store.outbox.advance(t.id, 0, 1)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await s.store.outbox.drainedSeq(t.id)).toBe(1);
    });

    it('tells commit listeners after the transaction committed, once per tenant, and never for a rollback', async () => {
      const t = await s.tenant();
      const heard: string[] = [];
      let visibleAtCall: number | undefined;
      const off = s.store.outbox.onCommit((tenantId) => {
        heard.push(tenantId);
        void s.store.outbox.read(tenantId, 0).then((rows) => (visibleAtCall = rows.length));
      });
      try {
        await s.store.transaction(async (tx) => {
          await tx.events.put(t.id, { event: makeEvent(), source: 'api' });
          await tx.events.put(t.id, { event: makeEvent(), source: 'api' });
          expect(heard).toEqual([]);
        });
        expect(heard).toEqual([t.id]);
        await expect.poll(() => visibleAtCall).toBe(2);
        await expect(
          s.store.transaction(async (tx) => {
            await tx.events.put(t.id, { event: makeEvent(), source: 'api' });
            throw new Error('abort');
          }),
        ).rejects.toThrow('abort');
        expect(heard).toEqual([t.id]);
        // Writes that are not hub changes do not wake anyone.
        await s.store.integrations.create(t.id, { provider: 'caldav', name: 'x', config: {}, credentials: {} });
        expect(heard).toEqual([t.id]);
      } finally {
        off();
      }
      await s.store.events.put(t.id, { event: makeEvent(), source: 'api' });
      expect(heard).toEqual([t.id]);
    });
  });
}
