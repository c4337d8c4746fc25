/**
 * Issue 9, finding 3, on the memory server with content-hash cursors (as Radicale's CTag and
 * Xandikos's CTag and sync-token are): the cursor stored by a sync is read before its own writes, so
 * another client undoing one of them brings the calendar back to exactly that cursor. The next sync
 * must still see the change (the items a sync wrote are re-read whatever the listing says).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConflict } from '../../src/sync/resolve.js';
import { makeEvent, resetEventIds } from '../support/events.js';
import { crashingStore } from './crash-store.js';
import { makeHub, type Hub } from './harness.js';

let hub: Hub;
beforeEach(() => resetEventIds());
afterEach(async () => hub.close());

async function twoCalendars(): Promise<{ hub: Hub; a: Hub['calendars'][number]; b: Hub['calendars'][number] }> {
  const h = await makeHub({ calendars: 2, contentHashCursors: true });
  const [a, b] = h.calendars;
  if (!a || !b) throw new Error('two calendars expected');
  await h.sync(a);
  await h.sync(b);
  return { hub: h, a, b };
}

describe('a change that brings a content-hash cursor back to the stored value', () => {
  it('a deletion right after our own create is seen: the hub event and the other calendar copy are deleted', async () => {
    const setup = await twoCalendars();
    hub = setup.hub;
    const { a, b } = setup;
    const event = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Tasting' }), source: 'wedsync' });
    expect((await hub.sync(a)).remote.created).toBe(1);
    expect((await hub.sync(b)).remote.created).toBe(1);
    const [created] = hub.remote(a);
    if (!created) throw new Error('created item expected');
    const cursorBefore = (await hub.store.syncState.get(hub.tenantId, a.id)).cursor;

    // Another client deletes it: the calendar is back to the state the stored cursor names.
    hub.phone(a).delete(created.remoteId);
    expect(await hub.provider.listChanges(a.remoteId, cursorBefore ?? null)).toMatchObject({ kind: 'unchanged' });

    const report = await hub.sync(a);
    expect(report.hub.deleted).toBe(1);
    expect((await hub.store.events.get(hub.tenantId, event.id, { includeDeleted: true }))?.deletedAt).toBeDefined();
    expect(await hub.store.links.getByHubEvent(hub.tenantId, a.id, event.id)).toBeUndefined();
    expect((await hub.sync(b)).remote.deleted).toBe(1);
    expect(hub.remote(b)).toEqual([]);
    // Settled: the next syncs are quiet and re-read nothing.
    const quiet = await hub.sync(a);
    expect(quiet.plan).toEqual([]);
    expect(quiet.requests).toBe(1);
  });

  it("another client restoring the content we replaced (same bytes, same etag) is taken as that client's edit", async () => {
    const setup = await twoCalendars();
    hub = setup.hub;
    const { a, b } = setup;
    const event = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Menu v1' }), source: 'wedsync' });
    await hub.sync(a);
    await hub.sync(b);
    // One more sync of A stores a cursor that includes our create.
    await hub.sync(a);
    const [v1] = hub.remote(a);
    if (!v1) throw new Error('item expected');

    const current = await hub.store.events.get(hub.tenantId, event.id);
    await hub.store.events.put(hub.tenantId, { id: event.id, event: { ...current!.event, title: 'Menu v2' }, expectedVersion: current!.version, source: 'wedsync' });
    expect((await hub.sync(a)).remote.updated).toBe(1);
    expect(hub.remote(a)[0]?.event.title).toBe('Menu v2');

    // The other client puts back exactly what was there: same content, same etag, same calendar state.
    hub.phone(a).update(v1.remoteId, v1.event);
    expect(hub.remote(a)[0]?.etag).toBe(v1.etag);

    const report = await hub.sync(a);
    expect(report.hub.updated).toBe(1);
    expect((await hub.store.events.get(hub.tenantId, event.id))?.event.title).toBe('Menu v1');
    await hub.sync(b);
    expect(hub.remote(b)[0]?.event.title).toBe('Menu v1');
  });

  it('a deletion of our write is seen even when the sync that wrote it was blocked (the cursor stayed)', async () => {
    const setup = await twoCalendars();
    hub = setup.hub;
    const { a } = setup;
    const kept = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Kept' }), source: 'wedsync' });
    const gone = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Gone' }), source: 'wedsync' });
    // One create fails for a passing reason: the sync is blocked, its cursor does not move.
    hub.server.faults.failNext('create', 'PROVIDER_UNAVAILABLE');
    const first = await hub.sync(a);
    expect(first.errors.map((e) => e.blocking)).toEqual([true]);
    const [created] = hub.remote(a);
    if (!created) throw new Error('one created item expected');
    hub.phone(a).delete(created.remoteId);
    await hub.sync(a);
    const deletedId = created.hubId === kept.id ? kept.id : gone.id;
    expect((await hub.store.events.get(hub.tenantId, deletedId, { includeDeleted: true }))?.deletedAt).toBeDefined();
  });

  it('a conflict resolution written to the calendar and then undone by another client is seen too', async () => {
    hub = await makeHub({ contentHashCursors: true });
    const event = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Original' }), source: 'wedsync' });
    await hub.sync();
    await hub.sync();
    const current = (await hub.store.events.get(hub.tenantId, event.id))!;
    await hub.store.events.put(hub.tenantId, { id: event.id, event: { ...current.event, title: 'WedSync title' }, expectedVersion: current.version, source: 'wedsync' });
    const [item] = hub.remote();
    const phone = hub.phone().update(item!.remoteId, (e) => ({ ...e, title: 'Phone title' }));
    expect((await hub.sync()).conflicts.recorded).toBe(1);
    const [open] = await hub.store.conflicts.list(hub.tenantId, { status: 'open' });

    // The user takes WedSync's version: written to the calendar outside a sync.
    await resolveConflict(hub.deps(), hub.tenantId, open!.id, { take: 'wedsync' });
    expect(hub.remote()[0]?.event.title).toBe('WedSync title');
    // The phone puts its version back, byte for byte: the calendar is at the stored cursor again.
    hub.phone().update(item!.remoteId, phone.event);
    expect(hub.remote()[0]?.etag).toBe(phone.etag);

    const report = await hub.sync();
    expect(report.hub.updated).toBe(1);
    expect((await hub.store.events.get(hub.tenantId, event.id))?.event.title).toBe('Phone title');
  });

  it('after more writes than it re-reads one by one, the next sync lists the whole calendar, then forgets them', async () => {
    hub = await makeHub({ contentHashCursors: true });
    await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'One' }), source: 'wedsync' });
    await hub.sync();
    const state = await hub.store.syncState.get(hub.tenantId, hub.calendars[0]!.id);
    await hub.store.syncState.set(hub.tenantId, { ...state, written: { items: [], full: true } }, { expectedCursor: state.cursor ?? null });
    expect((await hub.sync()).listing).toBe('full');
    expect((await hub.store.syncState.get(hub.tenantId, hub.calendars[0]!.id)).written).toBeUndefined();
    expect((await hub.sync()).listing).toBe('unchanged');
  });

  it('an item imported by a blocked sync (the cursor stayed) and then deleted by another client is deleted in the hub', async () => {
    const setup = await twoCalendars();
    hub = setup.hub;
    const { a } = setup;
    await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Ours' }), source: 'wedsync' });
    const theirs = hub.phone(a).create(makeEvent({ title: 'Theirs' }));
    // The export of our event fails for a passing reason: the sync imports theirs but is blocked.
    hub.server.faults.failNext('create', 'PROVIDER_UNAVAILABLE');
    const blocked = await hub.sync(a);
    expect(blocked.hub.created).toBe(1);
    expect(blocked.errors.map((e) => e.blocking)).toEqual([true]);
    const imported = (await hub.store.links.getByRemote(hub.tenantId, a.id, theirs.remoteId))!;
    // They delete it again: the calendar is back at the cursor the blocked sync left in place.
    hub.phone(a).delete(theirs.remoteId);
    await hub.sync(a);
    expect((await hub.store.events.get(hub.tenantId, imported.hubEventId, { includeDeleted: true }))?.deletedAt).toBeDefined();
  });

  it('an item imported by a run that crashed before moving the cursor, then deleted by another client, is deleted in the hub', async () => {
    const setup = await twoCalendars();
    hub = setup.hub;
    const { a } = setup;
    const ours = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Ours' }), source: 'wedsync' });
    await hub.sync(a);
    await hub.store.events.put(hub.tenantId, { id: ours.id, event: { ...ours.event, title: 'Ours, edited' }, expectedVersion: ours.version, source: 'wedsync' });
    const theirs = hub.phone(a).create(makeEvent({ title: 'Theirs' }));
    const crash = crashingStore(hub.store);
    // Writes: the sync's claim (1), the sync state's record of what the run is about to reconcile (2),
    // the import's hub event and link in one transaction (3, 4), the push's link update (5) — and the
    // process dies before the cursor is stored.
    crash.arm(5);
    await expect(hub.sync(a, {}, { store: crash.store })).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    const imported = (await hub.store.links.getByRemote(hub.tenantId, a.id, theirs.remoteId))!;
    expect(imported).toBeDefined();
    hub.phone(a).delete(theirs.remoteId);
    await hub.sync(a);
    expect((await hub.store.events.get(hub.tenantId, imported.hubEventId, { includeDeleted: true }))?.deletedAt).toBeDefined();
  });
});
