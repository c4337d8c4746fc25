/**
 * Queue handlers for WebDAV-Push registrations: `webdav-push.ensure` (register / renew / re-register /
 * remove one calendar's registration) and `webdav-push.sweep` (the per-tenant sweep, which reschedules
 * itself). A failure is logged and left to the next sweep, never retried into the dead letters: the
 * calendar is polled meanwhile, so a server that refuses push must not make its integration unhealthy.
 */
import type { JobHandler, JobQueue } from '../../queue/types.js';
import type { Integration, Store } from '../../store/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { ProviderRegistry } from '../providers.js';
import type { PushDirectory } from './push-directory.js';
import { ENSURE_PUSH_JOB, PUSH_SWEEP_JOB, PushRegistrationManager, enqueueEnsurePush, schedulePushSweep, type PushEnsurePayload, type PushRegistrationOptions } from './registration-manager.js';

export interface PushJobDeps {
  store: Store;
  queue: JobQueue;
  providers: ProviderRegistry;
  clock: Clock;
  logger?: Logger;
  /** `CALSYNC_PUBLIC_URL`; without it no registration is made and existing ones are removed. */
  publicUrl?: string;
  /** Shared with the webhook in the same process, so a new registration is recognised at once. */
  pushDirectory?: PushDirectory;
  pushOptions?: PushRegistrationOptions;
}

export function pushRegistrationManagerFor(deps: PushJobDeps): PushRegistrationManager {
  const directory = deps.pushDirectory;
  return new PushRegistrationManager({
    store: deps.store,
    queue: deps.queue,
    providers: deps.providers,
    clock: deps.clock,
    publicUrl: deps.publicUrl,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.pushOptions ? { options: deps.pushOptions } : {}),
    ...(directory ? { onRecordChanged: (calendarId: string) => directory.invalidate(calendarId) } : {}),
  });
}

export function pushJobHandlers(deps: PushJobDeps): Record<string, JobHandler<never>> {
  const manager = pushRegistrationManagerFor(deps);
  const ensure: JobHandler<PushEnsurePayload> = async (payload, job) => {
    try {
      await manager.ensure(job.tenantId, payload.calendarId, payload.mode);
    } catch (err) {
      deps.logger?.warn({ calendarId: payload.calendarId, err }, 'webdav-push registration failed; the calendar is polled until the next attempt');
    }
  };
  const sweep: JobHandler<Record<string, never>> = async (_payload, job) => {
    await manager.sweepAndReschedule(job.tenantId);
  };
  return { [ENSURE_PUSH_JOB]: ensure as JobHandler<never>, [PUSH_SWEEP_JOB]: sweep as JobHandler<never> };
}

/** Starts the sweep of every tenant (each one then reschedules itself). */
export async function startPushSweeps(deps: Pick<PushJobDeps, 'store' | 'queue'>): Promise<void> {
  for (const tenant of await deps.store.tenants.list()) await schedulePushSweep(deps.queue, tenant.id);
}

/** CalDAV calendars were connected, enabled or disabled: (un)register them now rather than at the next sweep. */
export async function enqueuePushEnsures(queue: JobQueue, integration: Pick<Integration, 'tenantId' | 'provider'>, calendarIds: readonly string[]): Promise<void> {
  if (integration.provider !== 'caldav' && integration.provider !== 'icloud') return;
  for (const id of calendarIds) await enqueueEnsurePush(queue, integration.tenantId, id, 'ensure', { priority: 'medium' });
}
