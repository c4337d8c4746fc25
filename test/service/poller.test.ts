import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decidePoll, FALLBACK_POLL_INTERVAL_S, jitterMs, PARKED_RECHECK_MS, POLL_LEASE_MS, pollDueCalendars, pollIntervalMs, PUSHED_POLL_INTERVAL_S, startPoller, tickFor, type PollPassStats } from '../../src/service/poller.js';
import { POLL_HANDED_OFF } from '../../src/store/schema.js';
import type { Logger } from '../../src/util/logger.js';
import { makeService, RecordingQueue, type ServiceHarness } from './harness.js';

let h: ServiceHarness;

/** A stored WebDAV-Push registration expiring at `expiresAt`. */
function registered(expiresAt: number): Record<string, unknown> {
  const at = new Date(expiresAt).toISOString();
  return { provider: 'webdav-push', kind: 'registered', registrationUrl: 'https://dav.example/reg/1', expiresAt: at, registeredAt: at, topic: 't', publicUrl: 'https://calsync.example/', secrets: 'v1.x' };
}
beforeEach(async () => {
  h = await makeService();
});
afterEach(async () => {
  await h.close();
});

describe('jitter and intervals', () => {
  it('jitters each calendar by a stable amount below 20 % of the interval', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `01a1fb1c-d986-754e-8116-${String(i).padStart(12, '0')}`);
    const values = ids.map((id) => jitterMs(id, 60_000));
    expect(values.every((v) => v >= 0 && v < 12_000)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(50);
    expect(jitterMs(ids[7]!, 60_000)).toBe(values[7]);
  });

  it('takes the calendar interval, then the integration one, then the kind default', async () => {
    const { integration, calendars: [cal] } = await h.addIntegration('outlook');
    expect(pollIntervalMs(cal!, integration)).toBe(FALLBACK_POLL_INTERVAL_S * 1000);
    expect(pollIntervalMs(cal!, { ...integration, provider: 'icloud' })).toBe(300_000);
    expect(pollIntervalMs(cal!, { ...integration, config: { pollIntervalS: 30 } })).toBe(30_000);
    expect(pollIntervalMs({ ...cal!, pollIntervalS: 10 }, { ...integration, config: { pollIntervalS: 30 } })).toBe(10_000);
  });

  it('stretches the interval of a calendar with a live WebDAV-Push registration to the 15-minute reconciliation', async () => {
    const { integration, calendars: [cal] } = await h.addIntegration('dav');
    const caldav = { ...integration, provider: 'caldav' as const };
    expect(pollIntervalMs(cal!, caldav, true)).toBe(PUSHED_POLL_INTERVAL_S * 1000);
    expect(pollIntervalMs(cal!, { ...caldav, provider: 'icloud' }, true)).toBe(900_000);
    // Never more often than the calendar's own interval.
    expect(pollIntervalMs({ ...cal!, pollIntervalS: 3600 }, caldav, true)).toBe(3_600_000);
  });
});

describe('pollDueCalendars', () => {
  it('enqueues low-priority polls for enabled calendars of active integrations whose interval passed', async () => {
    const { calendars: [a, b, off] } = await h.addIntegration('outlook', 3);
    await h.store.calendars.update(h.tenantId, off!.id, { enabled: false });
    const { integration: flagged } = await h.addIntegration('flagged');
    await h.store.integrations.update(h.tenantId, flagged.id, { status: 'flagged', statusReason: 'mass delete' });
    await h.store.calendars.update(h.tenantId, b!.id, { pollIntervalS: 600 });
    const queue = new RecordingQueue();

    // Never synced: due at once.
    expect((await pollDueCalendars({ store: h.store, queue, clock: h.clock })).sort()).toEqual([a!.id, b!.id].sort());
    expect(queue.specs.every((s) => s.priority === 'low' && s.delayMs === 0 && (s.payload as { reason: string }).reason === 'poll')).toBe(true);

    // Just synced: not due until interval + jitter has passed.
    const now = new Date(h.clock.now()).toISOString();
    for (const cal of [a!, b!]) await h.store.syncState.set(h.tenantId, { ...(await h.store.syncState.get(h.tenantId, cal.id)), lastSyncAt: now });
    queue.specs.length = 0;
    expect(await pollDueCalendars({ store: h.store, queue, clock: h.clock })).toEqual([]);
    h.clock.advance(60_000 + jitterMs(a!.id, 60_000) - 1);
    expect(await pollDueCalendars({ store: h.store, queue, clock: h.clock })).toEqual([]);
    h.clock.advance(1);
    expect(await pollDueCalendars({ store: h.store, queue, clock: h.clock })).toEqual([a!.id]);
    h.clock.set(Date.parse(now) + 600_000 + jitterMs(b!.id, 600_000));
    expect((await pollDueCalendars({ store: h.store, queue, clock: h.clock })).sort()).toEqual([a!.id, b!.id].sort());
  });

  it('covers every tenant', async () => {
    const { calendars: [mine] } = await h.addIntegration('outlook');
    const other = await h.store.tenants.create('other');
    const integration = await h.store.integrations.create(other.id, { provider: 'memory', name: 'x', config: { account: 'x' }, credentials: {} });
    const theirs = await h.store.calendars.upsert(other.id, integration.id, { remoteId: 'r', name: 'r', enabled: true });
    const queue = new RecordingQueue();
    await pollDueCalendars({ store: h.store, queue, clock: h.clock });
    expect(queue.specs.map((s) => [s.tenantId, (s.payload as { calendarId: string }).calendarId]).sort()).toEqual([[h.tenantId, mine!.id], [other.id, theirs.id]].sort());
  });
});

