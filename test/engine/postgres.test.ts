/**
 * The engine on PostgreSQL: the scenarios where the backend matters (batched imports, compare-and-set
 * under real concurrency, conflicts) and a short model run. One database for the file, a tenant per test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConflict } from '../../src/sync/resolve.js';
import { createTestDatabase, type TestDatabase } from '../support/pg.js';
import { makeEvent } from '../support/events.js';
import { makeHub, sameEvents, sharedStore, type Hub, type SharedStore } from './harness.js';
import { runModel } from './model/property.js';

let db: TestDatabase;
let shared: SharedStore;
beforeAll(async () => {
  db = await createTestDatabase('calsync_engine');
  shared = await sharedStore(db.url);
});
afterAll(async () => {
  await shared.close();
  await db.drop();
});

const events = (h: Hub, n = 0) => h.remote(h.calendars[n]).map((i) => i.event);

describe('engine on PostgreSQL', () => {
  it('imports in batches and propagates to a second calendar', async () => {
    const hub = await makeHub({ calendars: 2, shared });
    for (let i = 0; i < 700; i += 1) hub.phone().create(makeEvent({ title: `Event ${i}` }));
    const first = await hub.sync(hub.calendars[0]);
    expect(first.hub.created).toBe(700);
    const second = await hub.sync(hub.calendars[1]);
    expect(second.remote.created).toBe(700);
    expect(sameEvents(events(hub, 0), events(hub, 1))).toBe(true);
    expect((await hub.sync(hub.calendars[0])).plan).toEqual([]);
  });

  it('concurrent syncs of two calendars converge', async () => {
    const hub = await makeHub({ calendars: 2, shared });
    hub.phone(hub.calendars[0]).create(makeEvent({ title: 'Shared' }));
    await hub.sync(hub.calendars[0]);
    await hub.sync(hub.calendars[1]);
    hub.phone(hub.calendars[0]).update(hub.remote(hub.calendars[0])[0]?.remoteId ?? '', (e) => ({ ...e, title: 'A' }));
    hub.phone(hub.calendars[1]).update(hub.remote(hub.calendars[1])[0]?.remoteId ?? '', (e) => ({ ...e, location: 'B' }));
    await Promise.all([hub.sync(hub.calendars[0]), hub.sync(hub.calendars[1])]);
    for (let round = 0; round < 3; round += 1) for (const cal of hub.calendars) await hub.sync(cal);
    expect((await hub.hubEvents())[0]).toMatchObject({ title: 'A', location: 'B' });
    expect(sameEvents(events(hub, 0), events(hub, 1))).toBe(true);
  });

  it('records a conflict and applies its resolution to both sides', async () => {
    const hub = await makeHub({ shared });
    hub.phone().create(makeEvent({ title: 'Original' }));
    await hub.sync();
    const [h] = await hub.store.events.list(hub.tenantId);
    if (!h) throw new Error('imported');
    await hub.store.events.put(hub.tenantId, { id: h.id, event: { ...h.event, title: 'Hub' }, expectedVersion: h.version, source: 'wedsync' });
    hub.phone().update(hub.remote()[0]?.remoteId ?? '', (e) => ({ ...e, title: 'Phone' }));
    expect((await hub.sync()).conflicts.recorded).toBe(1);
    const [open] = await hub.store.conflicts.list(hub.tenantId, { status: 'open' });
    await resolveConflict(hub.deps(), hub.tenantId, open?.id ?? '', { take: 'wedsync' });
    expect(hub.remote()[0]?.event.title).toBe('Hub');
    expect((await hub.sync()).plan).toEqual([]);
  });

  it('passes a short model run', async () => {
    const result = await runModel(Number(process.env['MODEL_RUNS_PG'] ?? 8), Number(process.env['MODEL_SEED'] ?? 20261207), 30, async () => ({ ...shared, close: async () => undefined }));
    expect(result.report ?? '').toBe('');
    expect(result.failures).toBe(0);
  }, 600_000);
});
