/**
 * Scheduled polling for calendars without push (CalDAV, iCloud) and the reconciliation sweep for those
 * with push (Graph notifications and WebDAV-Push messages can stop for hours — lessons.md #10): a CalDAV
 * calendar with a live WebDAV-Push registration is polled every 15 minutes instead of every minute.
 * Every calendar has a next poll time (its last sync + its interval + a per-calendar jitter, so a
 * thousand calendars do not poll in the same second), indexed in the store or kept in a Redis sorted
 * set; a pass claims the calendars whose time has come and enqueues a low-priority, coalesced sync for
 * those still due. A sync with nothing new costs one CTag request.
 */
import type { CalendarRecord, Integration, PollCandidate, PollTime, Store } from '../store/types.js';
import type { JobQueue } from '../queue/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { enqueueCalendarSync } from './sync-jobs.js';
import { storePollSchedule, type PollSchedule } from './poll-schedule.js';
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
  /** Where next poll times live: the store (default) or Redis (`poll-schedule-redis.ts`). */
  schedule?: PollSchedule;
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

/** Calendars claimed per round trip. */
export const POLL_BATCH = 500;
/**
 * How long a claimed calendar is held before another process may claim it again: only matters when the
 * claimer dies between the claim and the reschedule (a claim is otherwise rescheduled within the pass).
 */
export const POLL_LEASE_MS = 60_000;
/** A calendar not to be polled (disabled, integration not active) is looked at again after this; the writes that re-enable it make it due at once anyway. */
export const PARKED_RECHECK_MS = 15 * 60_000;
/** Enqueues in flight at once within a batch. */
const ENQUEUE_PARALLEL = 16;

/** What a pass saw: when the earliest next poll is (epoch ms), so the poller sleeps until then. */
export interface PollPassStats {
  nextDueAt?: number;
  /** Calendars claimed by this pass (due or not: a claim recomputes the next poll). */
  claimed?: number;
}

/** The time a calendar should next be polled, counted from `from` (its last sync, or now when polled now). */
export function nextPollAt(candidate: PollCandidate, integration: NonNullable<PollCandidate['integration']>, from: number, now: number): number {
  const normal = pollIntervalMs(candidate.calendar, integration as Integration, false);
  const normalAt = from + normal + jitterMs(candidate.calendar.id, normal);
  const live = livePushRegistration(candidate, now);
  if (!live) return normalAt;
  const pushed = pollIntervalMs(candidate.calendar, integration as Integration, true);
  // Pushes arrive until the registration expires; from then on the normal interval counts again.
  return Math.min(from + pushed + jitterMs(candidate.calendar.id, pushed), Math.max(Date.parse(live.expiresAt), normalAt));
}

/** Whether a claimed calendar is due now, and when it is to be looked at next. */
export function decidePoll(candidate: PollCandidate, now: number): { due: boolean; next: number } {
  const { calendar, integration } = candidate;
  if (!calendar.enabled || !integration || integration.status !== 'active') return { due: false, next: now + PARKED_RECHECK_MS };
  const last = candidate.lastSyncAt ? Date.parse(candidate.lastSyncAt) : 0;
  const dueAt = nextPollAt(candidate, integration, last, now);
  if (now < dueAt) return { due: false, next: dueAt };
  // Polled now: looked at again one interval on. The sync moves lastSyncAt on, and that claim then
  // reschedules to the interval after the sync (as a sync from a webhook or hub change postpones a poll).
  return { due: true, next: nextPollAt(candidate, integration, now, now) };
}

/**
 * One pass: claims the calendars whose next poll time has come, in batches, and enqueues a sync for
 * those that are due. Any number of processes may run passes at once: a claim is atomic, so no two
 * take the same calendar, and a calendar is always claimed by someone once its time has come. The
 * store's work follows the due calendars, never the number of calendars. Returns the calendar ids enqueued.
 */
