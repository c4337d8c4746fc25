/**
 * Calendar syncs as queue jobs. One job type, `sync.calendar`, coalesced per calendar (one pending sync
 * per calendar, whoever asked for it) and mutually exclusive per calendar across all workers. The hub
 * changes a sync makes reach the other calendars through the outbox (`outbox/drainer.ts`): every hub
 * write is its own "to propagate" record, so no caller has to remember to propagate.
 */
import { NotFoundError } from '../errors.js';
import type { Priority } from '../model/event.js';
import type { JobHandler, JobQueue } from '../queue/types.js';
import type { CalendarProvider } from '../providers/types.js';
import { syncCalendar, type SyncReport } from '../sync/engine.js';
import type { CalendarRecord, Integration, Store } from '../store/types.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { ProviderRegistry } from './providers.js';

export const SYNC_CALENDAR_JOB = 'sync.calendar';

export interface SyncJobPayload {
  calendarId: string;
  full?: boolean;
  /** Why the sync was asked for (poll, webhook, hub change, user) — logs and the dashboard. */
  reason: string;
}

export interface EnqueueSyncOptions {
  priority: Priority;
  reason: string;
  full?: boolean;
  /** Default: the queue's debounce for the priority (high runs at once; others coalesce bursts). */
  delayMs?: number;
}

export async function enqueueCalendarSync(queue: JobQueue, tenantId: string, calendarId: string, opts: EnqueueSyncOptions): Promise<{ id: string; coalesced: boolean }> {
  return queue.enqueue<SyncJobPayload>({
    type: SYNC_CALENDAR_JOB,
    tenantId,
    payload: { calendarId, reason: opts.reason, ...(opts.full ? { full: true } : {}) },
    priority: opts.priority,
    key: `sync:${calendarId}${opts.full ? ':full' : ''}`,
    mutex: `calendar:${calendarId}`,
    ...(opts.delayMs === undefined ? {} : { delayMs: opts.delayMs }),
  });
}

export interface SyncServiceDeps {
  store: Store;
  providers: ProviderRegistry;
  clock: Clock;
  logger?: Logger;
  /** Live status: called with every progress step and the final report (WebSocket, metrics). */
  onStatus?: (status: SyncStatus) => void;
  /**
   * Called by the queue handler after every sync (schedule-change notifications scan the hub). Its
   * failure is logged, never retried as a sync failure.
   */
  afterSync?: (tenantId: string, payload: SyncJobPayload, report: SyncReport) => Promise<void>;
}

export type SyncStatus =
  | { type: 'started'; tenantId: string; calendarId: string; at: number }
  | { type: 'in_progress'; tenantId: string; calendarId: string; phase: string; done: number; total: number; operation?: string }
  | { type: 'completed'; tenantId: string; calendarId: string; report: SyncReport; throttled?: number }
  | { type: 'failed'; tenantId: string; calendarId: string; error: string; code?: string; throttled?: number };

/** Throttling answers the provider received since `before` (undefined when it does not count them). */
function throttledSince(provider: CalendarProvider | undefined, before: number | undefined): number | undefined {
  const now = provider?.stats.throttled;
  return now === undefined || before === undefined ? undefined : now - before;
}