describe('poll tick', () => {
  it('sleeps until the earliest next poll, between 200 ms and 5 s', () => {
    expect(tickFor(undefined, 1_000)).toBe(5_000);
    expect(tickFor(61_000, 1_000)).toBe(5_000);
    expect(tickFor(3_000, 1_000)).toBe(2_000);
    expect(tickFor(1_100, 1_000)).toBe(200);
    expect(tickFor(0, 1_000)).toBe(200);
  });

  it('reports the earliest next poll, and how many calendars the pass claimed', async () => {
    const { calendars: [fast] } = await h.addIntegration('fast');
    const { calendars: [slow] } = await h.addIntegration('slow');
    await h.store.calendars.update(h.tenantId, fast!.id, { pollIntervalS: 1 });
    const stats: PollPassStats = {};
    const now = h.clock.now();
    await pollDueCalendars({ store: h.store, queue: new RecordingQueue(), clock: h.clock }, stats);
    // Stored in whole ms, never before the time (a claimed calendar is due).
    expect(stats).toEqual({ claimed: 2, nextDueAt: Math.ceil(now + 1_000 + jitterMs(fast!.id, 1_000)) });
    await h.store.calendars.update(h.tenantId, fast!.id, { enabled: false });
    await pollDueCalendars({ store: h.store, queue: new RecordingQueue(), clock: h.clock }, stats);
    // Only the changed calendar was claimed (and parked); the other waits for its own time.
    expect(stats).toEqual({ claimed: 1, nextDueAt: Math.ceil(now + 60_000 + jitterMs(slow!.id, 60_000)) });
  });
});