export async function pollDueCalendars(deps: PollerDeps, stats: PollPassStats = {}): Promise<string[]> {
  const schedule = deps.schedule ?? storePollSchedule(deps.store);
  const enqueued: string[] = [];
  const now = deps.clock.now();
  let claimed = 0;
  let failure: unknown;
  for (;;) {
    const claims = await schedule.claim(now, POLL_BATCH, now + POLL_LEASE_MS);
    claimed += claims.length;
    if (claims.length === 0) break;
    const candidates = await deps.store.pollSchedule.candidates(claims);
    const found = new Set(candidates.map((c) => c.calendar.id));
    const times: PollTime[] = [];
    const due: { candidate: PollCandidate; next: number }[] = [];
    for (const candidate of candidates) {
      const decision = decidePoll(candidate, now);
      if (decision.due) due.push({ candidate, next: decision.next });
      else times.push({ calendarId: candidate.calendar.id, at: decision.next });
    }
    for (let i = 0; i < due.length; i += ENQUEUE_PARALLEL) {
      const slice = due.slice(i, i + ENQUEUE_PARALLEL);
      const results = await Promise.allSettled(
        slice.map(({ candidate }) => enqueueCalendarSync(deps.queue, candidate.calendar.tenantId, candidate.calendar.id, { priority: 'low', reason: 'poll', delayMs: 0 })),
      );
      results.forEach((result, j) => {
        const { candidate, next } = slice[j]!;
        if (result.status === 'fulfilled') {
          enqueued.push(candidate.calendar.id);
          times.push({ calendarId: candidate.calendar.id, at: next });
        } else {
          // Not enqueued (the queue is down): due again at the next pass.
          failure ??= result.reason;
          times.push({ calendarId: candidate.calendar.id, at: now });
        }
      });
    }
    await schedule.reschedule(times, claims.filter((id) => !found.has(id)));
    if (claims.length < POLL_BATCH || failure !== undefined) break;
  }
  stats.claimed = claimed;
  const next = await schedule.nextDueAt();
  if (next === undefined) delete stats.nextDueAt;
  else stats.nextDueAt = next;
  if (failure !== undefined) throw failure;
  return enqueued;
}

export interface Poller {
  /** Stops scheduling; resolves once a pass in flight has finished (so the queue can be closed after it). */
  stop(): Promise<void>;
}

/**
 * The sleep before the next pass: until the earliest next poll, between 200 ms and 5 s (5 s bounds how
 * late a calendar made due by a write — a new calendar, a changed interval — is noticed).
 */
export function tickFor(nextDueAt: number | undefined, now: number): number {
  if (nextDueAt === undefined) return MAX_TICK_MS;
  return Math.min(MAX_TICK_MS, Math.max(MIN_TICK_MS, nextDueAt - now));
}

const MIN_TICK_MS = 200;
const MAX_TICK_MS = 5_000;

/**
 * Runs `pollDueCalendars` until stopped; errors are logged, never thrown. The tick is `tickMs` when given,
 * else the time until the earliest next poll (at least 200 ms, at most 5 s). Every worker process runs
 * one: there is no designated poller.
 */
export function startPoller(pollerDeps: PollerDeps, tickMs?: number): Poller {
  // One schedule for the poller's life (the store schedule reclaims Redis-held calendars once).
  const deps: PollerDeps = { ...pollerDeps, schedule: pollerDeps.schedule ?? storePollSchedule(pollerDeps.store) };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let pass: Promise<void> = Promise.resolve();
  const stats: PollPassStats = {};
  const tick = async (): Promise<void> => {
    try {
      const enqueued = await pollDueCalendars(deps, stats);
      if ((stats.claimed ?? 0) > 0) deps.logger?.debug({ claimed: stats.claimed, enqueued: enqueued.length }, 'poll pass');
    } catch (err) {
      deps.logger?.warn({ err }, 'poll pass failed');
    }
    if (!stopped) timer = setTimeout(() => (pass = tick()), tickMs ?? tickFor(stats.nextDueAt, deps.clock.now()));
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
