/**
 * A conflict resolved through the API while the service's workers sync the same calendars (the hub
 * write of the resolution fans out at once: a ceremony is high priority, no debounce). The choice must
 * end up on the hub and on every calendar, the conflict closed once, with its audit entry.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryProvider } from '../../src/providers/memory/index.js';
import { enqueueCalendarSync } from '../../src/service/sync-jobs.js';
import { startWorkers, type Workers } from '../../src/service/workers.js';
import { withLatency } from '../support/latency.js';
import { makeApi, type ApiHarness } from './harness.js';

let h: ApiHarness;


let workers: Workers | undefined;
afterEach(async () => {
  await workers?.stop(5_000);
  workers = undefined;
  await h.close();
});

describe('resolving a conflict while workers sync', () => {
  for (const round of [0, 1, 2, 3, 4, 5]) {
    it(`applies the choice to the hub and both calendars (round ${round})`, async () => {
      h = await makeApi();
      const tenantId = h.a.tenant.id;
      const { integration, calendars } = await h.addIntegration('studio', { count: 2 });
      const [studio, phone] = calendars as [NonNullable<(typeof calendars)[0]>, NonNullable<(typeof calendars)[1]>];
      await h.store.integrations.update(tenantId, integration.id, { conflictRules: { default: 'manual' } });
      const event = (await h.call('POST', '/api/v1/events', { body: { title: 'Ceremony', start: '2027-06-12T14:00:00Z', location: 'Hall', kind: 'ceremony' } })).json();
      await h.syncNow(studio.id);
      await h.syncNow(phone.id);
      await h.call('PATCH', `/api/v1/events/${event.id}`, { body: { title: 'Ceremony (hub)', location: 'Garden' } });
      const remoteId = h.server.items(studio.remoteId)[0]!.remoteId;
      h.server.otherClient(studio.remoteId).update(remoteId, (e) => ({ ...e, title: 'Ceremony (phone)', location: 'Barn' }));
      await h.syncNow(studio.id);
      const [open] = await h.store.conflicts.list(tenantId, { status: 'open' });
      expect(open).toBeDefined();

      h.providers.register('memory', (i) => withLatency(new MemoryProvider(h.server, { account: String(i.config.account) }), 2));
      await h.providers.forget(integration.id);
      workers = startWorkers({ store: h.store, queue: h.queue, providers: h.providers, clock: h.clock }, { poll: false, concurrency: 2 });
      const kicks = Array.from({ length: 3 + round }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 2));
        for (const c of [studio, phone]) await enqueueCalendarSync(h.queue, tenantId, c.id, { priority: 'high', reason: 'test', delayMs: 0 });
      });
      await new Promise((r) => setTimeout(r, round * 3));
      const res = await h.call('POST', `/api/v1/conflicts/${open!.id}/resolve`, { body: { fields: { title: 'wedsync', location: 'provider' } } });
      await Promise.all(kicks);
      expect(res.statusCode).toBe(200);
      // Settled: the outbox has nothing left to fan out (the drainer runs after each commit, so one
      // more round after the queue empties) and the queue is idle.
      for (let i = 0; i < 10; i += 1) {
        await h.queue.drain(20_000);
        await h.drainOutbox();
        if ((await h.store.outbox.backlog()).length === 0) break;
      }
      await h.queue.drain(20_000);

      const want = { title: 'Ceremony (hub)', location: 'Barn' };
      expect(await h.store.conflicts.get(tenantId, open!.id)).toMatchObject({ status: 'resolved' });
      expect(await h.store.conflicts.list(tenantId, { status: 'open' })).toEqual([]);
      expect((await h.store.events.get(tenantId, event.id))?.event).toMatchObject(want);
      expect(h.server.items(studio.remoteId)[0]?.event).toMatchObject(want);
      expect(h.server.items(phone.remoteId)[0]?.event).toMatchObject(want);
      const history = await h.store.events.history(tenantId, event.id);
      expect(history.some((entry) => entry.source === 'conflict')).toBe(true);
    });
  }
});
