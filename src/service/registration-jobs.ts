/**
 * The job shapes shared by the two kinds of change-notification registrations — Graph subscriptions
 * (Outlook) and WebDAV-Push registrations (CalDAV): a per-calendar "ensure" job and a per-tenant sweep.
 */
import type { Priority } from '../model/event.js';
import type { JobQueue } from '../queue/types.js';

/**
 * An ensure job for one calendar: one pending per calendar and mode (a `recreate` never merges into a
 * scheduled renewal), and it shares the calendar's mutex with its syncs.
 */
export async function enqueueCalendarEnsure<M extends string>(
  queue: JobQueue,
  job: { type: string; keyPrefix: string },
  tenantId: string,
  calendarId: string,
  mode: M,
  opts: { priority: Priority; delayMs?: number },
): Promise<void> {
  await queue.enqueue<{ calendarId: string; mode: M }>({
    type: job.type,
    tenantId,
    payload: { calendarId, mode },
    priority: opts.priority,
    key: `${job.keyPrefix}:${calendarId}:${mode}`,
    mutex: `calendar:${calendarId}`,
    delayMs: opts.delayMs ?? 0,
  });
}

/** The next sweep of a tenant, coalesced (one pending per tenant). */
export async function scheduleTenantSweep(queue: JobQueue, job: { type: string; keyPrefix: string }, tenantId: string, delayMs = 0): Promise<void> {
  await queue.enqueue({ type: job.type, tenantId, payload: {}, priority: 'low', key: `${job.keyPrefix}:${tenantId}`, delayMs });
}
