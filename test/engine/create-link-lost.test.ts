/**
 * Issue 9, finding 6 on a create: the calendar item was created (stamped with our hub id) but the process
 * died before its link was saved. The next sync finds the hub event unlinked and the item matched by our
 * hub id. It must be merged against what the create sent: the hub's later edits pushed, the calendar
 * user's edits pulled, the defaults an Outlook-like server fills in adopted into the hub — and no
 * conflict unless both sides really edited the same field.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import type { CalendarEvent, HubEvent } from '../../src/model/event.js';
import { stampLikeCalDav, type StoredCopyRewrite } from '../../src/providers/memory/index.js';
import type { Store } from '../../src/store/types.js';
import { makeEvent } from '../support/events.js';
import { makeHub, type Hub } from './harness.js';

/** What Outlook fills in on every event it stores. */
const outlookDefaults: StoredCopyRewrite = (event, ctx) => ({
  ...stampLikeCalDav(event, ctx),
  organizer: event.organizer ?? { email: 'owner@example.com', name: 'Mailbox Owner' },
  showAs: event.showAs ?? 'busy',
  sensitivity: event.sensitivity ?? 'normal',
  transparency: event.transparency ?? 'opaque',
});

/** A store whose link creation dies before writing: the process killed between the calendar create and the link save. */
function dyingBeforeLinkCreate(inner: Store): Store {
  const links = new Proxy(inner.links, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if ((prop === 'create' || prop === 'createMany') && typeof value === 'function') {
        return () => Promise.reject(new CalsyncError('STORE_FAILURE', 'simulated crash before the link save', { retryable: false }));
      }
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'links') return links;
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function edit(hub: Hub, id: string, patch: Partial<CalendarEvent>): Promise<HubEvent> {
  const current = await hub.store.events.get(hub.tenantId, id);
  if (!current) throw new Error('hub event missing');
  return hub.store.events.put(hub.tenantId, { id, event: { ...current.event, ...patch }, expectedVersion: current.version, source: 'wedsync' });
}

describe('a create whose link was never saved', () => {
  let hub: Hub;
  afterEach(async () => {
    await hub.close();
  });

  /** A hub event created in the calendar by a sync that died before saving the link. */
  async function createdWithoutLink(rewrite?: StoredCopyRewrite): Promise<HubEvent> {
    hub = await makeHub();
    if (rewrite) hub.server.setRewrite(rewrite);
    const created = await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: 'Tasting', location: 'The Old Barn' }), source: 'wedsync' });
    await expect(hub.sync(undefined, {}, { store: dyingBeforeLinkCreate(hub.store) })).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    expect(hub.remote()).toHaveLength(1);
    expect(hub.remote()[0]?.hubId).toBe(created.id);
    expect(await hub.store.links.getByHubEvent(hub.tenantId, hub.calendars[0]?.id ?? '', created.id)).toBeUndefined();
    return created;
  }

  async function expectSettled(): Promise<void> {
    expect(await hub.store.conflicts.list(hub.tenantId)).toEqual([]);
    const quiet = await hub.sync();
    expect(quiet.plan).toEqual([]);
  }

  it('the sync state keeps a short hash of what the create sent, not the event', async () => {
    const created = await createdWithoutLink();
    const state = await hub.store.syncState.get(hub.tenantId, hub.calendars[0]?.id ?? '');
    const intent = state.written?.items.find((w) => w.hubEventId === created.id);
    expect(intent?.sent).toHaveLength(1);
    expect(intent?.sent?.[0]).toMatch(/^[\w-]{22}$/);
  });

  it('(a) the hub edited afterwards: the edit reaches the calendar, no conflict', async () => {
    const created = await createdWithoutLink();
    await edit(hub, created.id, { location: 'The Orangery' });
    const next = await hub.sync();
    expect(next.errors).toEqual([]);
    expect(next.conflicts.recorded).toBe(0);
    expect(hub.remote()[0]?.event.location).toBe('The Orangery');
    expect((await hub.store.events.get(hub.tenantId, created.id))?.event.location).toBe('The Orangery');
    await expectSettled();
  });

  it('(b) the calendar edited by its user afterwards: the edit reaches the hub, no conflict', async () => {
    const created = await createdWithoutLink();
    hub.phone().update(hub.remote()[0]?.remoteId ?? '', (e) => ({ ...e, location: 'Venue 1' }));
    const next = await hub.sync();
    expect(next.errors).toEqual([]);
    expect(next.conflicts.recorded).toBe(0);
    expect((await hub.store.events.get(hub.tenantId, created.id))?.event.location).toBe('Venue 1');
    expect(hub.remote()[0]?.event.location).toBe('Venue 1');
    await expectSettled();
  });

  it('(a)+(b) both sides edited different fields afterwards: merged', async () => {
    const created = await createdWithoutLink();
    await edit(hub, created.id, { title: 'Menu tasting' });
    hub.phone().update(hub.remote()[0]?.remoteId ?? '', (e) => ({ ...e, location: 'Venue 1' }));
    const next = await hub.sync();
    expect(next.errors).toEqual([]);
    expect(next.conflicts.recorded).toBe(0);
    expect((await hub.store.events.get(hub.tenantId, created.id))?.event).toMatchObject({ title: 'Menu tasting', location: 'Venue 1' });
    expect(hub.remote()[0]?.event).toMatchObject({ title: 'Menu tasting', location: 'Venue 1' });
    await expectSettled();
  });

  it('both sides edited the same field differently afterwards: that, and only that, is a conflict', async () => {
    const created = await createdWithoutLink();
    await edit(hub, created.id, { location: 'The Orangery', title: 'Menu tasting' });
    hub.phone().update(hub.remote()[0]?.remoteId ?? '', (e) => ({ ...e, location: 'Venue 1' }));
    const next = await hub.sync();
    expect(next.conflicts.recorded).toBe(1);
    const [conflict] = await hub.store.conflicts.list(hub.tenantId, { status: 'open' });
    expect(conflict?.fields).toEqual(['location']);
    expect(conflict?.base?.location).toBe('The Old Barn');
  });

  it('(c) an Outlook-like server filling in defaults, hub edited afterwards: defaults adopted, edit pushed, no conflict', async () => {
    const created = await createdWithoutLink(outlookDefaults);
    await edit(hub, created.id, { title: 'Menu tasting' });
    const next = await hub.sync();
    expect(next.errors).toEqual([]);
    expect(next.conflicts.recorded).toBe(0);
    const after = (await hub.store.events.get(hub.tenantId, created.id))?.event;
    expect(after).toMatchObject({ title: 'Menu tasting', showAs: 'busy', sensitivity: 'normal', transparency: 'opaque' });
    expect(hub.remote()[0]?.event).toMatchObject({ title: 'Menu tasting', showAs: 'busy' });
    await expectSettled();
  });

  it('(c) an Outlook-like server filling in defaults, its user edited afterwards: defaults and edit adopted, no conflict', async () => {
    const created = await createdWithoutLink(outlookDefaults);
    hub.phone().update(hub.remote()[0]?.remoteId ?? '', (e) => ({ ...e, title: 'Tasting (moved)' }));
    const next = await hub.sync();
    expect(next.errors).toEqual([]);
    expect(next.conflicts.recorded).toBe(0);
    expect((await hub.store.events.get(hub.tenantId, created.id))?.event).toMatchObject({ title: 'Tasting (moved)', showAs: 'busy' });
    await expectSettled();
  });

  it('without the sync state’s record (too many writes), a hub event never edited since is still unambiguous', async () => {
    const created = await createdWithoutLink(outlookDefaults);
    const calendarId = hub.calendars[0]?.id ?? '';
    const state = await hub.store.syncState.get(hub.tenantId, calendarId);
    await hub.store.syncState.set(hub.tenantId, { ...state, written: { items: [], full: true } }, { expectedCursor: state.cursor ?? null });
    hub.phone().update(hub.remote()[0]?.remoteId ?? '', (e) => ({ ...e, location: 'Venue 1' }));
    const next = await hub.sync();
    expect(next.errors).toEqual([]);
    expect(next.conflicts.recorded).toBe(0);
    expect((await hub.store.events.get(hub.tenantId, created.id))?.event).toMatchObject({ location: 'Venue 1', showAs: 'busy' });
    await expectSettled();
  });
});
