/**
 * Issue 9, finding 6: a calendar write that landed while the link save after it did not (the process
 * died between `provider.update` and the link update, or the write's response was lost) must not be read
 * on the next sync as an edit made in the calendar. If the hub moved on meanwhile, that misreading was a
 * conflict on a field the calendar never touched. The write intent recorded on the link before the
 * request lets the next sync recognise the calendar's copy as our own write.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import type { HubEvent } from '../../src/model/event.js';
import type { Store } from '../../src/store/types.js';
import { makeEvent } from '../support/events.js';
import { makeHub, type Hub } from './harness.js';

/** A store whose next `links.update` dies before writing: the process killed between the calendar write and the link save. */
function dyingBeforeLinkSave(inner: Store): Store {
  let armed = true;
  const links = new Proxy(inner.links, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (prop === 'update' && typeof value === 'function') {
        return async (...args: unknown[]) => {
          if (armed) {
            armed = false;
            throw new CalsyncError('STORE_FAILURE', 'simulated crash before the link save', { retryable: false });
          }
          return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
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

async function edit(hub: Hub, id: string, location: string): Promise<HubEvent> {
  const current = await hub.store.events.get(hub.tenantId, id);
  if (!current) throw new Error('hub event missing');
  return hub.store.events.put(hub.tenantId, { id, event: { ...current.event, location }, expectedVersion: current.version, source: 'wedsync' });
}

describe('our own write after a crash or a lost response', () => {
  let hub: Hub;
  afterEach(async () => {
    await hub.close();
  });

  async function linkedEvent(): Promise<HubEvent> {
    hub = await makeHub();
    const created = await hub.store.events.put(hub.tenantId, { event: makeEvent({ location: 'The Old Barn' }), source: 'wedsync' });
    expect((await hub.sync()).remote.created).toBe(1);
    return created;
  }

  it('crash between the calendar write and the link save, hub moved on: no conflict, the newer hub version reaches the calendar', async () => {
    const created = await linkedEvent();
    await edit(hub, created.id, 'The Orangery');
    await expect(hub.sync(undefined, {}, { store: dyingBeforeLinkSave(hub.store) })).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    // The write landed; the link still holds the old base, and the intent of the write.
    expect(hub.remote()[0]?.event.location).toBe('The Orangery');
    const stale = await hub.store.links.getByHubEvent(hub.tenantId, hub.calendars[0]?.id ?? '', created.id);
    expect(stale?.base.location).toBe('The Old Barn');
    expect(stale?.writeIntent?.event.location).toBe('The Orangery');

    await edit(hub, created.id, 'The Boathouse');
    const next = await hub.sync();
    expect(next.errors).toEqual([]);
    expect(next.conflicts.recorded).toBe(0);
    expect(await hub.store.conflicts.list(hub.tenantId)).toEqual([]);
    expect(hub.remote()[0]?.event.location).toBe('The Boathouse');
    expect((await hub.store.events.get(hub.tenantId, created.id))?.event.location).toBe('The Boathouse');
    const link = await hub.store.links.getByHubEvent(hub.tenantId, hub.calendars[0]?.id ?? '', created.id);
    expect(link?.writeIntent).toBeUndefined();
    expect(link?.base.location).toBe('The Boathouse');
    // And it settles: nothing left to do.
    const quiet = await hub.sync();
    expect(quiet.plan).toEqual([]);
  });

  it('a lost response to the update, hub moved on: no conflict, the newer hub version reaches the calendar', async () => {
    const created = await linkedEvent();
    await edit(hub, created.id, 'The Orangery');
    hub.server.faults.failNext('update', 'PROVIDER_TIMEOUT', { afterCommit: true });
    expect((await hub.sync()).errors.map((e) => e.code)).toEqual(['PROVIDER_TIMEOUT']);
    expect(hub.remote()[0]?.event.location).toBe('The Orangery');

    await edit(hub, created.id, 'The Boathouse');
    const next = await hub.sync();
    expect(next.errors).toEqual([]);
    expect(await hub.store.conflicts.list(hub.tenantId)).toEqual([]);
    expect(hub.remote()[0]?.event.location).toBe('The Boathouse');
    expect((await hub.store.events.get(hub.tenantId, created.id))?.event.location).toBe('The Boathouse');
  });

  it('a calendar edit after the lost link save is still the calendar’s edit (the intent only matches our own content)', async () => {
    const created = await linkedEvent();
    await edit(hub, created.id, 'The Orangery');
    await expect(hub.sync(undefined, {}, { store: dyingBeforeLinkSave(hub.store) })).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    const remoteId = hub.remote()[0]?.remoteId ?? '';
    hub.phone().update(remoteId, (e) => ({ ...e, title: 'Renamed on the phone' }));
    const next = await hub.sync();
    expect(next.errors).toEqual([]);
    const after = await hub.store.events.get(hub.tenantId, created.id);
    expect(after?.event).toMatchObject({ title: 'Renamed on the phone', location: 'The Orangery' });
    expect(hub.remote()[0]?.event).toMatchObject({ title: 'Renamed on the phone', location: 'The Orangery' });
  });
});
