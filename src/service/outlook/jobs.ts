/**
 * Queue handlers for Outlook subscriptions: `graph.subscription.ensure` (create / renew / reauthorize /
 * recreate one calendar's subscription) and `graph.subscription.sweep` (the per-tenant health sweep,
 * which reschedules itself).
 */
import type { JobHandler, JobQueue } from '../../queue/types.js';
import type { Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { ProviderRegistry } from '../providers.js';
import type { SubscriptionDirectory } from './subscription-directory.js';
import { ENSURE_SUBSCRIPTION_JOB, SUBSCRIPTION_SWEEP_JOB, SubscriptionManager, scheduleSweep, type EnsurePayload, type SubscriptionOptions } from './subscription-manager.js';

export interface OutlookJobDeps {
  store: Store;
  queue: JobQueue;
  providers: ProviderRegistry;
  clock: Clock;
  logger?: Logger;
  /** `CALSYNC_PUBLIC_URL`; without it subscriptions cannot be created (reconciliation polling still runs). */
  publicUrl?: string;
  subscriptionDirectory?: SubscriptionDirectory;
  subscriptionOptions?: SubscriptionOptions;
}

export function subscriptionManagerFor(deps: OutlookJobDeps): SubscriptionManager | undefined {
  if (!deps.publicUrl) return undefined;
  const directory = deps.subscriptionDirectory;
  return new SubscriptionManager({
    store: deps.store,
    queue: deps.queue,
    providers: deps.providers,
    clock: deps.clock,
    publicUrl: deps.publicUrl,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.subscriptionOptions ? { options: deps.subscriptionOptions } : {}),
    ...(directory ? { onRecordChanged: (calendarId: string) => directory.invalidate(calendarId) } : {}),
  });
}

export function outlookJobHandlers(deps: OutlookJobDeps): Record<string, JobHandler<never>> {
  const manager = subscriptionManagerFor(deps);
  // Without CALSYNC_PUBLIC_URL no subscription is made: a job left from a configuration that had one (or a
  // lifecycle notification's) is dropped, not failed into the dead letters; the sweep is not rescheduled.
  const skip = (job: { tenantId: string }, what: string): void => deps.logger?.info({ tenantId: job.tenantId }, `${what} skipped: CALSYNC_PUBLIC_URL is not set (Outlook is polled)`);
  const ensure: JobHandler<EnsurePayload> = async (payload, job) => {
    if (!manager) return skip(job, 'graph subscription ensure');
    await manager.ensure(job.tenantId, payload.calendarId, payload.mode);
  };
  const sweep: JobHandler<Record<string, never>> = async (_payload, job) => {
    if (!manager) return skip(job, 'graph subscription sweep');
    await manager.sweepAndReschedule(job.tenantId);
  };
  return { [ENSURE_SUBSCRIPTION_JOB]: ensure as JobHandler<never>, [SUBSCRIPTION_SWEEP_JOB]: sweep as JobHandler<never> };
}

/** Starts the sweep of every tenant (each one then reschedules itself). */
export async function startSubscriptionSweeps(deps: Pick<OutlookJobDeps, 'store' | 'queue'>): Promise<void> {
  for (const tenant of await deps.store.tenants.list()) await scheduleSweep(deps.queue, tenant.id);
}
