/**
 * The one table from an HTTP status to a typed error code, for every outbound caller; a provider
 * passes overrides for the statuses its protocol gives a meaning of its own. Retryability then follows
 * the code (src/errors.ts).
 *
 * The CalDAV and Graph tables used to disagree on four statuses; settled here:
 * - 410 Gone → PROVIDER_NOT_FOUND (RFC 9110: the resource is gone for good). Graph overrides it with
 *   PROVIDER_INVALID_SYNC_TOKEN: Graph answers 410 only for an expired delta/sync state, and the engine
 *   must then start over with a full listing.
 * - 504 Gateway Timeout → PROVIDER_TIMEOUT (both): a gateway gave up waiting, retryable, and an outage
 *   for the circuit breaker like any timeout. (CalDAV had UNAVAILABLE: retryable as well.)
 * - 501 Not Implemented → PROVIDER_REJECTED (both): the server does not support what we asked; a retry
 *   cannot change that. (Graph had UNAVAILABLE, retried six times in vain.)
 * - 507 Insufficient Storage → PROVIDER_REJECTED (both): a full quota or mailbox stays full until a
 *   person acts. (Graph had UNAVAILABLE.) A 507 INSIDE a multistatus (a truncated listing) is not an
 *   HTTP status of the answer and is handled by the CalDAV listing code.
 * - Other 5xx → PROVIDER_UNAVAILABLE; other 4xx → PROVIDER_REJECTED.
 */
import type { ErrorCode } from '../errors.js';

export type StatusOverrides = Readonly<Partial<Record<number, ErrorCode>>>;

const BASE: StatusOverrides = {
  401: 'PROVIDER_AUTH',
  404: 'PROVIDER_NOT_FOUND',
  408: 'PROVIDER_TIMEOUT',
  409: 'PROVIDER_CONFLICT',
  410: 'PROVIDER_NOT_FOUND',
  412: 'PROVIDER_PRECONDITION_FAILED',
  429: 'PROVIDER_THROTTLED',
  501: 'PROVIDER_REJECTED',
  504: 'PROVIDER_TIMEOUT',
  507: 'PROVIDER_REJECTED',
};

/** Graph's own meanings (see the header). */
export const GRAPH_STATUS_OVERRIDES: StatusOverrides = { 410: 'PROVIDER_INVALID_SYNC_TOKEN' };

/** The error code for an HTTP status that the caller did not accept as an answer. */
export function codeForStatus(status: number, overrides: StatusOverrides = {}): ErrorCode {
  const named = overrides[status] ?? BASE[status];
  if (named) return named;
  return status >= 500 ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_REJECTED';
}

/** Statuses worth waiting for and retrying in-process (throttling and passing outages). */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);