/** Runs one calendar sync with the integration's provider, reporting status as it goes. */
export async function runCalendarSync(deps: SyncServiceDeps, tenantId: string, payload: SyncJobPayload, opts: { dryRun?: boolean; allowMassDelete?: boolean; signal?: AbortSignal } = {}): Promise<SyncReport> {
  const { store, providers, clock } = deps;
  const calendar = await store.calendars.get(tenantId, payload.calendarId);
  const integration = calendar ? await store.integrations.get(tenantId, calendar.integrationId) : undefined;
  if (!calendar || !integration) throw new NotFoundError('calendar', payload.calendarId);
  deps.onStatus?.({ type: 'started', tenantId, calendarId: calendar.id, at: clock.now() });
  let provider: CalendarProvider | undefined;
  let throttledBefore: number | undefined;
  try {
    // Inside the try: a provider that cannot be built (credentials gone, unknown kind) is a failed sync too.
    provider = await providers.forIntegration(integration);
    throttledBefore = provider.stats.throttled;
    const report = await syncCalendar(
      {
        store,
        provider,
        clock,
        ...(deps.logger ? { logger: deps.logger } : {}),
        // Aborted when the queue lost the job's lease or mutex: the sync stops writing (SYNC_LEASE_LOST).
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (p) => deps.onStatus?.({ type: 'in_progress', tenantId, calendarId: calendar.id, phase: p.phase, done: p.done, total: p.total, ...(p.operation ? { operation: p.operation } : {}) }),
      },
      { tenantId, calendarId: calendar.id },
      { full: payload.full === true, dryRun: opts.dryRun === true, allowMassDelete: opts.allowMassDelete === true },
    );
    const throttled = throttledSince(provider, throttledBefore);
    deps.onStatus?.({ type: 'completed', tenantId, calendarId: calendar.id, report, ...(throttled === undefined ? {} : { throttled }) });
    return report;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'PROVIDER_AUTH' && !opts.dryRun) await markNeedsReauth(store, integration, err);
    const throttled = throttledSince(provider, throttledBefore);
    deps.onStatus?.({ type: 'failed', tenantId, calendarId: calendar.id, error: err instanceof Error ? err.message : String(err), ...(code ? { code } : {}), ...(throttled === undefined ? {} : { throttled }) });
    throw err;
  }
}

/**
 * Rejected credentials (a revoked grant, a changed app-specific password) will not fix themselves: the
 * integration is marked `needs_reauth` — shown in health, skipped by the poller and by propagation —
 * instead of failing every few minutes forever. Reconnecting the account makes it active again.
 */
async function markNeedsReauth(store: Store, integration: Integration, err: unknown): Promise<void> {
  const reason = `the calendar rejected our credentials: ${err instanceof Error ? err.message : String(err)}; reconnect the account`;
  await store.integrations.update(integration.tenantId, integration.id, { status: 'needs_reauth', statusReason: reason });
}

/**
 * The calendars a hub change must reach: every enabled calendar of the tenant that takes hub changes, but
 * the source. Calendars of an integration that is not active (flagged by a guard, waiting for re-auth)
 * are left out like the poller leaves them out: their syncs would only fail; the change is not lost, it
 * goes out with their first sync once they are back.
 */
export async function propagationTargets(store: Store, tenantId: string, fromCalendarIds: readonly string[]): Promise<CalendarRecord[]> {
  const active = new Set((await store.integrations.list(tenantId)).filter((i) => i.status === 'active').map((i) => i.id));
  return (await store.calendars.list(tenantId)).filter((c) => c.enabled && active.has(c.integrationId) && !fromCalendarIds.includes(c.id) && c.direction !== 'import_only');
}

/** The queue handler for `sync.calendar` jobs (the outbox drainer fans the hub changes out). */
export function syncJobHandler(deps: SyncServiceDeps): JobHandler<SyncJobPayload> {
  return async (payload, job, ctx) => {
    // Disconnected while its sync waited in the queue: nothing left to sync, and not a dead letter.
    if (!(await deps.store.calendars.get(job.tenantId, payload.calendarId))) {
      deps.logger?.info({ calendarId: payload.calendarId, jobId: job.id }, 'calendar no longer connected; sync skipped');
      return;
    }
    let report: SyncReport;
    try {
      // `ctx.lost`, not `ctx.signal`: a graceful stop lets the running sync finish; a lost lease stops it.
      report = await runCalendarSync(deps, job.tenantId, payload, ctx.lost ? { signal: ctx.lost } : {});
    } catch (err) {
      // Marked needs_reauth above; retrying cannot help and would only fill the dead letters.
      if ((err as { code?: string }).code === 'PROVIDER_AUTH') {
        deps.logger?.warn({ calendarId: payload.calendarId, jobId: job.id }, 'credentials rejected; integration needs re-authorization');
        return;
      }
      throw err;
    }
    if (deps.afterSync) {
      await deps.afterSync(job.tenantId, payload, report).catch((err: unknown) => deps.logger?.warn({ err, calendarId: payload.calendarId }, 'after-sync hook failed'));
    }
  };
}
