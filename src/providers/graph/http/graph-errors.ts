/**
 * Graph error responses → the shared PROVIDER_* errors (src/providers/types.ts). The one place that
 * decides what a Graph status/code means for the engine; retryability then follows from the code.
 */
import { CalsyncError } from '../../../errors.js';
import type { GraphErrorBody } from '../graph-types.js';

/** Statuses worth waiting for and retrying (concepts/throttling.md: 429, and 503/504 with Retry-After). */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/** Delta-token errors (event-delta.md): the engine must start over with a full listing. */
const SYNC_TOKEN_CODES = new Set(['syncStateNotFound', 'resyncRequired', 'SyncStateNotFound', 'ResyncRequired', 'syncStateInvalid']);

export interface ErrorContext {
  method: string;
  url: string;
  retryAfterS?: number;
}

export function graphErrorCode(body: unknown): string | undefined {
  const error = (body as GraphErrorBody | undefined)?.error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

export function errorFromResponse(status: number, body: unknown, ctx: ErrorContext): CalsyncError {
  const error = (body as GraphErrorBody | undefined)?.error;
  const graphCode = graphErrorCode(body);
  const innerCode = error?.innerError?.code;
  const details: Record<string, unknown> = { status, method: ctx.method, path: pathOf(ctx.url) };
  if (graphCode) details.graphCode = graphCode;
  const requestId = error?.innerError?.['request-id'];
  if (requestId) details.requestId = requestId;
  const message = `Graph ${ctx.method} ${pathOf(ctx.url)} → ${status}${graphCode ? ` ${graphCode}` : ''}: ${error?.message ?? 'no message'}`;
  const opts = { details, ...(ctx.retryAfterS === undefined ? {} : { retryAfterS: ctx.retryAfterS }) };
  if (status === 410 || SYNC_TOKEN_CODES.has(graphCode ?? '') || SYNC_TOKEN_CODES.has(innerCode ?? '')) {
    return new CalsyncError('PROVIDER_INVALID_SYNC_TOKEN', message, opts);
  }
  switch (status) {
    case 401:
      return new CalsyncError('PROVIDER_AUTH', message, { ...opts, details: { ...details, needsReauth: true } });
    case 404:
      return new CalsyncError('PROVIDER_NOT_FOUND', message, opts);
    case 409:
      return new CalsyncError('PROVIDER_CONFLICT', message, opts);
    case 412:
      return new CalsyncError('PROVIDER_PRECONDITION_FAILED', message, opts);
    case 429:
      return new CalsyncError('PROVIDER_THROTTLED', message, opts);
    case 408:
    case 504:
      return new CalsyncError('PROVIDER_TIMEOUT', message, opts);
    default:
      if (status >= 500) return new CalsyncError('PROVIDER_UNAVAILABLE', message, opts);
      // 400 (bad request), 403 (no permission, read-only calendar), 413…: retrying cannot help.
      return new CalsyncError('PROVIDER_REJECTED', message, opts);
  }
}

/** The path of a URL without its query (which may hold delta tokens, never logged). */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - nowMs) / 1000));
}