describe('due-time scheduling', () => {
  it('claims only the due calendars: a pass with nothing due reads no calendar', async () => {
    const { calendars } = await h.addIntegration('many', 30);
    const queue = new RecordingQueue();
    expect(await pollDueCalendars({ store: h.store, queue, clock: h.clock })).toHaveLength(30);
    const stats: PollPassStats = {};
    expect(await pollDueCalendars({ store: h.store, queue, clock: h.clock }, stats)).toEqual([]);
    expect(stats.claimed).toBe(0);
    // The earliest calendar comes due alone.
    const first = [...calendars].sort((x, y) => jitterMs(x.id, 60_000) - jitterMs(y.id, 60_000))[0]!;
    h.clock.advance(60_000 + jitterMs(first.id, 60_000));
    expect(await pollDueCalendars({ store: h.store, queue, clock: h.clock }, stats)).toEqual([first.id]);
    expect(stats.claimed).toBe(1);
  });

  it('makes a calendar due again at once when its interval, its integration or its push registration changes', async () => {
    const { integration, calendars: [cal] } = await h.addIntegration('dav');
    const queue = new RecordingQueue();
    const poll = async (): Promise<string[]> => pollDueCalendars({ store: h.store, queue, clock: h.clock });
    const synced = async (): Promise<void> => h.store.syncState.set(h.tenantId, { ...(await h.store.syncState.get(h.tenantId, cal!.id)), lastSyncAt: new Date(h.clock.now()).toISOString() });
    await poll();
    await synced();
    await h.store.calendars.update(h.tenantId, cal!.id, { pollIntervalS: 3600 });
    expect(await poll()).toEqual([]);
    h.clock.advance(600_000);
    expect(await poll()).toEqual([]);
    // Back to one minute: due now (the sync was ten minutes ago), not in an hour.
    await h.store.calendars.update(h.tenantId, cal!.id, { pollIntervalS: 60 });
    expect(await poll()).toEqual([cal!.id]);
    await synced();

    await h.store.integrations.update(h.tenantId, integration.id, { status: 'needs_reauth', statusReason: 'x' });
    h.clock.advance(120_000);
    expect(await poll()).toEqual([]);
    await h.store.integrations.update(h.tenantId, integration.id, { status: 'active', statusReason: undefined });
    expect(await poll()).toEqual([cal!.id]);
    await synced();

    // A live push registration stretches the interval to 15 minutes; removing it brings the minute back at once.
    await h.store.syncState.setPush(h.tenantId, cal!.id, registered(h.clock.now() + 86_400_000));
    h.clock.advance(120_000);
    expect(await poll()).toEqual([]);
    await h.store.syncState.setPush(h.tenantId, cal!.id, undefined);
    expect(await poll()).toEqual([cal!.id]);
  });

  it('polls calendars a Redis schedule held once the deployment runs without Redis', async () => {
    const { calendars: [cal] } = await h.addIntegration('outlook');
    await h.store.pollSchedule.reschedule([{ calendarId: cal!.id, at: POLL_HANDED_OFF }]);
    expect(await pollDueCalendars({ store: h.store, queue: new RecordingQueue(), clock: h.clock })).toEqual([cal!.id]);
  });

  it('forgets nothing when the queue fails: the calendar is due again at the next pass', async () => {
    const { calendars: [cal] } = await h.addIntegration('outlook');
    const queue = new RecordingQueue();
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = async () => {
      throw new Error('queue down');
    };
    await expect(pollDueCalendars({ store: h.store, queue, clock: h.clock })).rejects.toThrow('queue down');
    queue.enqueue = enqueue;
    expect(await pollDueCalendars({ store: h.store, queue, clock: h.clock })).toEqual([cal!.id]);
  });

  it('holds a claimed calendar for the lease: a claimer that died mid-pass loses it to the next one only then', async () => {
    const { calendars: [cal] } = await h.addIntegration('outlook');
    const now = h.clock.now();
    // A claim whose process died before rescheduling.
    expect(await h.store.pollSchedule.claimDue(now, 10, now + POLL_LEASE_MS)).toEqual([{ tenantId: h.tenantId, calendarId: cal!.id }]);
    expect(await pollDueCalendars({ store: h.store, queue: new RecordingQueue(), clock: h.clock })).toEqual([]);
    h.clock.advance(POLL_LEASE_MS);
    expect(await pollDueCalendars({ store: h.store, queue: new RecordingQueue(), clock: h.clock })).toEqual([cal!.id]);
  });

  it('takes a live registration up to its expiry only: then the normal interval counts again', () => {
    const calendar = { id: 'c1', tenantId: 't', integrationId: 'i', remoteId: 'r', name: 'n', enabled: true, direction: 'two_way' as const, createdAt: '', updatedAt: '' };
    const integration = { id: 'i', provider: 'caldav' as const, config: {}, status: 'active' as const };
    const now = Date.parse('2026-06-01T12:00:00Z');
    const expiresAt = now + 10 * 60_000;
    const candidate = { calendar, integration, push: registered(expiresAt), lastSyncAt: new Date(now - 20 * 60_000).toISOString() };
    // Pushed: 15 minutes (plus jitter) after the last sync; due. Next: at the expiry, before the next 15 minutes are up.
    expect(decidePoll(candidate, now)).toEqual({ due: true, next: expiresAt });
    expect(decidePoll({ ...candidate, lastSyncAt: new Date(now - 60_000).toISOString() }, now)).toEqual({ due: false, next: expiresAt });
    // Expired: the minute counts again.
    expect(decidePoll(candidate, expiresAt)).toEqual({ due: true, next: expiresAt + 60_000 + jitterMs('c1', 60_000) });
    expect(decidePoll({ ...candidate, integration: { ...integration, status: 'flagged' } }, 5)).toEqual({ due: false, next: 5 + PARKED_RECHECK_MS });
  });
});

describe('startPoller', () => {
  it('polls at once and every tick, logs failures instead of throwing, and stops', async () => {
    vi.useFakeTimers();
    try {
      await h.addIntegration('outlook');
      const queue = new RecordingQueue();
      let fail = true;
      const enqueue = queue.enqueue.bind(queue);
      queue.enqueue = async (spec) => {
        if (fail) throw new Error('queue down');
        return enqueue(spec);
      };
      const warn = vi.fn();
      const poller = startPoller({ store: h.store, queue, clock: h.clock, logger: { warn } as unknown as Logger }, 1_000);
      await vi.waitFor(() => expect(warn).toHaveBeenCalledWith({ err: expect.any(Error) }, 'poll pass failed'), { timeout: 5_000, interval: 5 });
      fail = false;
      await vi.advanceTimersByTimeAsync(1_000);
      await vi.waitFor(() => expect(queue.specs).toHaveLength(1), { timeout: 5_000, interval: 5 });
      await poller.stop();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(queue.specs).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('stop waits for a pass in flight, so the queue can be closed after it', async () => {
    await h.addIntegration('outlook');
    const queue = new RecordingQueue();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const entered = vi.fn();
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = async (spec) => {
      entered();
      await gate;
      return enqueue(spec);
    };
    const poller = startPoller({ store: h.store, queue, clock: h.clock }, 60_000);
    await vi.waitFor(() => expect(entered).toHaveBeenCalled(), { timeout: 5_000, interval: 5 });
    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(queue.specs).toHaveLength(1);
  });
});
