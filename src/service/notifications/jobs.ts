/**
 * The notification side of the workers: the job handlers (single deliveries, health sweeps, the ordered
 * event-webhook dispatches), and the hook the sync job calls after a sync to announce schedule changes
 * and conflicts.
 */
import type { JobHandler } from '../../queue/types.js';
import { HEALTH_SWEEP_JOB, healthSweepHandler, type HealthSweepDeps } from './health-sweep.js';
import { notifyConflictChanges } from './conflict-watch.js';
import { WEBHOOK_DISPATCH_JOB, dispatchHandler } from './event-webhooks.js';
import { NOTIFY_DELIVER_JOB, deliveryHandler, notify, type NotifierDeps } from './notifier.js';
import { ScheduleWatch } from './schedule-watch.js';

export function notificationJobHandlers(deps: HealthSweepDeps): Record<string, JobHandler<never>> {
  return {
    [NOTIFY_DELIVER_JOB]: deliveryHandler(deps) as JobHandler<never>,
    [HEALTH_SWEEP_JOB]: healthSweepHandler(deps) as JobHandler<never>,
    [WEBHOOK_DISPATCH_JOB]: dispatchHandler(deps) as JobHandler<never>,
  };
}

/** Scans the tenant's hub for schedule changes and sends `schedule.changed` for each; returns the deliveries enqueued. */
export async function notifyScheduleChanges(deps: NotifierDeps & Pick<HealthSweepDeps, 'store'>, tenantId: string): Promise<number> {
  let sent = 0;
  for (const change of await new ScheduleWatch(deps.endpoints.db, deps.store).scan(tenantId)) sent += await notify(deps, tenantId, 'schedule.changed', change);
  return sent;
}

/**
 * The `afterSync` hook of the sync job. Every sync scans — not only those that changed the hub: a change
 * made through the API or the CLI reaches the calendars by syncs too, and the scan finds it there. It
 * also announces conflicts opened or resolved since the last scan.
 */
export function scheduleChangeHook(deps: NotifierDeps & Pick<HealthSweepDeps, 'store'>) {
  return async (tenantId: string): Promise<void> => {
    await notifyScheduleChanges(deps, tenantId);
    await notifyConflictChanges(deps, tenantId);
  };
}
