/**
 * The periodic integration-health sweep, one self-rescheduling job per tenant: computes health
 * (service/health.ts), and for every integration whose verdict changed since the last sweep publishes
 * `health.changed` on the status bus and, when it became unhealthy, sends `integration.unhealthy` to
 * the tenant's endpoints. Only changes are sent, so an integration that stays broken alerts once.
 */
import type { JobHandler, JobQueue } from '../../queue/types.js';
import type { Store } from '../../store/types.js';
import { integrationHealth } from '../health.js';
import type { ProviderRegistry } from '../providers.js';
import type { StatusBus } from '../status/bus.js';
import { notify, type NotifierDeps } from './notifier.js';

export const HEALTH_SWEEP_JOB = 'notify.health-sweep';
export const DEFAULT_SWEEP_EVERY_MS = 5 * 60_000;

export interface HealthSweepDeps extends NotifierDeps {
  store: Store;
  providers?: ProviderRegistry;
  statusBus?: StatusBus;
  sweepEveryMs?: number;
}

export async function scheduleHealthSweep(queue: JobQueue, tenantId: string, delayMs: number): Promise<void> {
  await queue.enqueue({ type: HEALTH_SWEEP_JOB, tenantId, payload: {}, priority: 'low', key: 'notify:health-sweep', delayMs, attempts: 1 });
}

/** Starts the sweep of every tenant (each then reschedules itself). */
export async function startHealthSweeps(deps: Pick<HealthSweepDeps, 'store' | 'queue'>): Promise<void> {
  for (const tenant of await deps.store.tenants.list()) await scheduleHealthSweep(deps.queue, tenant.id, 0);
}

/** One sweep of one tenant; returns the integrations whose health changed. */
export async function sweepHealth(deps: HealthSweepDeps, tenantId: string): Promise<string[]> {
  const health = await integrationHealth(deps.store, deps.queue, tenantId, { clock: deps.clock, ...(deps.providers ? { providers: deps.providers } : {}) });
  const changed: string[] = [];
  for (const report of health.integrations) {
    if (!(await deps.endpoints.recordHealth(tenantId, report.integrationId, report.healthy, report.reasons))) continue;
    changed.push(report.integrationId);
    await deps.statusBus?.publish({ type: 'health.changed', tenantId, integrationId: report.integrationId, at: deps.clock.now(), healthy: report.healthy, reasons: report.reasons });
    if (!report.healthy) await notify(deps, tenantId, 'integration.unhealthy', { integration: report });
  }
  return changed;
}

export function healthSweepHandler(deps: HealthSweepDeps): JobHandler<Record<string, never>> {
  return async (_payload, job) => {
    try {
      await sweepHealth(deps, job.tenantId);
    } finally {
      await scheduleHealthSweep(deps.queue, job.tenantId, deps.sweepEveryMs ?? DEFAULT_SWEEP_EVERY_MS);
    }
  };
}
