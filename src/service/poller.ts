/**
 * Scheduled polling for calendars without push (CalDAV, iCloud) and the reconciliation sweep for those
 * with push (Graph notifications and WebDAV-Push messages can stop for hours — lessons.md #10): a CalDAV
 * calendar with a live WebDAV-Push registration is polled every 15 minutes instead of every minute.
 * Every tick it enqueues a low-priority, coalesced sync for each enabled calendar whose interval (plus
 * a per-calendar jitter, so a thousand calendars do not poll in the same second) has passed. A sync with
 * nothing new costs one CTag request.
 */
import type { CalendarRecord, Integration, Store } from '../store/types.js';
import type { JobQueue } from '../queue/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { enqueueCalendarSync } from './sync-jobs.js';
import { livePushRegistration } from './webdav-push/registration-record.js';

/** Default poll interval per provider kind, seconds (iCloud is rate-sensitive; Outlook has push). */
export const DEFAULT_POLL_INTERVAL_S: Record<string, number> = { caldav: 60, icloud: 300, outlook: 900 };
/** The poll interval of a provider kind not in the table above, seconds. */
export const FALLBACK_POLL_INTERVAL_S = 60;
/** The reconciliation poll of a calendar whose changes arrive by WebDAV-Push, seconds (never more often than its own interval). */
export const PUSHED_POLL_INTERVAL_S = 900;

export interface PollerDeps {
  store: Store;
  queue: JobQueue;
  clock: Clock;
  logger?: Logger;
}

/** Jitter in [0, 20 %) of the interval, stable per calendar. */
export function jitterMs(calendarId: string, intervalMs: number): number {
  let h = 0;
  for (let i = 0; i < calendarId.length; i += 1) h = (h * 31 + calendarId.charCodeAt(i)) >>> 0;
  return (h % 1000) / 1000 * 0.2 * intervalMs;
}

/** The calendar's interval; `pushed` (a live WebDAV-Push registration) stretches it to the reconciliation interval. */
export function pollIntervalMs(calendar: CalendarRecord, integration: Integration, pushed = false): number {
  const seconds = calendar.pollIntervalS ?? (typeof integration.config.pollIntervalS === 'number' ? integration.config.pollIntervalS : undefined) ?? DEFAULT_POLL_INTERVAL_S[integration.provider] ?? FALLBACK_POLL_INTERVAL_S;
  return (pushed ? Math.max(seconds, PUSHED_POLL_INTERVAL_S) : seconds) * 1000;
}

/** What a pass saw: the shortest poll interval among enabled calendars (the poller ticks a few times per it). */
export interface PollPassStats {
  minIntervalMs?: number;
}

/** One pass: enqueues a sync for every calendar that is due. Returns the calendar ids enqueued. */
export async function pollDueCalendars(deps: PollerDeps, stats: PollPassStats = {}): Promise<string[]> {
  const due: string[] = [];
  delete stats.minIntervalMs;
  const now = deps.clock.now();
  for (const tenant of await deps.store.tenants.list()) {
    const integrations = new Map((await deps.store.integrations.list(tenant.id)).map((i) => [i.id, i]));
    for (const calendar of await deps.store.calendars.list(tenant.id)) {
      const integration = integrations.get(calendar.integrationId);
      if (!calendar.enabled || !integration || integration.status !== 'active') continue;
      const state = await deps.store.syncState.get(tenant.id, calendar.id);
      const interval = pollIntervalMs(calendar, integration, livePushRegistration(state, now) !== undefined);
      stats.minIntervalMs = Math.min(stats.minIntervalMs ?? interval, interval);
      const last = state.lastSyncAt ? Date.parse(state.lastSyncAt) : 0;
      if (now - last < interval + jitterMs(calendar.id, interval)) continue;
      await enqueueCalendarSync(deps.queue, tenant.id, calendar.id, { priority: 'low', reason: 'poll', delayMs: 0 });
      due.push(calendar.id);
    }
  }
  return due;
}

export interface Poller {
  /** Stops scheduling; resolves once a pass in flight has finished (so the queue can be closed after it). */
  stop(): Promise<void>;
}

/** The tick for the shortest interval seen: five ticks per interval, between 200 ms and 5 s. */
export function tickFor(minIntervalMs: number | undefined): number {
  if (minIntervalMs === undefined) return MAX_TICK_MS;
  return Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, Math.floor(minIntervalMs / 5)));
}

const MIN_TICK_MS = 200;
const MAX_TICK_MS = 5_000;

/**
 * Runs `pollDueCalendars` until stopped; errors are logged, never thrown. The tick is `tickMs` when given,
 * else derived from the shortest poll interval (a calendar polled every second is checked every 200 ms,
 * the defaults every 5 s), so a poll is late by at most a fifth of its interval.
 */
export function startPoller(deps: PollerDeps, tickMs?: number): Poller {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();
  const stats: PollPassStats = {};
  const tick = async (): Promise<void> => {
    try {
      await pollDueCalendars(deps, stats);
    } catch (err) {
      deps.logger?.warn({ err }, 'poll pass failed');
    }
    if (!stopped) timer = setTimeout(() => (pass = tick()), tickMs ?? tickFor(stats.minIntervalMs));
  };
  timer = setTimeout(() => (pass = tick()), 0);
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await pass;
    },
  };
}
