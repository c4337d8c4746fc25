/**
 * Where the poller keeps next poll times: the store's indexed column (the default, `store/repos/
 * poll-schedule.ts`), or a Redis sorted set (`poll-schedule-redis.ts`, with `REDIS_URL`). Either way a
 * claim is atomic across processes, so every worker process polls and none is designated.
 */
import { POLL_HANDED_OFF } from '../store/schema.js';
import type { PollTime, Store } from '../store/types.js';

export interface PollSchedule {
  /** Takes up to `limit` calendars whose time is ≤ `now`, holding each until `until` (no one else gets it meanwhile); their ids. */
  claim(now: number, limit: number, until: number): Promise<string[]>;
  /** Sets the next poll times of claimed calendars; `gone` are calendars that no longer exist. */
  reschedule(times: readonly PollTime[], gone: readonly string[]): Promise<void>;
  /** The earliest next poll time, or undefined when nothing is scheduled. */
  nextDueAt(): Promise<number | undefined>;
  close(): Promise<void>;
}

/**
 * The store's `calendars.next_poll_at` (a deleted calendar's row is gone with it). Calendars a Redis
 * schedule held (the deployment ran with `REDIS_URL` before) are made due again at the first claim, so
 * dropping Redis never stops their polling.
 */
export function storePollSchedule(store: Store): PollSchedule {
  let reclaimed = false;
  return {
    claim: async (now, limit, until) => {
      if (!reclaimed) {
        await store.pollSchedule.releaseAt(POLL_HANDED_OFF);
        reclaimed = true;
      }
      return (await store.pollSchedule.claimDue(now, limit, until)).map((c) => c.calendarId);
    },
    reschedule: (times) => store.pollSchedule.reschedule(times),
    nextDueAt: () => store.pollSchedule.nextDueAt(),
    close: async () => undefined,
  };
}
