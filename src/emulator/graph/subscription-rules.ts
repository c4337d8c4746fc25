/**
 * What a subscription request must satisfy (api/subscription-post-subscriptions.md,
 * concepts/change-notifications-delivery-webhooks.md): URLs, lifetime, resource, and the
 * validation handshake with the receiver.
 */
import { randomUUID } from 'node:crypto';
import { GraphError, badRequest } from './graph-error.js';
import type { WebhookPoster } from './http-post.js';

export const CHANGE_TYPES = ['created', 'updated', 'deleted'];

/** `/me/events`, `/users/{id}/events`, `…/calendar/events`, `…/calendars/{id}/events` (the last observed). */
const RESOURCE = /^\/?(me|users\/([^/]+))\/(events|calendar\/events|calendars\/([^/]+)\/events)$/i;

/** HTTPS, or http on a loopback host when allowed (local development against the emulator). */
export function checkNotificationUrl(url: string, name: string, allowHttpLoopback: boolean): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest(`Invalid '${name}': '${url}' is not an absolute URL.`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback && allowHttpLoopback))
    throw badRequest(`Invalid '${name}': the URL must use HTTPS.`);
}

/** The expiration instant; future and within the maximum lifetime, else Graph's 400. */
export function checkExpiration(value: unknown, nowMs: number, maxLifetimeMinutes: number): number {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw badRequest("'expirationDateTime' is required and must be a date-time.");
  if (ms <= nowMs) throw badRequest('Subscription expiration must be in the future.');
  if (ms - nowMs > maxLifetimeMinutes * 60_000)
    throw new GraphError(400, 'ExtensionError', `Subscription expiration can only be ${maxLifetimeMinutes} minutes in the future.`);
  return ms;
}

/** The user (undefined for `me`) and calendar (undefined for the default) a resource names. */
export function parseResource(resource: string): { user: string | undefined; calendarId: string | undefined } {
  const m = RESOURCE.exec(resource.trim());
  if (!m) throw new GraphError(400, 'InvalidRequest', `Resource '${resource}' is not supported for change notifications.`);
  return { user: m[2] === undefined ? undefined : decodeURIComponent(m[2]), calendarId: m[4] === undefined ? undefined : decodeURIComponent(m[4]) };
}

/**
 * The token as Graph puts it in the query: form-encoded, spaces as `+` and escapes in lower case
 * (`Validation%3a+Testing+client+application+reachability…`), so a receiver must decode `+` too.
 */
export function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, '+')
    .replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
}

/**
 * POST `url?validationToken=…` (text/plain); the receiver must answer 200, text/plain, with the
 * URL-decoded token as the body, within the timeout. The token contains spaces and colons, as
 * Graph's does, so a receiver that echoes the raw query string fails here as it would live.
 */
export async function validationHandshake(sender: WebhookPoster, url: string, timeoutMs: number, formEncoded = true): Promise<void> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const target = `${url}${url.includes('?') ? '&' : '?'}validationToken=${formEncoded ? formEncode(token) : encodeURIComponent(token)}`;
  const ok = await sender
    .post(target, '', 'text/plain; charset=utf-8', timeoutMs)
    .then((r) => r.status === 200 && r.contentType.toLowerCase().startsWith('text/plain') && r.body === token)
    .catch(() => false);
  if (!ok)
    throw new GraphError(400, 'InvalidRequest', 'Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.');
}
