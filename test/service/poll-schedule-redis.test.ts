/**
 * The poll schedule in a Redis sorted set, on the real Redis (own key prefix) over an in-memory store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { POLL_HANDED_OFF, RedisPollSchedule } from '../../src/service/poll-schedule-redis.js';
import { jitterMs, pollDueCalendars } from '../../src/service/poller.js';
import { deleteKeysByPrefix, REDIS_URL, uniquePrefix } from '../support/redis.js';
import { makeService, RecordingQueue, type ServiceHarness } from './harness.js';

let h: ServiceHarness;
let prefix: string;
const schedules: RedisPollSchedule[] = [];

function schedule(): RedisPollSchedule {
  const s = new RedisPollSchedule(h.store, { redisUrl: REDIS_URL, prefix });
  schedules.push(s);
  return s;
}

async function storedNextPoll(calendarId: string): Promise<number> {
  const row = await h.store.db.selectFrom('calendars').select('next_poll_at').where('id', '=', calendarId).executeTakeFirstOrThrow();
  return Number(row.next_poll_at);
}

beforeEach(async () => {
  h = await makeService();
  prefix = uniquePrefix('pollsched');
});
afterEach(async () => {
  await Promise.all(schedules.splice(0).map((s) => s.close()));
  await deleteKeysByPrefix(prefix);
  await h.close();
});

describe('the poll schedule in Redis', () => {
  it('takes new calendars from the store, then polls them from the sorted set with no store schedule writes', async () => {
    const { calendars } = await h.addIntegration('dav', 5);
    const s = schedule();
    const queue = new RecordingQueue();
    const deps = { store: h.store, queue, clock: h.clock, schedule: s };
    expect((await pollDueCalendars(deps)).sort()).toEqual(calendars.map((c) => c.id).sort());
    expect(await s.size()).toBe(5);
    for (const c of calendars) expect(await storedNextPoll(c.id)).toBe(POLL_HANDED_OFF);
    expect(await pollDueCalendars(deps)).toEqual([]);

    const first = [...calendars].sort((x, y) => jitterMs(x.id, 60_000) - jitterMs(y.id, 60_000))[0]!;
    h.clock.advance(60_000 + jitterMs(first.id, 60_000));
    expect(await pollDueCalendars(deps)).toEqual([first.id]);
    // The store still says "handed off": the poll moved only the Redis score.
    expect(await storedNextPoll(first.id)).toBe(POLL_HANDED_OFF);
    expect(await s.nextDueAt()).toBeGreaterThan(h.clock.now());
  });

  it('notices a calendar the store made due sooner (a shorter interval) at the next pass', async () => {
    const { calendars: [cal] } = await h.addIntegration('dav');
    const deps = { store: h.store, queue: new RecordingQueue(), clock: h.clock, schedule: schedule() };
    await pollDueCalendars(deps);
    await h.store.syncState.set(h.tenantId, { calendarId: cal!.id, hubSeq: 0, lastSyncAt: new Date(h.clock.now()).toISOString() });
    await h.store.calendars.update(h.tenantId, cal!.id, { pollIntervalS: 3600 });
    h.clock.advance(120_000);
    expect(await pollDueCalendars(deps)).toEqual([]);
    await h.store.calendars.update(h.tenantId, cal!.id, { pollIntervalS: 60 });
    expect(await pollDueCalendars(deps)).toEqual([cal!.id]);
  });

  it('two pollers never claim the same calendar and together claim every due one', async () => {
    const { calendars } = await h.addIntegration('dav', 40);
    const [a, b] = [schedule(), schedule()];
    // They take the store's new calendars into the set and claim from it at the same time.
    const now = h.clock.now();
    const taken: string[] = [];
    await Promise.all(
      [a, b].map(async (s) => {
        for (;;) {
          const ids = await s.claim(now, 3, now + 60_000);
          if (ids.length === 0) return;
          taken.push(...ids);
        }
      }),
    );
    expect(taken).toHaveLength(40);
    expect(new Set(taken)).toEqual(new Set(calendars.map((c) => c.id)));
    expect(await a.size()).toBe(40);
  });

  it('forgets deleted calendars, and rebuilds itself from the store when Redis lost the set', async () => {
    const { integration, calendars } = await h.addIntegration('dav', 3);
    const { calendars: [other] } = await h.addIntegration('other');
    const s = schedule();
    const deps = { store: h.store, queue: new RecordingQueue(), clock: h.clock, schedule: s };
    expect(await pollDueCalendars(deps)).toHaveLength(4);
    await h.store.integrations.delete(h.tenantId, integration.id);
    h.clock.advance(120_000);
    expect(await pollDueCalendars(deps)).toEqual([other!.id]);
    expect(await s.size()).toBe(1);

    // Redis restarted empty: nothing is lost, the calendar is due again.
    expect(await deleteKeysByPrefix(prefix)).toBe(2);
    expect(await pollDueCalendars(deps)).toEqual([other!.id]);
    expect(await s.size()).toBe(1);
    expect(calendars).toHaveLength(3);
  });
});
