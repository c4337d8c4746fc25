import { afterEach, describe, expect, it } from 'vitest';
import { SYNC_CALENDAR_JOB } from '../../src/service/sync-jobs.js';
import { outlookJobHandlers, startSubscriptionSweeps } from '../../src/service/outlook/jobs.js';
import { ENSURE_SUBSCRIPTION_JOB, SUBSCRIPTION_SWEEP_JOB } from '../../src/service/outlook/subscription-manager.js';
import { readRecord, writeRecord } from '../../src/service/outlook/subscription-record.js';
import { ManualClock } from '../../src/util/clock.js';
import { eventually, outlookHarness, type OutlookHarness } from './harness.js';

const MINUTE = 60_000;

describe('Graph subscription manager (against the emulator)', () => {
  let h: OutlookHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const record = async (x: OutlookHarness) => readRecord(await x.store.syncState.get(x.tenantId, x.calendar.id));

  it('creates one subscription per enabled calendar, with a random clientState stored sealed', async () => {
    h = await outlookHarness();
    expect(await h.manager.ensure(h.tenantId, h.calendar.id)).toBe('created');
    const subs = h.emu.admin.subscriptions();
    expect(subs).toHaveLength(1);
    const sub = subs[0]!;
    const rec = (await record(h))!;
    expect(rec.subscriptionId).toBe(sub.id);
    expect(sub.notificationUrl).toBe(`${h.publicUrl}/webhooks/graph/notify?t=${h.tenantId}&c=${h.calendar.id}`);
    expect(sub.lifecycleNotificationUrl).toContain('/webhooks/graph/lifecycle?');
    expect(sub.resource).toBe(`/me/calendars/${h.calendar.remoteId}/events`);
    // The clientState is not in the sync state in clear; the sealed form opens only for this calendar.
    expect(rec.clientState).not.toContain(sub.clientState ?? '');
    expect(rec.clientState.startsWith('v1.')).toBe(true);
    expect(sub.clientState?.length).toBeGreaterThanOrEqual(40);

    // A second pass keeps it; a second calendar gets its own, with a different secret.
    expect(await h.manager.ensure(h.tenantId, h.calendar.id)).toBe('kept');
    expect(h.emu.admin.subscriptions()).toHaveLength(1);
    const remote = (await h.act('POST', '/calendars', { name: 'Weddings' })).body as { id: string };
    const second = await h.store.calendars.upsert(h.tenantId, h.integration.id, { remoteId: remote.id, name: 'Weddings', enabled: true });
    expect(await h.manager.ensure(h.tenantId, second.id)).toBe('created');
    const [a, b] = h.emu.admin.subscriptions();
    expect(b?.resource).toBe(`/me/calendars/${remote.id}/events`);
    expect(a?.clientState).not.toBe(b?.clientState);
  });

  it('renews before expiry through a queued job, and the sweep catches what the schedule missed (injected clock)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    // Access tokens that outlive the clock jumps below, and the emulator's lifecycle check only when told
    // (not on a real-time tick): with the emulator's default hour, every jump also made it send
    // reauthorizationRequired, and that notice (delivered over HTTP, whenever it arrives) renewed the
    // subscription too — before or after the checks, depending on the load.
    h = await outlookHarness({ clock, subscriptions: { lifetimeMinutes: 4000 }, emulator: { tokens: { accessTokenLifetimeMs: 30 * 24 * 60 * MINUTE }, subscriptions: { tickIntervalMs: 24 * 3_600_000 } } });
    await h.manager.ensure(h.tenantId, h.calendar.id);
    const first = (await record(h))!;
    expect(Date.parse(first.expiresAt) - clock.now()).toBe(4000 * MINUTE);
    h.startWorkers();
    await h.drain();

    // 74 % of the lifetime: nothing due yet.
    clock.advance(0.74 * 4000 * MINUTE);
    await h.drain();
    expect((await record(h))!.expiresAt).toBe(first.expiresAt);

    // Past 75 %: the scheduled renewal runs, well before the subscription lapses.
    clock.advance(0.02 * 4000 * MINUTE);
    await eventually(async () => (await record(h!))!.expiresAt !== first.expiresAt);
    const renewed = (await record(h))!;
    expect(renewed.subscriptionId).toBe(first.subscriptionId);
    expect(Date.parse(renewed.expiresAt) - clock.now()).toBe(4000 * MINUTE);
    expect(h.emu.admin.subscriptions()[0]?.expirationMs).toBe(Date.parse(renewed.expiresAt));

    // The sweep renews an expiring subscription at once, and recreates an expired one. The workers
    // stop first: the clock jump below also makes the scheduled renewal due, and a live worker running
    // it before the sweep looks would leave the sweep nothing to find.
    await h.drain();
    await h.stopWorkers();
    expect(await h.manager.sweep(h.tenantId)).toEqual([]);
    clock.advance(3990 * MINUTE);
    expect(await h.manager.sweep(h.tenantId)).toEqual([h.calendar.id]);
    h.startWorkers();
    await eventually(async () => Date.parse((await record(h!))!.expiresAt) - clock.now() === 4000 * MINUTE);
    expect(h.emu.admin.subscriptions()).toHaveLength(1);
  });

  it('recreates a subscription that lapsed while nothing ran, then runs a delta sync', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    h = await outlookHarness({ clock, subscriptions: { lifetimeMinutes: 60 } });
    await h.manager.ensure(h.tenantId, h.calendar.id);
    const first = (await record(h))!;
    clock.advance(2 * 60 * MINUTE);
    await h.emu.admin.flushNotifications();
    expect(await h.manager.ensure(h.tenantId, h.calendar.id)).toBe('created');
    const second = (await record(h))!;
    expect(second.subscriptionId).not.toBe(first.subscriptionId);
    expect(h.emu.admin.subscriptions().map((s) => s.id)).toEqual([second.subscriptionId]);
    // Changes made while nobody listened come in through delta.
    expect(h.queue.specs.filter((j) => j.type === SYNC_CALENDAR_JOB && (j.payload as { reason: string }).reason === 'graph subscription created')).toHaveLength(2);
  });

  it('reauthorizes on request, recreates when Graph removed it, and deletes on disconnect', async () => {
    h = await outlookHarness();
    await h.manager.ensure(h.tenantId, h.calendar.id);
    const first = (await record(h))!;
    expect(await h.manager.ensure(h.tenantId, h.calendar.id, 'reauthorize')).toBe('reauthorized');
    expect(await h.manager.ensure(h.tenantId, h.calendar.id, 'renew')).toBe('renewed');

    // Removed behind our back: a renewal finds it gone (404) and recreates it.
    h.emu.admin.removeSubscription(first.subscriptionId);
    expect(await h.manager.ensure(h.tenantId, h.calendar.id, 'renew')).toBe('created');
    const second = (await record(h))!;
    expect(second.subscriptionId).not.toBe(first.subscriptionId);
    expect(h.emu.admin.subscriptions().map((s) => s.id)).toEqual([second.subscriptionId]);

    // Disabling the calendar removes its subscription; so does disconnecting.
    await h.store.calendars.update(h.tenantId, h.calendar.id, { enabled: false });
    expect(await h.manager.ensure(h.tenantId, h.calendar.id)).toBe('removed');
    expect(h.emu.admin.subscriptions()).toHaveLength(0);
    await h.store.calendars.update(h.tenantId, h.calendar.id, { enabled: true });
    await h.manager.ensure(h.tenantId, h.calendar.id);
    expect(h.emu.admin.subscriptions()).toHaveLength(1);
    await h.manager.removeAll(h.integration);
    expect(h.emu.admin.subscriptions()).toHaveLength(0);
    expect(await record(h)).toBeUndefined();
  });
});

