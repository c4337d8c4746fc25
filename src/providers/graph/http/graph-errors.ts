/**
 * Graph error responses → the shared PROVIDER_* errors (src/providers/types.ts): Graph's own error
 * codes (expired delta state) first, then the shared status table (src/net/status-errors.ts) with
 * Graph's overrides (410 → invalid sync token). Retryability then follows from the code.
 */
import { CalsyncError } from '../../../errors.js';
import { GRAPH_STATUS_OVERRIDES, codeForStatus } from '../../../net/status-errors.js';
import type { GraphErrorBody } from '../graph-types.js';

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
  if (SYNC_TOKEN_CODES.has(graphCode ?? '') || SYNC_TOKEN_CODES.has(innerCode ?? '')) {
    return new CalsyncError('PROVIDER_INVALID_SYNC_TOKEN', message, opts);
  }
  const code = codeForStatus(status, GRAPH_STATUS_OVERRIDES);
  // 401: the grant is gone (the client refreshed once already); the integration needs a new sign-in.
  if (code === 'PROVIDER_AUTH') return new CalsyncError(code, message, { ...opts, details: { ...details, needsReauth: true } });
  return new CalsyncError(code, message, opts);
}

/** The path of a URL without its query (which may hold delta tokens, never logged). */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
