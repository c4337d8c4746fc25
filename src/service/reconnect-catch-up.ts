/**
 * What a reconnect (an integration signed in again after `needs_reauth`) must set going at once, so
 * nothing made meanwhile waits for the next reconciliation poll (up to 15 minutes for Outlook):
 * - the jobs of its calendars that were dead-lettered because the credentials were rejected
 *   (`graph.subscription.ensure`, `sync.calendar`, …) are replayed;
 * - each enabled calendar's change notifications are brought back — the Graph subscription is
 *   reauthorized (or re-created when Graph dropped it), a WebDAV-Push registration renewed — when
 *   `CALSYNC_PUBLIC_URL` is set;
 * - each enabled calendar gets a high-priority delta sync: the changes made while we were locked out.
 */
import type { Job, JobQueue } from '../queue/types.js';
import type { Integration, Store } from '../store/types.js';
import { enqueueEnsureSubscription } from './outlook/subscription-manager.js';
import { enqueueCalendarSync } from './sync-jobs.js';
import { enqueuePushEnsures } from './webdav-push/jobs.js';

export interface CatchUpDeps {
  store: Store;
  queue: JobQueue;
  /** `CALSYNC_PUBLIC_URL`: without it there are no subscriptions or push registrations to bring back. */
  publicUrl?: string;
}

export interface CatchUpReport {
  /** Dead-lettered jobs replayed. */
  replayed: string[];
  /** Calendars whose sync (and notification registration) was enqueued. */
  calendars: string[];
}

/** A job that failed because the calendar rejected our credentials. */
function failedOnAuth(job: Job): boolean {
  return job.history.some((attempt) => attempt.code === 'PROVIDER_AUTH');
}

function calendarOf(job: Job): string | undefined {
  const payload = job.payload as { calendarId?: unknown } | null;
  return payload && typeof payload.calendarId === 'string' ? payload.calendarId : undefined;
}

export async function catchUpAfterReconnect(deps: CatchUpDeps, integration: Integration): Promise<CatchUpReport> {
  const { store, queue } = deps;
  const all = await store.calendars.list(integration.tenantId, integration.id);
  const ours = new Set(all.map((c) => c.id));
  const replayed: string[] = [];
  for (const job of await queue.deadLetters(integration.tenantId)) {
    const calendarId = calendarOf(job);
    if (calendarId === undefined || !ours.has(calendarId) || !failedOnAuth(job)) continue;
    if (await queue.replay(job.id, integration.tenantId)) replayed.push(job.id);
  }
  const ids = all.filter((c) => c.enabled).map((c) => c.id);
  if (deps.publicUrl !== undefined) {
    if (integration.provider === 'outlook') {
      for (const id of ids) await enqueueEnsureSubscription(queue, integration.tenantId, id, 'reauthorize', { priority: 'high' });
    } else await enqueuePushEnsures(queue, integration, ids);
  }
  for (const id of ids) await enqueueCalendarSync(queue, integration.tenantId, id, { priority: 'high', reason: 'reconnected' });
  return { replayed, calendars: ids };
}
