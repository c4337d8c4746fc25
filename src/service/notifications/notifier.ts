/**
 * Sending notifications: one `notify.deliver` job per (notification, endpoint), so each endpoint is
 * retried with backoff on its own and dead-lettered after its last attempt without holding up the
 * others (hub changes, `event.*`, go in order through `event-webhooks.ts` instead). A delivery is a
 * signed POST (Standard Webhooks, see signature.ts); any answer but 2xx, a timeout or a network error
 * is a failed attempt. The body is `{id, type, timestamp, tenantId, data}`.
 */
import { randomUUID } from 'node:crypto';
import { CalsyncError } from '../../errors.js';
import { discardBody } from '../../net/capped-body.js';
import { guardedFetch, unguardedFetch } from '../../net/http-fetch.js';
import { redactUrl } from '../../net/redact.js';
import type { FetchLike } from '../../net/types.js';
import type { JobHandler, JobQueue } from '../../queue/types.js';
import type { Clock } from '../../util/clock.js';
import { isoNow } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { NotificationEndpoint, NotificationEndpoints, NotificationType, TEST_TYPE } from './endpoints.js';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, standardHeaders } from './signature.js';

export const NOTIFY_DELIVER_JOB = 'notify.deliver';

export interface DeliveryPayload {
  endpointId: string;
  eventId: string;
  type: NotificationType | typeof TEST_TYPE;
  /** The exact body sent on every attempt (the signature covers it). */
  body: string;
}

/** The body of a notification (the same on every attempt). */
export function notificationBody(eventId: string, type: DeliveryPayload['type'], tenantId: string, data: unknown, clock: Clock): string {
  const timestamp = isoNow(clock);
  return JSON.stringify({ id: eventId, type, timestamp, createdAt: timestamp, tenantId, data });
}

export interface NotifierOptions {
  /** Attempts per delivery (default 6: over about a minute with the default backoff). */
  attempts?: number;
  /** Backoff base in ms (default 2,000, doubling). */
  backoffMs?: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Allow endpoints on loopback/private addresses (tests, on-premises receivers). */
  allowPrivateUrls?: boolean;
  /** Injectable HTTP (tests); default: fetch that refuses private addresses unless allowed. */
  fetch?: FetchLike;
}

export interface NotifierDeps {
  queue: JobQueue;
  endpoints: NotificationEndpoints;
  clock: Clock;
  logger?: Logger;
  notifierOptions?: NotifierOptions;
}

/** Enqueues `type` with `data` to every endpoint of the tenant that takes it; returns how many. */
export async function notify(deps: NotifierDeps, tenantId: string, type: NotificationType, data: unknown): Promise<number> {
  const targets = await deps.endpoints.list(tenantId, type);
  const opts = deps.notifierOptions ?? {};
  for (const endpoint of targets) {
    const eventId = `msg_${randomUUID()}`;
    const body = notificationBody(eventId, type, tenantId, data, deps.clock);
    await deps.queue.enqueue<DeliveryPayload>({
      type: NOTIFY_DELIVER_JOB,
      tenantId,
      payload: { endpointId: endpoint.id, eventId, type, body },
      // Suppliers act on schedule changes: they go ahead of background syncs.
      priority: 'high',
      attempts: opts.attempts ?? 6,
      backoffMs: opts.backoffMs ?? 2_000,
    });
  }
  return targets.length;
}

export type DeliverFn = (target: { endpoint: NotificationEndpoint; secret: string }, delivery: Omit<DeliveryPayload, 'endpointId'>) => Promise<void>;

/**
 * One attempt of one delivery: the signed POST, resolved on 2xx. Throws `PROVIDER_UNAVAILABLE`
 * (retryable) on any other answer or a network failure, and `VALIDATION` (permanent) when the address
 * guard refuses the endpoint.
 */
export function deliverer(deps: Pick<NotifierDeps, 'clock' | 'notifierOptions'>): DeliverFn {
  const opts = deps.notifierOptions ?? {};
  // The one outbound edge (src/net): node:http, the address connected to checked unless private URLs are allowed.
  let http: FetchLike | undefined = opts.fetch ?? (opts.allowPrivateUrls ? unguardedFetch() : undefined);
  return async (target, payload) => {
    // Checked at connect time on the address actually connected to (literals and every DNS answer):
    // a name that later points inward, or an inward literal in any spelling, is refused.
    http ??= guardedFetch();
    const timestamp = Math.floor(deps.clock.now() / 1000);
    const legacy: Record<string, string> = target.endpoint.legacyHeaders
      ? { [EVENT_ID_HEADER]: payload.eventId, [EVENT_TYPE_HEADER]: payload.type, [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: sign(target.secret, timestamp, payload.body) }
      : {};
    let status: number;
    try {
      const response = await http(target.endpoint.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'calsync-notifications/1',
          ...standardHeaders(target.secret, payload.eventId, timestamp, payload.body),
          ...legacy,
        },
        body: payload.body,
      });
      status = response.status;
      // Only the status matters: the body is never read (so never buffered, however large or compressed).
      await discardBody(response);
    } catch (err) {
      // The address guard refused the endpoint (it is, or resolves to, an inward address): no retry
      // would change that, so the delivery is dead-lettered at once instead of knocking six times.
      if (err instanceof CalsyncError && err.code === 'VALIDATION') throw new CalsyncError('VALIDATION', `notification endpoint refused: ${err.message}`, { cause: err, retryable: false, details: { url: redactUrl(target.endpoint.url) } });
      throw new CalsyncError('PROVIDER_UNAVAILABLE', `notification endpoint ${redactUrl(target.endpoint.url)} unreachable: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
        retryable: true,
      });
    }
    if (status < 200 || status >= 300) throw new CalsyncError('PROVIDER_UNAVAILABLE', `notification endpoint answered HTTP ${status}`, { retryable: true, details: { status } });
  };
}

export function deliveryHandler(deps: NotifierDeps): JobHandler<DeliveryPayload> {
  const deliver = deliverer(deps);
  return async (payload, job) => {
    const target = await deps.endpoints.withSecret(job.tenantId, payload.endpointId);
    if (!target) {
      deps.logger?.info({ endpointId: payload.endpointId }, 'notification endpoint was deleted; delivery dropped');
      return;
    }
    await deliver(target, payload);
    deps.logger?.info({ endpointId: payload.endpointId, eventId: payload.eventId, type: payload.type }, 'notification delivered');
  };
}
