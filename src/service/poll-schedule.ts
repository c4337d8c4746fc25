/**
 * Where the poller keeps next poll times: the store's indexed column (the default, `store/repos/
 * poll-schedule.ts`), or a Redis sorted set (`poll-schedule-redis.ts`, with `REDIS_URL`). Either way a
 * claim is atomic across processes, so every worker process polls and none is designated.
 */
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

/** The store's `calendars.next_poll_at` (a deleted calendar's row is gone with it). */
export function storePollSchedule(store: Store): PollSchedule {
  return {
    claim: async (now, limit, until) => (await store.pollSchedule.claimDue(now, limit, until)).map((c) => c.calendarId),
    reschedule: (times) => store.pollSchedule.reschedule(times),
    nextDueAt: () => store.pollSchedule.nextDueAt(),
    close: async () => undefined,
  };
}
