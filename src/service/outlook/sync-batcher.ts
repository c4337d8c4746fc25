/**
 * Group commit for webhook enqueues. Graph sends bursts (one per changed event, retries, duplicates),
 * and each one must be durably enqueued before it is answered — but a burst for one calendar only ever
 * needs one pending sync. Per calendar at most one enqueue is in flight; requests that arrive meanwhile
 * share the next one (with the highest priority among them) and are answered when it commits.
 *
 * Joining the in-flight enqueue instead would be wrong: its job may already be running, and a sync that
 * started before a notification arrived need not see that notification's change.
 */
import type { Priority } from '../../model/event.js';
import type { JobQueue } from '../../queue/types.js';
import { enqueueCalendarSync } from '../sync-jobs.js';

const RANK: Record<Priority, number> = { high: 3, medium: 2, low: 1 };

/**
 * How long a sync for a change Graph told us about waits. Syncs coalesce per calendar (one waiting job per
 * calendar key, one running per mutex), so only a short window is kept to fold a burst of notifications
 * into one sync — not the queue's seconds-long debounce for background work.
 */
export const NOTIFICATION_DEBOUNCE_MS: Record<Priority, number> = { high: 0, medium: 100, low: 200 };

interface Pending {
  priority: Priority;
  promise: Promise<void>;
}

interface Lane {
  inFlight: Promise<void> | undefined;
  next: Pending | undefined;
}

export class SyncEnqueueBatcher {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly queue: JobQueue,
    private readonly reason = 'graph notification',
  ) {}

  /** Resolves once a sync job for the calendar, at least this urgent, is durably queued. */
  request(tenantId: string, calendarId: string, priority: Priority): Promise<void> {
    const key = `${tenantId}\u0000${calendarId}`;
    const lane: Lane = this.lanes.get(key) ?? { inFlight: undefined, next: undefined };
    this.lanes.set(key, lane);
    if (!lane.inFlight) return this.start(key, lane, tenantId, calendarId, priority);
    if (lane.next) {
      if (RANK[priority] > RANK[lane.next.priority]) lane.next.priority = priority;
      return lane.next.promise;
    }
    const waitFor = lane.inFlight;
    const next: Pending = { priority, promise: Promise.resolve() };
    next.promise = waitFor
      .catch(() => undefined)
      .then(() => {
        // This batch becomes the one in flight; later arrivals start a new `next`.
        lane.next = undefined;
        return this.start(key, lane, tenantId, calendarId, next.priority);
      });
    lane.next = next;
    return next.promise;
  }

  private start(key: string, lane: Lane, tenantId: string, calendarId: string, priority: Priority): Promise<void> {
    const run = enqueueCalendarSync(this.queue, tenantId, calendarId, { priority, reason: this.reason, delayMs: NOTIFICATION_DEBOUNCE_MS[priority] }).then(() => undefined);
    lane.inFlight = run;
    const settle = (): void => {
      if (lane.inFlight === run) lane.inFlight = undefined;
      if (!lane.inFlight && !lane.next) this.lanes.delete(key);
    };
    run.then(settle, settle);
    return run;
  }
}
