import { describe, expect, it } from 'vitest';
import type { SqlStore } from '../../../src/store/open.js';
import { POLL_NOW } from '../../../src/store/schema.js';
import { ManualClock } from '../../../src/util/clock.js';
import type { StoreBackend } from '../harness.js';

/** A fresh database with `count` calendars over two tenants; every store opened on it shares them. */
async function scheduled(backend: StoreBackend, count: number, stores = 1): Promise<{ stores: SqlStore[]; ids: string[]; cleanup(): Promise<void> }> {
  const db = await backend.createDatabase();
  const clock = new ManualClock();
  const opened: SqlStore[] = [];
  for (let i = 0; i < stores; i += 1) opened.push(await db.open({ clock }));
  const store = opened[0]!;
  const ids: string[] = [];
  for (const name of ['a', 'b']) {
    const tenant = await store.tenants.create(name);
    const integration = await store.integrations.create(tenant.id, { provider: 'caldav', name: 'dav', config: { pollIntervalS: 30 }, credentials: {} });
    for (let i = 0; i < count / 2; i += 1) ids.push((await store.calendars.upsert(tenant.id, integration.id, { remoteId: `/c/${i}/`, name: `c${i}` })).id);
  }
  return {
    stores: opened,
    ids,
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()));
      await db.cleanup();
    },
  };
}

export function pollScheduleTests(backend: StoreBackend): void {
  describe('poll schedule', () => {
    it('a new calendar is due at once; a claim moves it to the given time, earliest first, across tenants', async () => {
      const w = await scheduled(backend, 4);
      try {
        const store = w.stores[0]!;
        expect(await store.pollSchedule.nextDueAt()).toBe(POLL_NOW);
        const first = await store.pollSchedule.claimDue(1_000, 3, 5_000);
        expect(first).toHaveLength(3);
        const rest = await store.pollSchedule.claimDue(1_000, 3, 5_000);
        expect([...first, ...rest].map((c) => c.calendarId).sort()).toEqual([...w.ids].sort());
        expect(new Set([...first, ...rest].map((c) => c.tenantId)).size).toBe(2);
        expect(await store.pollSchedule.claimDue(1_000, 10, 5_000)).toEqual([]);
        expect(await store.pollSchedule.nextDueAt()).toBe(5_000);

        await store.pollSchedule.reschedule([
          { calendarId: w.ids[0]!, at: 7_000.2 },
          { calendarId: w.ids[1]!, at: 6_000 },
        ]);
        expect(await store.pollSchedule.claimDue(4_999, 10, 9_000)).toEqual([]);
        // The earliest are taken first (the order of the answer is not promised).
        expect(new Set((await store.pollSchedule.claimDue(6_000, 2, 9_000)).map((c) => c.calendarId))).toEqual(new Set([w.ids[2], w.ids[3]]));
        expect((await store.pollSchedule.claimDue(6_000, 10, 9_000)).map((c) => c.calendarId)).toEqual([w.ids[1]]);
        // Whole milliseconds, never earlier than asked.
        expect(await store.pollSchedule.claimDue(7_000, 10, 9_000)).toEqual([]);
        expect((await store.pollSchedule.claimDue(7_001, 10, 9_000)).map((c) => c.calendarId)).toEqual([w.ids[0]]);
        expect(await store.pollSchedule.nextDueAt(9_000)).toBeUndefined();
        expect(await store.pollSchedule.releaseAt(9_000)).toBe(4);
        expect(await store.pollSchedule.nextDueAt()).toBe(POLL_NOW);
      } finally {
        await w.cleanup();
      }
    });

    it('reads a batch of candidates with their integration and sync state; a deleted calendar is left out', async () => {
      const w = await scheduled(backend, 2);
      try {
        const store = w.stores[0]!;
        const [claimA, claimB] = await store.pollSchedule.claimDue(0, 2, 1);
        const a = claimA!;
        await store.syncState.set(a.tenantId, { calendarId: a.calendarId, hubSeq: 0, lastSyncAt: '2026-01-01T00:00:00.000Z' });
        const got = await store.pollSchedule.candidates([a.calendarId, 'gone', claimB!.calendarId]);
        expect(got).toHaveLength(2);
        const ofA = got.find((c) => c.calendar.id === a.calendarId)!;
        expect(ofA).toMatchObject({ calendar: { tenantId: a.tenantId, enabled: true }, integration: { provider: 'caldav', config: { pollIntervalS: 30 }, status: 'active' }, lastSyncAt: '2026-01-01T00:00:00.000Z' });
        expect(got.find((c) => c.calendar.id === claimB!.calendarId)?.lastSyncAt).toBeUndefined();
        await store.integrations.delete(a.tenantId, ofA.integration!.id);
        expect((await store.pollSchedule.candidates([a.calendarId, claimB!.calendarId])).map((c) => c.calendar.id)).toEqual([claimB!.calendarId]);
      } finally {
        await w.cleanup();
      }
    });

    it('concurrent claimers on separate connections never get the same calendar, and together get every due one', async () => {
      const w = await scheduled(backend, 60, 3);
      try {
        const claimed: string[] = [];
        // Three connections (as three processes) claiming small batches at once until nothing is left.
        await Promise.all(
          w.stores.map(async (store) => {
            for (;;) {
              const batch = await store.pollSchedule.claimDue(1_000, 4, 60_000);
              if (batch.length === 0) return;
              claimed.push(...batch.map((c) => c.calendarId));
            }
          }),
        );
        expect(claimed).toHaveLength(60);
        expect(new Set(claimed).size).toBe(60);
        expect(new Set(claimed)).toEqual(new Set(w.ids));
      } finally {
        await w.cleanup();
      }
    });
  });
}
