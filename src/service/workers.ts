/**
 * The background side of calsync, shared by `calsync serve` (in-process) and `calsync worker`: queue
 * workers running the job handlers, the outbox drainer that turns hub changes into syncs of the other
 * calendars, and the poller that schedules CalDAV polls and reconciliation syncs.
 */
import type { JobHandler, JobQueue, QueueWorker } from '../queue/types.js';
import type { Store } from '../store/types.js';
import type { StatusBus } from './status/bus.js';
import type { Clock } from '../util/clock.js';
import { withCorrelation } from '../util/correlation.js';
import type { Logger } from '../util/logger.js';
import { outlookJobHandlers, startSubscriptionSweeps } from './outlook/jobs.js';
import type { SubscriptionDirectory } from './outlook/subscription-directory.js';
import type { SubscriptionOptions } from './outlook/subscription-manager.js';
import type { NotificationEndpoints } from './notifications/endpoints.js';
import { startHealthSweeps } from './notifications/health-sweep.js';
import { notificationJobHandlers, scheduleChangeHook } from './notifications/jobs.js';
import type { NotifierOptions } from './notifications/notifier.js';
import { startEventWebhooks } from './notifications/event-webhooks.js';
import { startOutboxDrainer } from './outbox/drainer.js';
import { RedisPollSchedule } from './poll-schedule-redis.js';
import { startPoller, type Poller } from './poller.js';
import type { ProviderRegistry } from './providers.js';
import { SYNC_CALENDAR_JOB, syncJobHandler, type SyncStatus } from './sync-jobs.js';
import { pushJobHandlers, startPushSweeps } from './webdav-push/jobs.js';
import type { PushDirectory } from './webdav-push/push-directory.js';
import type { PushRegistrationOptions } from './webdav-push/registration-manager.js';

export interface WorkerDeps {
  store: Store;
  queue: JobQueue;
  providers: ProviderRegistry;
  clock: Clock;
  logger?: Logger;
  onStatus?: (status: SyncStatus) => void;
  /** Where Graph and WebDAV servers post notifications (`CALSYNC_PUBLIC_URL`); without it no subscriptions or push registrations are made. */
  publicUrl?: string;
  /** Shared with the webhook in the same process, so a new subscription is recognised at once. */
  subscriptionDirectory?: SubscriptionDirectory;
  subscriptionOptions?: SubscriptionOptions;
  /** Shared with the WebDAV-Push webhook in the same process. */
  pushDirectory?: PushDirectory;
  pushOptions?: PushRegistrationOptions;
  /** Notification endpoints: with them, schedule changes and unhealthy integrations are sent out. */
  notifications?: NotificationEndpoints;
  notifierOptions?: NotifierOptions;
  /** Where the health sweep publishes `health.changed`. */
  statusBus?: StatusBus;
  /** With Redis (`REDIS_URL`), the poll schedule is a sorted set there (`poll-schedule-redis.ts`); else the store's column. */
  redis?: { url: string; prefix: string };
}

export interface WorkerOptions {
  concurrency?: number;
  /** Run the poller in this process (default true: every process may poll, a claim is atomic). */
  poll?: boolean;
  pollTickMs?: number;
  /** How often the outbox drainer looks for other processes' hub writes (default 1,000 ms; this process's are drained at once). */
  outboxPollMs?: number;
}

export interface Workers {
  stop(timeoutMs?: number): Promise<void>;
}

export function jobHandlers(deps: WorkerDeps): Record<string, JobHandler<never>> {
  const endpoints = deps.notifications;
  const notifier = endpoints ? { ...deps, endpoints } : undefined;
  return {
    [SYNC_CALENDAR_JOB]: syncJobHandler(notifier ? { ...deps, afterSync: scheduleChangeHook(notifier) } : deps) as JobHandler<never>,
    ...outlookJobHandlers(deps),
    ...pushJobHandlers(deps),
    ...(notifier ? notificationJobHandlers(notifier) : {}),
  };
}

/**
 * Every job runs under its id as the correlation id (on every log line inside it, see util/correlation.ts),
 * and its end is logged with the duration.
 */
export function correlated(handlers: Record<string, JobHandler<never>>, logger?: Logger): Record<string, JobHandler<never>> {
  return Object.fromEntries(
    Object.entries(handlers).map(([type, handler]) => [
      type,
      ((payload, job, ctx) =>
        withCorrelation({ jobId: ctx.jobId, jobType: type, tenantId: job.tenantId }, async () => {
          const startedAt = Date.now();
          try {
            await handler(payload, job, ctx);
            logger?.info({ attempt: ctx.attempt, durationMs: Date.now() - startedAt }, 'job completed');
          } catch (err) {
            logger?.warn({ err, attempt: ctx.attempt, durationMs: Date.now() - startedAt }, 'job failed');
            throw err;
          }
        })) as JobHandler<never>,
    ]),
  );
}

export function startWorkers(deps: WorkerDeps, opts: WorkerOptions = {}): Workers {
  const worker: QueueWorker = deps.queue.work(correlated(jobHandlers(deps), deps.logger), { concurrency: opts.concurrency ?? 4 });
  // Every process with workers drains: woken by its own hub writes, polling for the others'.
  const drainer = startOutboxDrainer(deps, opts.outboxPollMs === undefined ? {} : { pollMs: opts.outboxPollMs });
  const endpoints = deps.notifications;
  // Hub changes as event webhooks, in order per endpoint (dispatch jobs enqueued like the drainer's).
  const eventWebhooks = endpoints ? startEventWebhooks({ ...deps, endpoints }, opts.outboxPollMs === undefined ? {} : { pollMs: opts.outboxPollMs }) : undefined;
  const schedule = opts.poll !== false && deps.redis ? new RedisPollSchedule(deps.store, { redisUrl: deps.redis.url, prefix: deps.redis.prefix }) : undefined;
  const poller: Poller | undefined = opts.poll === false ? undefined : startPoller(schedule ? { ...deps, schedule } : deps, opts.pollTickMs);
  // The subscription health sweeps run where the poller runs (scheduled as coalesced jobs: several pollers schedule them once).
  if (poller && deps.publicUrl) {
    startSubscriptionSweeps(deps).catch((err: unknown) => deps.logger?.warn({ err }, 'could not schedule subscription sweeps'));
    startPushSweeps(deps).catch((err: unknown) => deps.logger?.warn({ err }, 'could not schedule webdav-push sweeps'));
  } else if (poller) deps.logger?.info('CALSYNC_PUBLIC_URL is not set: no Graph change subscriptions and no WebDAV-Push registrations; calendars are kept in sync by polling');
  if (poller && deps.notifications) startHealthSweeps(deps).catch((err: unknown) => deps.logger?.warn({ err }, 'could not schedule health sweeps'));
  return {
    async stop(timeoutMs = 10_000) {
      await poller?.stop();
      await schedule?.close();
      await drainer.stop();
      await eventWebhooks?.stop();
      await worker.stop(timeoutMs);
    },
  };
}
