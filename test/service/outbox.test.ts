/**
 * The outbox drainer: hub writes become coalesced `sync.calendar` jobs for every calendar that lacks
 * them, with the changes' urgency; the mark moves compare-and-set; a crash between enqueue and mark,
 * two drainers at once, and a write by another process all end with every calendar's job queued once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openQueue } from '../../src/queue/open.js';
import type { JobQueue } from '../../src/queue/types.js';
import { drainOutbox, startOutboxDrainer } from '../../src/service/outbox/drainer.js';
import { fanOut, sourceCalendarOf } from '../../src/service/outbox/fan-out.js';
import { restoreHubEvent } from '../../src/service/hub-events.js';
import { SYNC_CALENDAR_JOB } from '../../src/service/sync-jobs.js';
import { openStore } from '../../src/store/open.js';
import type { CalendarRecord } from '../../src/store/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { makeEvent, makeWeddingEvent } from '../support/events.js';
import { makeService, RecordingQueue, type ServiceHarness } from './harness.js';

let h: ServiceHarness;
beforeEach(async () => {
  h = await makeService();
});
afterEach(async () => {
  await h.close();
});

const byCalendar = (a: { calendarId: string }, b: { calendarId: string }): number => a.calendarId.localeCompare(b.calendarId);

describe('fanOut', () => {
  const cal = (id: string): CalendarRecord => ({ id }) as CalendarRecord;
  it('gives each target the changes past its hub seq that did not come from it', () => {
    const entries = [
      { seq: 1, hubEventId: 'e1', source: 'calendar:a' as const, action: 'create' as const },
      { seq: 2, hubEventId: 'e2', source: 'api' as const, action: 'create' as const },
      { seq: 3, hubEventId: 'e1', source: 'calendar:b' as const, action: 'update' as const },
    ];
    expect(fanOut(entries, [{ calendar: cal('a'), hubSeq: 0 }, { calendar: cal('b'), hubSeq: 0 }, { calendar: cal('c'), hubSeq: 2 }, { calendar: cal('d'), hubSeq: 3 }])).toEqual([
      { calendarId: 'a', hubEventIds: ['e2', 'e1'], fromCalendarIds: ['b'], lastSeq: 3 },
      { calendarId: 'b', hubEventIds: ['e1', 'e2'], fromCalendarIds: ['a'], lastSeq: 2 },
      { calendarId: 'c', hubEventIds: ['e1'], fromCalendarIds: ['b'], lastSeq: 3 },
    ]);
    expect(sourceCalendarOf('calendar:x')).toBe('x');
    expect(sourceCalendarOf('restore')).toBeUndefined();
  });
});

describe('drainOutbox', () => {
  it('enqueues every other calendar that takes hub changes, with the urgency of the changes, then moves the mark', async () => {
    const { calendars: [a, b, off, importOnly] } = await h.addIntegration('outlook', 4);
    await h.store.calendars.update(h.tenantId, off!.id, { enabled: false });
    await h.store.calendars.update(h.tenantId, importOnly!.id, { direction: 'import_only' });
    const queue = new RecordingQueue();
    const deps = { store: h.store, queue, clock: h.clock };

    await h.store.events.put(h.tenantId, { event: makeWeddingEvent('tasting'), source: `calendar:${a!.id}` });
    const first = await drainOutbox(deps, h.tenantId);
    expect(first).toEqual({ tenantId: h.tenantId, from: 0, to: 1, enqueued: [b!.id] });
    expect(queue.syncs()).toEqual([{ calendarId: b!.id, priority: 'low', reason: `hub change from ${a!.id}` }]);
    expect(queue.specs[0]).toMatchObject({ type: SYNC_CALENDAR_JOB, key: `sync:${b!.id}`, mutex: `calendar:${b!.id}` });
    expect(queue.specs[0]?.delayMs).toBeUndefined(); // the queue's debounce for the priority
    expect(await h.store.outbox.drainedSeq(h.tenantId)).toBe(1);

    // Drained: nothing again.
    expect((await drainOutbox(deps, h.tenantId)).enqueued).toEqual([]);
    expect(queue.specs).toHaveLength(1);

    // A ceremony from the API goes everywhere, urgently; the tasting with it does not lower that.
    const tasting = await h.store.events.put(h.tenantId, { event: makeWeddingEvent('tasting'), source: 'api' });
    await h.store.events.put(h.tenantId, { event: makeWeddingEvent('ceremony'), source: 'api' });
    await drainOutbox(deps, h.tenantId);
    expect(queue.syncs().slice(1).sort(byCalendar)).toEqual([
      { calendarId: a!.id, priority: 'high', reason: 'hub change' },
      { calendarId: b!.id, priority: 'high', reason: 'hub change' },
    ].sort(byCalendar));
    expect(tasting.seq).toBe(2);
    expect(await h.store.outbox.drainedSeq(h.tenantId)).toBe(3);
  });

  it('keeps the urgency of a deleted event (a cancelled ceremony is still urgent)', async () => {
    const { calendars: [a] } = await h.addIntegration('outlook', 1);
    const queue = new RecordingQueue();
    const ceremony = await h.store.events.put(h.tenantId, { event: makeWeddingEvent('ceremony'), source: `calendar:${a!.id}` });
    await drainOutbox({ store: h.store, queue, clock: h.clock }, h.tenantId);
    expect(queue.specs).toEqual([]); // its only calendar is where it came from
    await h.store.events.delete(h.tenantId, ceremony.id, { source: 'cli' });
    await drainOutbox({ store: h.store, queue, clock: h.clock }, h.tenantId);
    expect(queue.syncs()).toEqual([{ calendarId: a!.id, priority: 'high', reason: 'hub change' }]);
  });

  it('enqueues nothing for a calendar whose hub seq is past the changes already', async () => {
    const { calendars: [a, b] } = await h.addIntegration('outlook', 2);
    const e = await h.store.events.put(h.tenantId, { event: makeEvent(), source: 'api' });
    await h.store.syncState.set(h.tenantId, { calendarId: a!.id, hubSeq: e.seq });
    const queue = new RecordingQueue();
    expect((await drainOutbox({ store: h.store, queue, clock: h.clock }, h.tenantId)).enqueued).toEqual([b!.id]);
  });

  it('leaves out calendars of integrations that wait for re-auth (they catch up when reconnected)', async () => {
    const { calendars: [a] } = await h.addIntegration('outlook', 1);
    const { integration: phone } = await h.addIntegration('phone', 1);
    await h.store.integrations.update(h.tenantId, phone.id, { status: 'needs_reauth' });
    const queue = new RecordingQueue();
    await h.store.events.put(h.tenantId, { event: makeEvent(), source: 'api' });
    expect((await drainOutbox({ store: h.store, queue, clock: h.clock }, h.tenantId)).enqueued).toEqual([a!.id]);
  });

  it('a restore, through the one restore use case, is propagated like any hub write', async () => {
    const { calendars: [a] } = await h.addIntegration('outlook', 1);
    const queue = new RecordingQueue();
    const deps = { store: h.store, queue, clock: h.clock };
    const e = await h.store.events.put(h.tenantId, { event: makeEvent({ title: 'First' }), source: `calendar:${a!.id}` });
    await h.store.events.delete(h.tenantId, e.id, { source: `calendar:${a!.id}` });
    await drainOutbox(deps, h.tenantId);
    expect(queue.specs).toEqual([]);
    const restored = await restoreHubEvent({ store: h.store, clock: h.clock }, h.tenantId, e.id);
    expect(restored.deletedAt).toBeUndefined();
    await drainOutbox(deps, h.tenantId);
    expect(queue.syncs().map((s) => [s.calendarId, s.reason])).toEqual([[a!.id, 'hub change']]);
    await expect(restoreHubEvent({ store: h.store, clock: h.clock }, h.tenantId, e.id, { auditId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'history entry nope not found' });
    await expect(restoreHubEvent({ store: h.store, clock: h.clock }, h.tenantId, 'nope')).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'event nope not found' });
  });
});

describe('drainOutbox against the real queue', () => {
  let queue: JobQueue;
  beforeEach(async () => {
    queue = await openQueue({ db: h.store.db, dialect: h.store.dialect, clock: h.clock });
  });
  afterEach(async () => {
    await queue.close();
  });
  const pending = async (): Promise<number> => {
    const c = await queue.counts(h.tenantId);
    return c.waiting + c.delayed;
  };

  it('a crash between enqueue and mark enqueues again on the next drain: coalesced, nothing lost', async () => {
    const { calendars } = await h.addIntegration('outlook', 3);
    await h.store.events.put(h.tenantId, { event: makeEvent(), source: 'api' });
    const advance = h.store.outbox.advance.bind(h.store.outbox);
    h.store.outbox.advance = async () => {
      throw new Error('process killed');
    };
    await expect(drainOutbox({ store: h.store, queue, clock: h.clock }, h.tenantId)).rejects.toThrow('process killed');
    h.store.outbox.advance = advance;
    expect(await pending()).toBe(3);
    expect(await h.store.outbox.drainedSeq(h.tenantId)).toBe(0);

    const again = await drainOutbox({ store: h.store, queue, clock: h.clock }, h.tenantId);
    expect(again.enqueued.sort()).toEqual(calendars.map((c) => c.id).sort());
    expect(await pending()).toBe(3); // merged into the waiting jobs
    expect(await h.store.outbox.drainedSeq(h.tenantId)).toBe(1);
  });

  it('two drainers at once: one job per calendar, the mark at the end', async () => {
    await h.addIntegration('outlook', 2);
    for (let i = 0; i < 5; i += 1) await h.store.events.put(h.tenantId, { event: makeEvent(), source: 'api' });
    const deps = { store: h.store, queue, clock: h.clock };
    await Promise.all([drainOutbox(deps, h.tenantId), drainOutbox(deps, h.tenantId), drainOutbox(deps, h.tenantId)]);
    expect(await pending()).toBe(2);
    expect(await h.store.outbox.drainedSeq(h.tenantId)).toBe(5);
  });
});

describe('startOutboxDrainer', () => {
  it('is woken by a hub write committed in its process, without waiting for a poll', async () => {
    const { calendars: [a] } = await h.addIntegration('outlook', 1);
    const queue = new RecordingQueue();
    // A poll an hour away: only the commit can wake it.
    const drainer = startOutboxDrainer({ store: h.store, queue, clock: h.clock }, { pollMs: 3_600_000 });
    try {
      await drainer.drainAll();
      await h.store.events.put(h.tenantId, { event: makeWeddingEvent('ceremony'), source: 'api' });
      await expect.poll(() => queue.syncs()).toEqual([{ calendarId: a!.id, priority: 'high', reason: 'hub change' }]);
    } finally {
      await drainer.stop();
    }
    expect(await h.store.outbox.drainedSeq(h.tenantId)).toBe(1);
  });

  it("finds another process's writes by polling", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'calsync-outbox-'));
    const clock = new ManualClock();
    const mine = await openStore({ dataDir, clock });
    const theirs = await openStore({ dataDir, clock });
    const queue = new RecordingQueue();
    const drainer = startOutboxDrainer({ store: mine, queue, clock }, { pollMs: 20 });
    try {
      const tenant = await theirs.tenants.ensureDefault();
      const integration = await theirs.integrations.create(tenant.id, { provider: 'memory', name: 'm', config: { account: 'm' }, credentials: {} });
      const cal = await theirs.calendars.upsert(tenant.id, integration.id, { remoteId: 'r', name: 'r', enabled: true });
      await theirs.events.put(tenant.id, { event: makeEvent(), source: 'cli' });
      await expect.poll(() => queue.syncs().map((s) => s.calendarId), { timeout: 20_000 }).toEqual([cal.id]);
      await expect.poll(() => mine.outbox.drainedSeq(tenant.id), { timeout: 20_000 }).toBe(1);
    } finally {
      await drainer.stop();
      await mine.close();
      await theirs.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a wake-up during a drain runs one more pass after it, so no write is left behind', async () => {
    const { calendars: [a] } = await h.addIntegration('outlook', 1);
    const queue = new RecordingQueue();
    const drainer = startOutboxDrainer({ store: h.store, queue, clock: h.clock }, { pollMs: 3_600_000 });
    try {
      await drainer.drainAll();
      await h.store.events.put(h.tenantId, { event: makeEvent(), source: 'api' });
      const first = drainer.wake(h.tenantId);
      await h.store.events.put(h.tenantId, { event: makeEvent(), source: 'api' });
      await Promise.all([first, drainer.wake(h.tenantId)]);
      expect(await h.store.outbox.drainedSeq(h.tenantId)).toBe(2);
      expect(queue.syncs().every((s) => s.calendarId === a!.id)).toBe(true);
    } finally {
      await drainer.stop();
    }
  });
});
