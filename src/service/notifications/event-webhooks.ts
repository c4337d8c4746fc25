/**
 * Hub changes as webhooks (`event.created`, `event.updated`, `event.deleted`, `event.restored`). They
 * follow the change feed (`service/changes/feed.ts`), so each endpoint receives them exactly in the
 * hub's commit order: one `webhooks.dispatch` job per endpoint (coalesced, one at a time per endpoint)
 * sends the changes after the endpoint's feed cursor one by one and moves the cursor after each answer
 * 2xx (compare-and-set). A failed delivery fails the job, which the queue retries with backoff; after
 * its last attempt it is dead-lettered, and replaying the dead letter (API or dashboard) goes on from
 * the same change. While a failed job retries or waits as a dead letter, no new dispatch is enqueued
 * for the endpoint (its feed cursor is paused). Nothing later overtakes it: at least once, in order, never a gap. The webhook id is
 * the change's history entry, so a receiver deduplicates retries on `webhook-id`.
 *
 * `startEventWebhooks` enqueues the jobs: at once after a hub write of this process, and by a poll
 * (default every second) for the other processes' writes — like the outbox drainer.
 */
import { isRetryable } from '../../errors.js';
import type { JobHandler, JobQueue } from '../../queue/types.js';
import type { Store } from '../../store/types.js';
import type { Logger } from '../../util/logger.js';
import { readChanges } from '../changes/feed.js';
import { decodeCursor, encodeCursor } from '../changes/cursor.js';
import type { NotificationEndpoints } from './endpoints.js';
import { deliverer, notificationBody, type NotifierDeps } from './notifier.js';

export const WEBHOOK_DISPATCH_JOB = 'webhooks.dispatch';
const PAGE = 100;

export interface EventWebhookDeps extends NotifierDeps {
  store: Store;
}

export interface DispatchPayload {
  endpointId: string;
}

export async function enqueueDispatch(queue: JobQueue, tenantId: string, endpointId: string, opts: { attempts?: number; backoffMs?: number } = {}): Promise<void> {
  await queue.enqueue<DispatchPayload>({
    type: WEBHOOK_DISPATCH_JOB,
    tenantId,
    payload: { endpointId },
    priority: 'high',
    key: `webhooks:${endpointId}`,
    mutex: `webhooks:${endpointId}`,
    attempts: opts.attempts ?? 8,
    backoffMs: opts.backoffMs ?? 2_000,
  });
}

/** Sends the endpoint every change after its cursor, in order; returns how many it sent. Throws at the first failed delivery. */
export async function dispatchEventWebhooks(deps: EventWebhookDeps, tenantId: string, endpointId: string): Promise<number> {
  const deliver = deliverer(deps);
  let sent = 0;
  for (;;) {
    const target = await deps.endpoints.withSecret(tenantId, endpointId);
    if (!target) return sent;
    const from = await deps.endpoints.feedCursor(tenantId, endpointId);
    const page = await readChanges({ store: deps.store }, tenantId, { cursor: encodeCursor(from), limit: PAGE });
    let at = from;
    for (const change of page.changes) {
      if (target.endpoint.events.includes(change.type)) {
        const eventId = `evt_${change.auditId}`;
        await deliver(target, { eventId, type: change.type, body: notificationBody(eventId, change.type, tenantId, change, deps.clock) });
        sent += 1;
      }
      if (!(await deps.endpoints.advanceFeedCursor(tenantId, endpointId, at, change.seq))) return sent; // another dispatcher moved it: it goes on
      at = change.seq;
    }
    if (!page.hasMore) return sent;
    if (decodeCursor(page.cursor) === from) return sent;
  }
}

export function dispatchHandler(deps: EventWebhookDeps): JobHandler<DispatchPayload> {
  return async (payload, job, ctx) => {
    let sent: number;
    try {
      sent = await dispatchEventWebhooks(deps, job.tenantId, payload.endpointId);
    } catch (err) {
      // The failed job owns the endpoint now: its retries go on from the same change and, after the last
      // one, its dead letter waits for a replay. New dispatches would only knock at the same door.
      deps.logger?.warn({ endpointId: payload.endpointId, attempt: ctx.attempt, final: ctx.attempt >= job.maxAttempts || !isRetryable(err) }, 'event webhook delivery failed');
      await deps.endpoints.setFeedPaused(job.tenantId, payload.endpointId, true);
      throw err;
    }
    await deps.endpoints.setFeedPaused(job.tenantId, payload.endpointId, false);
    if (sent > 0) deps.logger?.info({ endpointId: payload.endpointId, sent }, 'event webhooks delivered');
  };
}

export interface EventWebhookStarter {
  stop(): Promise<void>;
}

/** Enqueues dispatches for endpoints behind the feed: at once on this process's hub writes, and by polling. */
export function startEventWebhooks(deps: { store: Store; queue: JobQueue; endpoints: NotificationEndpoints; logger?: Logger; notifierOptions?: { attempts?: number; backoffMs?: number } }, opts: { pollMs?: number } = {}): EventWebhookStarter {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let pass: Promise<void> = Promise.resolve();
  const retry = { ...(deps.notifierOptions?.attempts === undefined ? {} : { attempts: deps.notifierOptions.attempts }), ...(deps.notifierOptions?.backoffMs === undefined ? {} : { backoffMs: deps.notifierOptions.backoffMs }) };
  const enqueueBehind = async (tenantId?: string): Promise<void> => {
    try {
      for (const b of await deps.endpoints.behindFeed()) if (tenantId === undefined || b.tenantId === tenantId) await enqueueDispatch(deps.queue, b.tenantId, b.endpointId, retry);
    } catch (err) {
      deps.logger?.warn({ err }, 'event webhooks: could not enqueue dispatches');
    }
  };
  const unsubscribe = deps.store.outbox.onCommit((tenantId) => {
    if (!stopped) void enqueueBehind(tenantId);
  });
  const poll = async (): Promise<void> => {
    await enqueueBehind();
    if (!stopped) timer = setTimeout(() => (pass = poll()), opts.pollMs ?? 1_000);
  };
  timer = setTimeout(() => (pass = poll()), 0);
  return {
    async stop() {
      stopped = true;
      unsubscribe();
      if (timer) clearTimeout(timer);
      await pass;
    },
  };
}
