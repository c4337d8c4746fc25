/**
 * Finding 7 (issue 9) at the queue: a calendar sync whose lease (SQL queue) or mutex (BullMQ) is lost
 * while it runs is told so through its job context (`ctx.lost`) and stops before its writes with SYNC_LEASE_LOST —
 * the calendar is another worker's now. The sync is held after its listing by a gate, so nothing here
 * depends on timing: the lease is taken away while it waits, the test waits for the abort, then lets it go.
 */
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BullJobQueue } from '../../src/queue/bullmq/bullmq-queue.js';
import { SqlJobQueue } from '../../src/queue/sql/sql-queue.js';
import type { JobContext, JobHandler, JobQueue } from '../../src/queue/types.js';
import type { CalendarProvider, ChangeSet } from '../../src/providers/types.js';
import type { ProviderRegistry } from '../../src/service/providers.js';
import { enqueueCalendarSync, SYNC_CALENDAR_JOB, syncJobHandler, type SyncStatus } from '../../src/service/sync-jobs.js';
import type { CalendarRecord } from '../../src/store/types.js';
import { makeWeddingEvent } from '../support/events.js';
import { deleteKeysByPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { makeService, type ServiceHarness } from '../service/harness.js';
import { eventually, gate } from './eventually.js';

let h: ServiceHarness;
let calendar: CalendarRecord;
beforeEach(async () => {
  h = await makeService();
  const { calendars } = await h.addIntegration('outlook');
  calendar = calendars[0]!;
  h.server.otherClient(calendar.remoteId).create(makeWeddingEvent('reception'));
});
afterEach(async () => {
  await h.close();
});

/** The registry's providers, whose listing waits for `listed` to open once the calendar answered. */
function heldAfterListing(providers: ProviderRegistry, listed: { reached: () => void; promise: Promise<void> }): ProviderRegistry {
  return new Proxy(providers, {
    get(target, prop, receiver) {
      if (prop !== 'forIntegration') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<ProviderRegistry['forIntegration']>): Promise<CalendarProvider> => {
        const provider = await target.forIntegration(...args);
        return new Proxy(provider, {
          get(p, name, r) {
            if (name === 'listChanges') {
              return async (...a: Parameters<CalendarProvider['listChanges']>): Promise<ChangeSet> => {
                const changes = await p.listChanges(...a);
                listed.reached();
                await listed.promise;
                return changes;
              };
            }
            const value: unknown = Reflect.get(p, name, r);
            return typeof value === 'function' ? (value as (...x: unknown[]) => unknown).bind(p) : value;
          },
        });
      };
    },
  });
}

/** Runs a sync job on `queue`, takes its lease away with `lose` while it waits after listing, and checks it stopped. */
async function loseLeaseMidSync(queue: JobQueue, leaseMs: number, lose: (jobId: string) => Promise<void>): Promise<void> {
  const statuses: SyncStatus[] = [];
  const contexts: JobContext[] = [];
  const listed = gate();
  const reached = gate();
  const handler = syncJobHandler({ store: h.store, providers: heldAfterListing(h.providers, { reached: reached.open, promise: listed.promise }), clock: h.clock, onStatus: (s) => statuses.push(s) });
  const recording: JobHandler<never> = async (payload, job, ctx) => {
    contexts.push(ctx);
    await handler(payload, job as never, ctx);
  };
  const worker = queue.work({ [SYNC_CALENDAR_JOB]: recording }, { leaseMs });
  try {
    const { id } = await enqueueCalendarSync(queue, h.tenantId, calendar.id, { priority: 'high', reason: 'test' });
    await reached.promise;
    expect(contexts[0]?.lost?.aborted).toBe(false);
    await lose(id);
    await eventually(() => contexts[0]?.lost?.aborted === true, 10_000, 'the sync to be told its lease is lost');
    listed.open();
    await eventually(() => statuses.find((s) => s.type === 'failed' || s.type === 'completed'), 10_000, 'the sync to end');
    expect(statuses.at(-1)).toMatchObject({ type: 'failed', code: 'SYNC_LEASE_LOST' });
    // Nothing written: no hub event, no cursor.
    expect(await h.store.events.list(h.tenantId)).toEqual([]);
    expect((await h.store.syncState.get(h.tenantId, calendar.id)).cursor).toBeUndefined();
  } finally {
    listed.open();
    await worker.stop(1_000);
  }
}

describe('a sync whose lease is lost stops before its writes', () => {
  it('SQL queue: another worker took the lease', async () => {
    const queue = await SqlJobQueue.open({ db: h.store.db, dialect: 'sqlite', clock: h.clock, pollMs: 10, heartbeatMs: 5, onError: () => undefined });
    try {
      await loseLeaseMidSync(queue, 60_000, async (id) => {
        await sql`update calsync_jobs set lease_owner = 'another-worker' where id = ${id}`.execute(h.store.db);
      });
    } finally {
      await queue.close();
    }
  });

  it('BullMQ: another worker took the calendar mutex', async () => {
    const prefix = uniquePrefix('lease-lost');
    const queue = new BullJobQueue({ redisUrl: REDIS_URL, prefix, debounceMs: { high: 0, medium: 0, low: 0 }, busyDelayMs: 10, onError: () => undefined });
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      // BullMQ renews on Redis's real clock (every leaseMs / 3); the test only waits for the abort, it never times it.
      await loseLeaseMidSync(queue, 1_500, async () => {
        const key = `${prefix}:jobs:calsync:mutex:calendar:${calendar.id}`;
        expect(await redis.exists(key)).toBe(1);
        await redis.set(key, 'another-worker', 'PX', 60_000);
      });
    } finally {
      redis.disconnect();
      await queue.close();
      await deleteKeysByPrefix(prefix);
    }
  });
});