describe('subscription jobs', () => {
  it('the sweep job creates missing subscriptions and reschedules itself', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
    const h = await outlookHarness({ clock, subscriptions: { sweepIntervalMs: 15 * MINUTE } });
    try {
      await startSubscriptionSweeps(h);
      h.startWorkers();
      await eventually(async () => readRecord(await h.store.syncState.get(h.tenantId, h.calendar.id)));
      expect(h.emu.admin.subscriptions()).toHaveLength(1);
      const sweeps = () => h.queue.specs.filter((j) => j.type === SUBSCRIPTION_SWEEP_JOB);
      await eventually(async () => sweeps().some((j) => j.delayMs === 15 * MINUTE));
      // Our record is gone (a restored database): the next sweep, 15 minutes later, subscribes again.
      await writeRecord(h.store, h.tenantId, h.calendar.id, undefined);
      clock.advance(15 * MINUTE);
      await eventually(async () => readRecord(await h.store.syncState.get(h.tenantId, h.calendar.id)));
    } finally {
      await h.close();
    }
  });

  it('without a public URL the subscription jobs are dropped (no subscription, nothing dead-lettered)', async () => {
    const handlers = outlookJobHandlers({} as Parameters<typeof outlookJobHandlers>[0]);
    const job = { tenantId: 't' } as Parameters<NonNullable<(typeof handlers)[string]>>[1];
    await expect(handlers[ENSURE_SUBSCRIPTION_JOB]!({ calendarId: 'c', mode: 'ensure' } as never, job as never, {} as never)).resolves.toBeUndefined();
    await expect(handlers[SUBSCRIPTION_SWEEP_JOB]!({} as never, job as never, {} as never)).resolves.toBeUndefined();
  });
});
