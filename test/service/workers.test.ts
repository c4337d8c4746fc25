import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryProvider } from '../../src/providers/memory/index.js';
import { openQueue } from '../../src/queue/open.js';
import type { JobQueue } from '../../src/queue/types.js';
import { createHubEvent } from '../../src/service/hub-events.js';
import { enqueueCalendarSync, SYNC_CALENDAR_JOB, type SyncStatus } from '../../src/service/sync-jobs.js';
import { jobHandlers, startWorkers } from '../../src/service/workers.js';
import { makeWeddingEvent } from '../support/events.js';
import { makeService, type ServiceHarness } from './harness.js';

let h: ServiceHarness;
let queue: JobQueue;

beforeEach(async () => {
  h = await makeService();
  // The queue schedules on real time so its workers run; the engine keeps the manual clock.
  queue = await openQueue({ db: h.store.db, dialect: h.store.dialect });
});
afterEach(async () => {
  await queue.close();
  await h.close();
});

describe('startWorkers', () => {
  it('registers the sync handler', () => {
    expect(Object.keys(jobHandlers({ store: h.store, queue, providers: h.providers, clock: h.clock }))).toContain(SYNC_CALENDAR_JOB);
  });

  it('runs a queued sync end to end, including the propagation it enqueues', async () => {
    const { calendars: [outlook] } = await h.addIntegration('outlook');
    const { calendars: [phone] } = await h.addIntegration('phone');
    h.server.otherClient(outlook!.remoteId).create(makeWeddingEvent('ceremony'));
    const statuses: SyncStatus[] = [];
    const workers = startWorkers({ store: h.store, queue, providers: h.providers, clock: h.clock, onStatus: (s) => statuses.push(s) }, { poll: false, concurrency: 2 });
    try {
      await enqueueCalendarSync(queue, h.tenantId, outlook!.id, { priority: 'high', reason: 'test' });
      // The import's hub writes wake the outbox drainer, which enqueues the phone's sync.
      const completed = (): string[] => statuses.filter((s) => s.type === 'completed').map((s) => s.calendarId);
      await vi.waitFor(() => expect(completed()).toEqual([outlook!.id, phone!.id]), { timeout: 20_000, interval: 20 });
      await queue.drain(20_000);
      expect(h.server.items(phone!.remoteId).map((i) => i.event.title)).toEqual(['Wedding ceremony']);
      expect(await h.store.outbox.drainedSeq(h.tenantId)).toBe(await h.store.events.maxSeq(h.tenantId));
    } finally {
      await workers.stop(5_000);
    }
  });

  it('pushes a hub write made outside any sync (API, CLI) to every calendar: no caller propagates by hand', async () => {
    const { calendars: [outlook] } = await h.addIntegration('outlook');
    const { calendars: [phone] } = await h.addIntegration('phone');
    const workers = startWorkers({ store: h.store, queue, providers: h.providers, clock: h.clock }, { poll: false });
    try {
      await createHubEvent({ store: h.store, clock: h.clock }, h.tenantId, { title: 'Ceremony', start: '2027-06-12T14:00', kind: 'ceremony' }, 'api');
      await vi.waitFor(() => {
        expect(h.server.items(outlook!.remoteId).map((i) => i.event.title)).toEqual(['Ceremony']);
        expect(h.server.items(phone!.remoteId).map((i) => i.event.title)).toEqual(['Ceremony']);
      }, { timeout: 20_000, interval: 20 });
    } finally {
      await workers.stop(5_000);
    }
  });

  it('polls due calendars when asked to', async () => {
    const { calendars: [outlook] } = await h.addIntegration('outlook');
    h.server.otherClient(outlook!.remoteId).create(makeWeddingEvent('tasting'));
    const workers = startWorkers({ store: h.store, queue, providers: h.providers, clock: h.clock }, { pollTickMs: 60_000 });
    try {
      await vi.waitFor(async () => expect(await h.store.events.list(h.tenantId)).toHaveLength(1), { timeout: 20_000, interval: 50 });
    } finally {
      await workers.stop(5_000);
    }
  });

  it('stops gracefully: an in-flight sync finishes before stop resolves', async () => {
    const { calendars: [outlook] } = await h.addIntegration('slow');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h.providers.register('memory', () => {
      const provider = new MemoryProvider(h.server, { account: 'slow' });
      const list = provider.listChanges.bind(provider);
      provider.listChanges = async (...args) => {
        await gate;
        return list(...args);
      };
      return provider;
    });
    const started = vi.fn();
    const workers = startWorkers({ store: h.store, queue, providers: h.providers, clock: h.clock, onStatus: (s) => s.type === 'started' && started() }, { poll: false });
    const { id } = await enqueueCalendarSync(queue, h.tenantId, outlook!.id, { priority: 'high', reason: 'test' });
    await vi.waitFor(() => expect(started).toHaveBeenCalled(), { timeout: 20_000, interval: 20 });
    let stopped = false;
    const stopping = workers.stop(20_000).then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect((await queue.get(id))?.state).toBe('completed');
  });
});
