import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FALLBACK_POLL_INTERVAL_S, jitterMs, pollDueCalendars, pollIntervalMs, PUSHED_POLL_INTERVAL_S, startPoller, tickFor, type PollPassStats } from '../../src/service/poller.js';
import type { Logger } from '../../src/util/logger.js';
import { makeService, RecordingQueue, type ServiceHarness } from './harness.js';

let h: ServiceHarness;
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
  it('ticks five times per shortest interval, between 200 ms and 5 s', () => {
    expect(tickFor(undefined)).toBe(5_000);
    expect(tickFor(60_000)).toBe(5_000);
    expect(tickFor(10_000)).toBe(2_000);
    expect(tickFor(1_000)).toBe(200);
    expect(tickFor(100)).toBe(200);
  });

  it('reports the shortest interval among enabled calendars of active integrations', async () => {
    const { calendars: [fast] } = await h.addIntegration('fast');
    await h.addIntegration('slow');
    await h.store.calendars.update(h.tenantId, fast!.id, { pollIntervalS: 1 });
    const stats: PollPassStats = { minIntervalMs: 42 };
    await pollDueCalendars({ store: h.store, queue: new RecordingQueue(), clock: h.clock }, stats);
    expect(stats.minIntervalMs).toBe(1_000);
    await h.store.calendars.update(h.tenantId, fast!.id, { enabled: false });
    await pollDueCalendars({ store: h.store, queue: new RecordingQueue(), clock: h.clock }, stats);
    expect(stats.minIntervalMs).toBe(FALLBACK_POLL_INTERVAL_S * 1000);
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
