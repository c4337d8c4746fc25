/**
 * Finding 7 (issue 9), cause (b): two syncs of one calendar at once — a sync whose lease was lost keeps
 * running while another worker syncs the same calendar. The first sync's older listing must never be
 * pulled over the newer value the second one already brought into the hub; and a sync whose signal is
 * aborted (its lease or mutex lost) writes nothing more and fails with SYNC_LEASE_LOST (retryable).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CalsyncError } from '../../src/errors.js';
import type { ChangeSet, CalendarProvider } from '../../src/providers/types.js';
import { makeHub, type Hub } from './harness.js';
import { makeEvent } from '../support/events.js';

interface Gate {
  reached: Promise<void>;
  open(): void;
}

function gate(): Gate & { arrive(): Promise<void> } {
  let arrived!: () => void;
  let opened!: () => void;
  const reached = new Promise<void>((r) => (arrived = r));
  const released = new Promise<void>((r) => (opened = r));
  return { reached, open: () => opened(), arrive: async () => { arrived(); await released; } };
}

/** The hub's provider, but its next listing stops (after the calendar answered) until the gate opens. */
function pausedAfterListing(provider: CalendarProvider, g: ReturnType<typeof gate>): CalendarProvider {
  return new Proxy(provider, {
    get(target, prop, receiver) {
      if (prop === 'listChanges') {
        return async (...args: Parameters<CalendarProvider['listChanges']>): Promise<ChangeSet> => {
          const changes = await target.listChanges(...args);
          await g.arrive();
          return changes;
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

let hub: Hub;
afterEach(async () => {
  await hub.close();
});

async function linkedEvent(): Promise<string> {
  hub = await makeHub();
  hub.phone().create(makeEvent({ uid: 'venue@test', title: 'Wedding', location: 'Venue 0' }));
  await hub.sync();
  const item = hub.remote()[0];
  if (!item) throw new Error('no item');
  return item.remoteId;
}

describe('two syncs of one calendar (finding 7)', () => {
  it('an older listing held by a sync that lost its lease is not pulled over the newer value another sync brought in', async () => {
    const remoteId = await linkedEvent();
    hub.phone().update(remoteId, (e) => ({ ...e, location: 'Venue 1' }));
    const g = gate();
    // w1 lists (Venue 1) and is paused before its writes.
    const first = hub.sync(undefined, {}, { provider: pausedAfterListing(hub.provider, g) });
    const outcome = first.then(
      () => 'completed',
      (err: unknown) => (err instanceof CalsyncError ? err.code : String(err)),
    );
    await g.reached;
    // Meanwhile the user moves it on and w0 (which took the calendar over) pulls Venue 2, saving base and cursor.
    hub.phone().update(remoteId, (e) => ({ ...e, location: 'Venue 2' }));
    await hub.sync();
    expect((await hub.hubEvents())[0]?.location).toBe('Venue 2');
    g.open();
    const result = await outcome;
    expect(result).toBe('SYNC_LEASE_LOST');
    // The older value reached neither the hub nor the calendar; later syncs keep the newer one.
    expect((await hub.hubEvents())[0]?.location).toBe('Venue 2');
    await hub.sync();
    await hub.sync();
    expect((await hub.hubEvents())[0]?.location).toBe('Venue 2');
    expect(hub.remote()[0]?.event.location).toBe('Venue 2');
  });

  it('a sync that starts later takes the calendar over at once: the earlier one stops before its first write', async () => {
    const remoteId = await linkedEvent();
    hub.phone().update(remoteId, (e) => ({ ...e, location: 'Venue 1' }));
    const g1 = gate();
    const g0 = gate();
    // w1 claims the calendar and lists; then w0 claims it (a lost lease elsewhere) and lists too.
    const first = hub.sync(undefined, {}, { provider: pausedAfterListing(hub.provider, g1) });
    const outcome = first.then(
      () => 'completed',
      (err: unknown) => (err instanceof CalsyncError ? err.code : String(err)),
    );
    await g1.reached;
    const second = hub.sync(undefined, {}, { provider: pausedAfterListing(hub.provider, g0) });
    await g0.reached;
    // Nothing has been written by w0 yet, but its claim is the calendar's now: w1 stops.
    g1.open();
    expect(await outcome).toBe('SYNC_LEASE_LOST');
    expect((await hub.hubEvents())[0]?.location).toBe('Venue 0');
    g0.open();
    await second;
    expect((await hub.hubEvents())[0]?.location).toBe('Venue 1');
  });

  it('a sync whose signal is aborted (lease lost) writes nothing more and fails with SYNC_LEASE_LOST, retryable', async () => {
    const remoteId = await linkedEvent();
    hub.phone().update(remoteId, (e) => ({ ...e, location: 'Venue 1' }));
    const stateBefore = await hub.store.syncState.get(hub.tenantId, hub.calendars[0]?.id ?? '');
    const g = gate();
    const lease = new AbortController();
    const run = hub.sync(undefined, {}, { provider: pausedAfterListing(hub.provider, g), signal: lease.signal });
    const settled = run.then(
      () => undefined,
      (err: unknown) => err,
    );
    await g.reached;
    lease.abort();
    g.open();
    const err = await settled;
    expect(err).toBeInstanceOf(CalsyncError);
    expect((err as CalsyncError).code).toBe('SYNC_LEASE_LOST');
    expect((err as CalsyncError).retryable).toBe(true);
    expect((await hub.hubEvents())[0]?.location).toBe('Venue 0');
    // Only its claim (taken before the listing) was written; nothing it listed.
    expect(await hub.store.syncState.get(hub.tenantId, hub.calendars[0]?.id ?? '')).toEqual({ ...stateBefore, claim: expect.any(String) });
    // The next sync (a new lease) brings the edit in.
    await hub.sync();
    expect((await hub.hubEvents())[0]?.location).toBe('Venue 1');
  });
});
