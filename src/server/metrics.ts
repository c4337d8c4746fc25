/**
 * Prometheus metrics. Each app (and each test) has its own registry — never prom-client's global one —
 * so two apps in one process do not collide. Sync outcomes are recorded from the status stream
 * (`observeSyncStatus`), queue depth is read from the queue at scrape time, and the Graph webhook's
 * latency is timed by an `onResponse` hook (see routes/metrics.ts) or through `observeWebhook`.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobQueue } from '../queue/types.js';
import type { SyncStatus } from '../service/sync-jobs.js';
import type { Store } from '../store/types.js';
import { systemClock, type Clock } from '../util/clock.js';

export interface Metrics {
  readonly registry: Registry;
  readonly syncDuration: Histogram<'provider' | 'outcome'>;
  readonly jobs: Gauge<'state'>;
  readonly webhookLatency: Histogram<'status'>;
  readonly providerErrors: Counter<'provider' | 'code'>;
  readonly throttled: Counter<'provider'>;
  /** Records a sync status: durations on completion/failure, error codes, throttling. */
  observeSyncStatus(status: SyncStatus, provider?: string): void;
  /** Records one webhook notification request. */
  observeWebhook(seconds: number, status: number): void;
}

export interface MetricsOptions {
  /** Read at scrape time for the jobs-by-state gauge. */
  queue?: JobQueue;
  /** Node process metrics (CPU, memory, event loop); default true. */
  processMetrics?: boolean;
  clock?: Clock;
}

const THROTTLED = 'PROVIDER_THROTTLED';

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'calsync_' });
  const queue = opts.queue;
  const clock = opts.clock ?? systemClock;
  const started = new Map<string, number>();

  const syncDuration = new Histogram({
    name: 'calsync_sync_duration_seconds',
    help: 'Calendar sync duration by provider and outcome',
    labelNames: ['provider', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const jobs = new Gauge({
    name: 'calsync_jobs',
    help: 'Jobs in the queue by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      if (!queue) return;
      try {
        const counts = await queue.counts();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      } catch {
        // An unreachable queue shows as missing samples; /readyz reports it.
        this.reset();
      }
    },
  });
  const webhookLatency = new Histogram({
    name: 'calsync_webhook_latency_seconds',
    help: 'Time to answer a Microsoft Graph change notification',
    labelNames: ['status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
    registers: [registry],
  });
  const providerErrors = new Counter({
    name: 'calsync_provider_errors_total',
    help: 'Provider errors by provider and error code (failed syncs and failed items)',
    labelNames: ['provider', 'code'] as const,
    registers: [registry],
  });
  const throttled = new Counter({
    name: 'calsync_throttled_total',
    help: 'Throttling answers (429/503) providers gave, whether a retry absorbed them or they failed the job',
    labelNames: ['provider'] as const,
    registers: [registry],
  });

  /**
   * A provider that counts its throttling answers (Graph) reports them with the sync's status, each one
   * counted, retried or not; for the others a job or item that failed throttled counts once.
   */
  const countError = (provider: string, code: string, providerCounts: boolean): void => {
    providerErrors.inc({ provider, code });
    if (code === THROTTLED && !providerCounts) throttled.inc({ provider });
  };
  const countThrottled = (provider: string, count: number | undefined): void => {
    if (count !== undefined && count > 0) throttled.inc({ provider }, count);
  };

  return {
    registry,
    syncDuration,
    jobs,
    webhookLatency,
    providerErrors,
    throttled,
    observeSyncStatus(status, provider = 'unknown') {
      switch (status.type) {
        case 'started':
          started.set(status.calendarId, status.at);
          return;
        case 'in_progress':
          return;
        case 'completed':
          started.delete(status.calendarId);
          syncDuration.observe({ provider, outcome: status.report.errors.length > 0 ? 'partial' : 'success' }, status.report.durationMs / 1000);
          for (const e of status.report.errors) countError(provider, e.code, status.throttled !== undefined);
          countThrottled(provider, status.throttled);
          return;
        case 'failed': {
          const at = started.get(status.calendarId);
          started.delete(status.calendarId);
          if (at !== undefined) syncDuration.observe({ provider, outcome: 'failure' }, Math.max(0, clock.now() - at) / 1000);
          countError(provider, status.code ?? 'UNKNOWN', status.throttled !== undefined);
          countThrottled(provider, status.throttled);
          return;
        }
      }
    },
    observeWebhook(seconds, status) {
      webhookLatency.observe({ status: String(status) }, seconds);
    },
  };
}

/**
 * An `onStatus` callback feeding `metrics`, labelled with the calendar's provider kind (looked up once
 * per calendar when its sync starts).
 */
export function syncStatusObserver(metrics: Metrics, store: Store): (status: SyncStatus) => void {
  const providers = new Map<string, string>();
  return (status) => {
    if (status.type === 'started' && !providers.has(status.calendarId)) {
      providers.set(status.calendarId, 'unknown');
      void (async () => {
        const calendar = await store.calendars.get(status.tenantId, status.calendarId);
        const integration = calendar ? await store.integrations.get(status.tenantId, calendar.integrationId) : undefined;
        if (integration) providers.set(status.calendarId, integration.provider);
      })().catch(() => undefined);
    }
    metrics.observeSyncStatus(status, providers.get(status.calendarId));
  };
}
