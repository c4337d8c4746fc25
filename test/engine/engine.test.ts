/**
 * The engine end to end: SQLite hub, memory calendars. First sync (import, export, match before
 * create, dry run), echo suppression, cross-calendar propagation, deletions, directions, audit.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeEvent, makeWeddingEvent, resetEventIds, zoned } from '../support/events.js';
import { hashEvent } from '../../src/model/hash.js';
import { fromRemote } from '../../src/sync/merge.js';
import { makeHub, sameEvents, type Hub } from './harness.js';

let hub: Hub;
beforeEach(() => resetEventIds());
afterEach(async () => hub.close());

const events = (h: Hub, cal = h.calendars[0]) => h.remote(cal).map((i) => i.event);

describe('first sync', () => {
  it('imports calendar events, exports hub events, and both sides end equal', async () => {
    hub = await makeHub();
    hub.phone().create(makeEvent({ title: 'From the phone' }));
    await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'From WedSync' }), source: 'wedsync' });
    const report = await hub.sync();
    expect(report).toMatchObject({ listing: 'full', hub: { created: 1 }, remote: { created: 1 }, errors: [] });
    expect(sameEvents(await hub.hubEvents(), events(hub))).toBe(true);
    expect(report.requests).toBeGreaterThanOrEqual(2);
    expect(report.changedHubEventIds).toHaveLength(1);
  });

  it('imports with one canonical text for hub event and link base when they agree, and separate ones when not', async () => {
    hub = await makeHub();
    const planned = makeWeddingEvent('ceremony');
    const plain = makeEvent({ title: 'Tasting', wedding: undefined });
    const remapped = makeEvent({ title: 'Florist', wedding: { kind: 'ceremony', kindSource: 'inferred' } });
    for (const e of [planned, plain, remapped]) hub.phone().create(e);
    const report = await hub.sync();
    expect(report).toMatchObject({ hub: { created: 3 }, errors: [] });
    const calendarId = hub.calendars[0]?.id ?? '';
    for (const e of await hub.store.events.list(hub.tenantId)) {
      const link = await hub.store.links.getByHubEvent(hub.tenantId, calendarId, e.id);
      expect(link?.baseHash, e.event.title).toBe(hashEvent(link?.base));
      const remote = hub.remote().find((r) => r.event.uid === e.event.uid);
      expect(link?.base, e.event.title).toEqual(remote?.event);
      expect(e.event, e.event.title).toEqual(fromRemote(remote!.event));
    }
  });

  it('matches before creating: same UID, or same title and start, are linked, not duplicated', async () => {
    hub = await makeHub();
    const shared = makeEvent({ title: 'Same UID' });
    const typedTwice = makeEvent({ title: 'Tasting at the venue', start: zoned('2026-07-01T10:00:00') });
    hub.phone().create(shared);
    hub.phone().create({ ...typedTwice, uid: 'typed-on-phone' });
    await hub.store.events.put(hub.tenantId, { event: shared, source: 'wedsync' });
    await hub.store.events.put(hub.tenantId, { event: typedTwice, source: 'wedsync' });
    const report = await hub.sync();
    expect(report.linked).toBe(2);
    expect(report.hub.created + report.remote.created).toBe(0);
    expect(hub.remote()).toHaveLength(2);
    expect(await hub.store.links.countByCalendar(hub.tenantId, hub.calendars[0]?.id ?? '')).toBe(2);
  });

  it('a dry run prints the plan and writes nothing', async () => {
    hub = await makeHub();
    hub.phone().create(makeEvent({ title: 'Preview me' }));
    const report = await hub.sync(undefined, { dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.plan).toEqual([expect.stringContaining('create in hub "Preview me"')]);
    expect(report.hub.created).toBe(1);
    expect(await hub.hubEvents()).toEqual([]);
    expect((await hub.store.syncState.get(hub.tenantId, hub.calendars[0]?.id ?? '')).cursor).toBeUndefined();
  });

  it('reports duplicate UIDs in one calendar by name and links only one of them', async () => {
    hub = await makeHub();
    const e = makeEvent();
    hub.phone().create(e, { remoteId: 'a.ics' });
    hub.phone().create({ ...e, title: 'copy' }, { remoteId: 'b.ics', allowDuplicateUid: true });
    const report = await hub.sync();
    expect(report.problems).toEqual([expect.objectContaining({ code: 'SYNC_DUPLICATE_UID', remoteId: 'b.ics' })]);
    expect(await hub.hubEvents()).toHaveLength(1);
  });
});

describe('incremental syncs', () => {
  it('recognises its own writes coming back and does nothing on the next run', async () => {
    hub = await makeHub();
    hub.phone().create(makeEvent());
    await hub.store.events.put(hub.tenantId, { event: makeEvent(), source: 'wedsync' });
    await hub.sync();
    const again = await hub.sync();
    expect(again.listing).not.toBe('full');
    expect(again.plan).toEqual([]);
    const [item] = hub.remote();
    hub.phone().touch(item?.remoteId ?? '');
    const touched = await hub.sync();
    expect(touched.echoes).toBe(1);
    expect(touched.hub.updated).toBe(0);
  });

  it('merges edits of different fields made on both sides', async () => {
    hub = await makeHub();
    hub.phone().create(makeEvent({ title: 'Meeting' }));
    await hub.sync();
    const [h] = await hub.store.events.list(hub.tenantId);
    if (!h) throw new Error('imported');
    await hub.store.events.put(hub.tenantId, { id: h.id, event: { ...h.event, title: 'Meeting (moved room)' }, expectedVersion: h.version, source: 'wedsync' });
    const [item] = hub.remote();
    hub.phone().update(item?.remoteId ?? '', (e) => ({ ...e, location: 'Room 2' }));
    const report = await hub.sync();
    expect(report.hub.updated).toBe(1);
    expect(report.remote.updated).toBe(1);
    const [after] = await hub.hubEvents();
    expect(after).toMatchObject({ title: 'Meeting (moved room)', location: 'Room 2' });
    expect(sameEvents(await hub.hubEvents(), events(hub))).toBe(true);
  });

  it('propagates a change from one calendar through the hub to the other', async () => {
    hub = await makeHub({ calendars: 2 });
    const [a, b] = hub.calendars;
    hub.phone(a).create(makeEvent({ title: 'Venue visit' }));
    await hub.sync(a);
    await hub.sync(b);
    expect(events(hub, b)).toHaveLength(1);
    const [item] = hub.remote(a);
    hub.phone(a).update(item?.remoteId ?? '', (e) => ({ ...e, start: zoned('2026-06-20T17:00:00'), end: zoned('2026-06-20T18:00:00') }));
    const fromA = await hub.sync(a);
    expect(fromA.changedHubEventIds).toHaveLength(1);
    const toB = await hub.sync(b);
    expect(toB.remote.updated).toBe(1);
    expect(sameEvents(events(hub, a), events(hub, b))).toBe(true);
    // and the hub's own write does not come back to A as a change
    expect((await hub.sync(a)).plan).toEqual([]);
  });

  it('propagates deletions once, and they stay deleted', async () => {
    hub = await makeHub({ calendars: 2 });
    const [a, b] = hub.calendars;
    hub.phone(a).create(makeEvent());
    await hub.sync(a);
    await hub.sync(b);
    const [item] = hub.remote(a);
    hub.phone(a).delete(item?.remoteId ?? '');
    expect((await hub.sync(a)).hub.deleted).toBe(1);
    expect((await hub.sync(b)).remote.deleted).toBe(1);
    expect(await hub.hubEvents()).toEqual([]);
    expect((await hub.sync(a, { full: true })).plan).toEqual([]);
    expect((await hub.sync(b, { full: true })).plan).toEqual([]);
    expect(events(hub, a)).toEqual([]);
  });

  it('syncs of two calendars running at once converge (lost races are retried, never overwrite)', async () => {
    hub = await makeHub({ calendars: 2 });
    const [a, b] = hub.calendars;
    hub.phone(a).create(makeEvent({ title: 'Shared' }));
    await hub.sync(a);
    await hub.sync(b);
    const [inA] = hub.remote(a);
    const [inB] = hub.remote(b);
    hub.phone(a).update(inA?.remoteId ?? '', (e) => ({ ...e, title: 'Renamed in A' }));
    hub.phone(b).update(inB?.remoteId ?? '', (e) => ({ ...e, location: 'Moved in B' }));
    await Promise.all([hub.sync(a), hub.sync(b)]);
    for (let round = 0; round < 3; round += 1) {
      await hub.sync(a);
      await hub.sync(b);
    }
    expect((await hub.hubEvents())[0]).toMatchObject({ title: 'Renamed in A', location: 'Moved in B' });
    expect(sameEvents(events(hub, a), events(hub, b))).toBe(true);
    expect(sameEvents(await hub.hubEvents(), events(hub, a))).toBe(true);
  });

  it('writes an audit entry naming the calendar for every hub change', async () => {
    hub = await makeHub();
    hub.phone().create(makeEvent({ title: 'Audited' }));
    await hub.sync();
    const [h] = await hub.store.events.list(hub.tenantId);
    const history = await hub.store.events.history(hub.tenantId, h?.id ?? '');
    expect(history).toEqual([expect.objectContaining({ action: 'create', source: `calendar:${hub.calendars[0]?.id}` })]);
  });

  it('falls back to a full listing when the cursor expired, without losing anything', async () => {
    hub = await makeHub();
    hub.phone().create(makeEvent());
    await hub.sync();
    hub.phone().create(makeEvent({ title: 'Second' }));
    hub.server.expireCursors(hub.calendars[0]?.remoteId ?? '');
    const report = await hub.sync();
    expect(report.listing).toBe('full');
    expect(report.hub.created).toBe(1);
    expect(await hub.hubEvents()).toHaveLength(2);
  });
});

describe('calendar settings', () => {
  it('skips a disabled calendar', async () => {
    hub = await makeHub();
    const cal = await hub.store.calendars.update(hub.tenantId, hub.calendars[0]?.id ?? '', { enabled: false });
    hub.phone().create(makeEvent());
    expect((await hub.sync(cal)).skipped).toBe('disabled');
    expect(await hub.hubEvents()).toEqual([]);
  });

  it('import-only calendars feed the hub and are never written', async () => {
    hub = await makeHub({ direction: 'import_only' });
    hub.phone().create(makeEvent({ title: 'Imported' }));
    await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Hub only' }), source: 'wedsync' });
    const report = await hub.sync();
    expect(report.hub.created).toBe(1);
    expect(report.remote.created).toBe(0);
    expect(events(hub).map((e) => e.title)).toEqual(['Imported']);
  });

  it('export-only calendars mirror the hub: their own deletions are undone', async () => {
    hub = await makeHub({ direction: 'export_only' });
    await hub.store.events.put(hub.tenantId, { event: makeWeddingEvent('ceremony'), source: 'wedsync' });
    hub.phone().create(makeEvent({ title: 'Foreign' }));
    await hub.sync();
    const ours = hub.remote().find((i) => i.hubId !== undefined);
    hub.phone().delete(ours?.remoteId ?? '');
    const report = await hub.sync();
    expect(report.remote.created).toBe(1);
    expect(await hub.hubEvents()).toHaveLength(1);
    expect(hub.remote()).toHaveLength(2);
  });
});
