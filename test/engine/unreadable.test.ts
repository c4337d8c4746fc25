/**
 * Issue 9, finding 5, at the engine: an item that exists but cannot be read is an error about that
 * item — reported, retried, never evidence of deletion — and a deletion that only a re-plan finds is
 * counted by the mass-delete guard like any other.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubEvent } from '../../src/model/event.js';
import type { ApplyContext } from '../../src/sync/apply.js';
import { execute } from '../../src/sync/execute.js';
import { DeletionBudget } from '../../src/sync/guards.js';
import type { ItemPlan, PlanContext } from '../../src/sync/plan.js';
import { makeEvent, resetEventIds } from '../support/events.js';
import { makeHub, type Hub } from './harness.js';

let hub: Hub;
beforeEach(() => resetEventIds());
afterEach(async () => hub.close());

/** `n` hub events exported to both calendars of a fresh two-calendar hub. */
async function linkedTwice(n: number): Promise<HubEvent[]> {
  hub = await makeHub({ calendars: 2 });
  const events: HubEvent[] = [];
  for (let i = 0; i < n; i += 1) events.push(await hub.store.events.put(hub.tenantId, { event: makeEvent({ title: `Event ${i}` }), source: 'wedsync' }));
  for (const cal of hub.calendars) expect((await hub.sync(cal)).remote.created).toBe(n);
  return events;
}

async function versions(): Promise<Map<string, number>> {
  return new Map((await hub.store.events.list(hub.tenantId, { includeDeleted: true })).map((e) => [e.id, e.version]));
}

describe('unreadable calendar items', () => {
  it('all 15 unreadable on a full listing: no event exported again, none deleted, each reported, the cursor stays', async () => {
    await linkedTwice(15);
    const [a, b] = hub.calendars;
    const before = await versions();
    const cursor = (await hub.store.syncState.get(hub.tenantId, a!.id)).cursor;
    for (const item of hub.remote(a)) hub.phone(a).putCorrupt(item.remoteId, 'BEGIN:VCALENDAR without END');

    const dry = await hub.sync(a, { full: true, dryRun: true });
    expect(dry.plan).toEqual([]);
    const report = await hub.sync(a, { full: true });
    expect(report.plan).toEqual([]);
    expect(report.errors).toHaveLength(15);
    expect(new Set(report.errors.map((e) => e.remoteId)).size).toBe(15);
    expect(report.errors.every((e) => e.code === 'PROVIDER_ITEM_UNREADABLE' && e.blocking && e.hubEventId !== undefined)).toBe(true);
    expect(await versions()).toEqual(before);
    expect(await hub.store.links.countByCalendar(hub.tenantId, a!.id)).toBe(15);
    expect((await hub.store.syncState.get(hub.tenantId, a!.id)).cursor).toBe(cursor);
    // The other calendar linked to the same events loses nothing.
    const other = await hub.sync(b);
    expect(other.remote.deleted + other.hub.deleted).toBe(0);
    expect(hub.remote(b)).toHaveLength(15);
  });

  it('one unreadable item edited in the hub: held (not pushed, not re-created), reported, retried once readable', async () => {
    const [event] = await linkedTwice(3);
    const [a, b] = hub.calendars;
    const item = hub.remote(a).find((i) => i.hubId === event!.id)!;
    hub.phone(a).putCorrupt(item.remoteId, 'DTSTART:not-a-date');
    const current = (await hub.store.events.get(hub.tenantId, event!.id))!;
    await hub.store.events.put(hub.tenantId, { id: event!.id, event: { ...current.event, location: 'Barn' }, expectedVersion: current.version, source: 'wedsync' });
    const cursor = (await hub.store.syncState.get(hub.tenantId, a!.id)).cursor;

    const report = await hub.sync(a);
    expect(report.plan).toEqual([]);
    // Nothing was tried against the item: the listing was the only request.
    expect(report.requests).toBe(1);
    expect(report.errors).toEqual([expect.objectContaining({ code: 'PROVIDER_ITEM_UNREADABLE', blocking: true, remoteId: item.remoteId, hubEventId: event!.id })]);
    expect(report.problems.map((p) => p.remoteId)).toContain(item.remoteId);
    expect((await hub.store.syncState.get(hub.tenantId, a!.id)).cursor).toBe(cursor);
    expect((await hub.store.events.get(hub.tenantId, event!.id))?.version).toBe(current.version + 1);
    // The other calendar gets the hub's edit, nothing else.
    const other = await hub.sync(b);
    expect(other.remote).toEqual({ created: 0, updated: 1, deleted: 0 });

    // Someone repairs the item: the next sync reads it and merges the hub's edit into it.
    hub.phone(a).delete(item.remoteId);
    hub.phone(a).create(item.event, { remoteId: item.remoteId, hubId: event!.id });
    const repaired = await hub.sync(a);
    expect(repaired.errors).toEqual([]);
    expect(hub.remote(a).find((i) => i.remoteId === item.remoteId)?.event.location).toBe('Barn');
  });
});

describe('deletions found only by a re-plan', () => {
  it('count against the run’s mass-delete budget: past it they are held as blocking errors, not applied', async () => {
    const events = await linkedTwice(6);
    const [a] = hub.calendars;
    // Every item is gone from its linked resource, while another client holds a copy of each UID
    // elsewhere: a create planned from a stale view meets 409, the re-read finds the linked copy gone.
    for (const item of hub.remote(a)) {
      hub.phone(a).delete(item.remoteId);
      hub.phone(a).create(item.event, { remoteId: `moved-${item.remoteId}` });
    }
    const plan: ItemPlan[] = events.map((hubEvent) => ({ input: { hub: hubEvent }, actions: [{ type: 'createRemote', hub: hubEvent }] }));
    const ctx: PlanContext = { calendarId: a!.id, direction: 'two_way', rules: { default: 'manual' } };
    const apply: ApplyContext = { store: hub.store, provider: hub.provider, tenantId: hub.tenantId, calendarId: a!.id, remoteCalendarId: a!.remoteId, source: `calendar:${a!.id}` };
    const budget = new DeletionBudget(6, a!.id);
    budget.admitPlan(plan);
    const result = await execute(apply, plan, ctx, { budget });

    const deleted = result.applied.filter((x) => x.type === 'deleteHub').length;
    expect(deleted).toBe(4);
    expect(result.errors).toHaveLength(2);
    expect(result.errors.every((e) => e.code === 'SYNC_MASS_DELETE' && e.blocking)).toBe(true);
    expect((await hub.store.events.list(hub.tenantId)).length).toBe(2);
  });
});
