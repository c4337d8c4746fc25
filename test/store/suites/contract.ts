/** The WedSync contract's store parts on every backend: the change feed, pruning, external ids, idempotent answers. */
import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../support/events.js';
import type { StoreBackend } from '../harness.js';
import { useStore } from '../harness.js';

export function contractTests(backend: StoreBackend): void {
  describe('change feed, external ids, idempotency', () => {
    const s = useStore(backend);

    it('reads changes in seq order with version, content and audit id; position and floor per tenant', async () => {
      const t = await s.tenant();
      const [a, b] = await s.store.events.putMany(t.id, [
        { event: makeEvent({ title: 'A' }), source: 'calendar:cal-1' },
        { event: makeEvent({ title: 'B' }), source: 'api' },
      ]);
      await s.store.events.put(t.id, { id: a!.id, event: { ...a!.event, title: 'A2' }, source: 'cli' });
      await s.store.events.delete(t.id, b!.id, { source: 'api' });
      const feed = await s.store.changes.read(t.id, 0, 10);
      expect(feed.map((c) => [c.seq, c.hubEventId, c.action, c.version, c.source, c.event.title])).toEqual([
        [1, a!.id, 'create', 1, 'calendar:cal-1', 'A'],
        [2, b!.id, 'create', 1, 'api', 'B'],
        [3, a!.id, 'update', 2, 'cli', 'A2'],
        [4, b!.id, 'delete', 2, 'api', 'B'],
      ]);
      expect(feed.filter((c) => c.hubEventId === a!.id).map((c) => c.auditId)).toEqual((await s.store.events.history(t.id, a!.id)).map((h) => h.id));
      expect((await s.store.changes.read(t.id, 2, 1)).map((c) => c.seq)).toEqual([3]);
      expect(await s.store.changes.position(t.id)).toEqual({ seq: 4, floor: 0 });
      expect(await s.store.changes.read((await s.tenant()).id, 0, 10)).toEqual([]);
    });

    it('prunes only dispatched history, keeps each event\'s latest entry, and raises the floor', async () => {
      const t = await s.tenant();
      const e = await s.store.events.put(t.id, { event: makeEvent({ title: 'v1' }), source: 'api' });
      await s.store.events.put(t.id, { id: e.id, event: { ...e.event, title: 'v2' }, source: 'api' });
      await s.store.events.put(t.id, { id: e.id, event: { ...e.event, title: 'v3' }, source: 'api' });
      const future = new Date(Date.now() + 86_400_000).toISOString();
      // Nothing dispatched yet: nothing goes.
      expect(await s.store.changes.pruneHistory(t.id, future)).toEqual({ pruned: 0, floor: 0 });
      await s.store.outbox.advance(t.id, 0, 2);
      expect(await s.store.changes.pruneHistory(t.id, future)).toEqual({ pruned: 2, floor: 2 });
      expect((await s.store.changes.read(t.id, 0, 10)).map((c) => [c.seq, c.version])).toEqual([[3, 3]]);
      expect(await s.store.changes.position(t.id)).toEqual({ seq: 3, floor: 2 });
      await s.store.outbox.advance(t.id, 2, 3);
      // The latest entry of an event stays, whatever its age.
      expect(await s.store.changes.pruneHistory(t.id, future)).toEqual({ pruned: 0, floor: 2 });
    });

    it('gives an external id to one event per tenant', async () => {
      const t = await s.tenant();
      const other = await s.tenant();
      const a = await s.store.events.put(t.id, { event: makeEvent(), source: 'api' });
      const b = await s.store.events.put(t.id, { event: makeEvent(), source: 'api' });
      const c = await s.store.events.put(other.id, { event: makeEvent(), source: 'api' });
      await s.store.externalIds.assign(t.id, a.id, 'ws-1');
      await s.store.externalIds.assign(t.id, a.id, 'ws-1');
      await expect(s.store.externalIds.assign(t.id, b.id, 'ws-1')).rejects.toMatchObject({ code: 'STORE_CONFLICT' });
      await s.store.externalIds.assign(other.id, c.id, 'ws-1');
      expect(await s.store.externalIds.find(t.id, 'ws-1')).toBe(a.id);
      expect(await s.store.externalIds.find(other.id, 'ws-1')).toBe(c.id);
      await s.store.externalIds.assign(t.id, a.id, 'ws-2');
      expect(await s.store.externalIds.find(t.id, 'ws-1')).toBeUndefined();
      expect([...(await s.store.externalIds.of(t.id, [a.id, b.id]))]).toEqual([[a.id, 'ws-2']]);
    });

    it('stores the first answer per key; a second save returns it; old answers expire', async () => {
      const t = await s.tenant();
      expect(await s.store.idempotency.save(t.id, 'k1', { requestHash: 'h', status: 201, body: { id: 'e1' } })).toBeUndefined();
      expect(await s.store.idempotency.save(t.id, 'k1', { requestHash: 'h2', status: 200, body: { id: 'e2' } })).toMatchObject({ requestHash: 'h', status: 201, body: { id: 'e1' } });
      expect(await s.store.idempotency.get(t.id, 'k1')).toMatchObject({ status: 201, body: { id: 'e1' } });
      expect(await s.store.idempotency.get((await s.tenant()).id, 'k1')).toBeUndefined();
      expect(await s.store.idempotency.expire(new Date(Date.now() + 86_400_000 * 365 * 10).toISOString())).toBeGreaterThanOrEqual(1);
      expect(await s.store.idempotency.get(t.id, 'k1')).toBeUndefined();
    });
  });
}
